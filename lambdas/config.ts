/**
 * Configuration read once at cold start.
 */
import { ConfigurationError } from '../core/errors.js';
import { ENV, type EnvName } from '../core/runtime-env.js';
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
