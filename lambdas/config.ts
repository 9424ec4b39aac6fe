/**
 * Configuration read once at cold start.
 */
import { ConfigurationError } from '../core/errors.js';
import { ENV, type EnvName } from '../core/runtime-env.js';
import { withModelChoice } from '../core/workflow/model-choice.js';
import type { WorkflowPack } from '../core/workflow/pack.js';

/**
 * Returns an environment variable the stack must have set.
 * @throws ConfigurationError naming the variable when it is missing or empty.
 */
export function requireEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`environment variable ${name} is not set; the stack must provide it`);
  }
  return value;
}

/**
 * The pack with the models the deployment chose (`AWF_MODEL_ID`,
 * `AWF_FALLBACK_MODELS`), which may differ from the pack's own: the stack
 * granted these, so these are what Plan must call. Unchanged when the
 * variables are not set (steps that call no model).
 *
 * @throws ConfigurationError when `AWF_FALLBACK_MODELS` is not a JSON array of
 *   strings, or the choice is not one the spec accepts.
 */
export function deployedPack(pack: WorkflowPack, env: NodeJS.ProcessEnv = process.env): WorkflowPack {
  const modelId = env[ENV.modelId] || undefined;
  const fallbacks = env[ENV.fallbackModels] || undefined;
  if (modelId === undefined && fallbacks === undefined) return pack;
  let fallbackModels: string[] | undefined;
  if (fallbacks !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fallbacks);
    } catch (error) {
      throw new ConfigurationError(`${ENV.fallbackModels} is not JSON: ${fallbacks}`, { cause: error });
    }
    if (!Array.isArray(parsed) || !parsed.every((model) => typeof model === 'string')) {
      throw new ConfigurationError(
        `${ENV.fallbackModels} must be a JSON array of model ids, got ${fallbacks}`,
      );
    }
    fallbackModels = parsed;
  }
  try {
    return { ...pack, spec: withModelChoice(pack.spec, { modelId, fallbackModels }) };
  } catch (error) {
    throw new ConfigurationError(`the deployed model choice is invalid: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Fails unless the Lambda was deployed for this pack: a bundle wired to another
 * workflow's tables would write its runs under the wrong id.
 * @throws ConfigurationError naming both ids.
 */
export function assertDeployedFor(pack: WorkflowPack, env: NodeJS.ProcessEnv = process.env): void {
  const deployed = requireEnv(ENV.workflowId, env);
  if (deployed !== pack.spec.id) {
    throw new ConfigurationError(
      `${ENV.workflowId} is "${deployed}", but this bundle runs workflow "${pack.spec.id}"`,
    );
  }
}
