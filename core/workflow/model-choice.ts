/**
 * The model a deployment runs a workflow with, when it differs from the pack's.
 *
 * A model's lifecycle is the operator's concern more than the pack author's:
 * a deployment may name another model (and fallbacks) without editing the
 * pack, through a `GovernedWorkflow` prop or CDK context. `lib/` applies the
 * choice at synth time (grants, the Plan Lambda's environment); the Plan
 * Lambda applies the same choice, read from that environment, at cold start,
 * so what is granted is what is called.
 */
import { ConfigurationError, WorkflowSpecError } from '../errors.js';
import { agentModelProblems } from '../model/agent-models.js';
import type { WorkflowSpec } from './spec.js';

/** A deployment's choice of models; an absent field keeps the pack's. */
export interface ModelChoice {
  /** The model Plan asks first. */
  readonly modelId?: string;
  /** The models Plan tries, in order, when the one before is unavailable. */
  readonly fallbackModels?: readonly string[];
}

/**
 * The CDK context key of the model a workflow asks first:
 * `cdk deploy -c awf:modelId:<workflow id>=<model id>`. `lib/` reads it at
 * synth time, `awf doctor` from cdk.json, so both check the same model.
 */
export function modelIdContextKey(workflowId: string): string {
  return `awf:modelId:${workflowId}`;
}

/** The CDK context key of a workflow's fallback models (a comma-separated string, or a list in cdk.json). */
export function fallbackModelsContextKey(workflowId: string): string {
  return `awf:fallbackModels:${workflowId}`;
}

/**
 * A workflow's model choice from CDK context (`get` reads a key): the model
 * as a string, the fallbacks as a comma-separated string (`-c key=` for none)
 * or a list; an absent key keeps the pack's.
 *
 * @throws ConfigurationError naming the key and its bad value.
 */
export function modelChoiceFromContext(workflowId: string, get: (key: string) => unknown): ModelChoice {
  const modelKey = modelIdContextKey(workflowId);
  const fallbacksKey = fallbackModelsContextKey(workflowId);
  const model = get(modelKey);
  const fallbacks = get(fallbacksKey);
  if (model !== undefined && (typeof model !== 'string' || model.trim() === '')) {
    throw new ConfigurationError(`context ${modelKey} must be a model id, got ${JSON.stringify(model)}`);
  }
  let fallbackModels: readonly string[] | undefined;
  if (typeof fallbacks === 'string') {
    fallbackModels = fallbacks
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
  } else if (Array.isArray(fallbacks) && fallbacks.every((id) => typeof id === 'string')) {
    fallbackModels = fallbacks;
  } else if (fallbacks !== undefined) {
    throw new ConfigurationError(
      `context ${fallbacksKey} must be a comma-separated string or a list of model ids, got ${JSON.stringify(fallbacks)}`,
    );
  }
  return {
    ...(model === undefined ? {} : { modelId: model.trim() }),
    ...(fallbackModels === undefined ? {} : { fallbackModels }),
  };
}

/** A model id as Bedrock takes it: a model or inference-profile id, or an ARN. */
const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.:/_-]{2,2047}$/;

/**
 * The spec with the deployment's model choice applied, checked as
 * `defineWorkflow` checks the pack's own (no fallback repeats a model, every
 * model priced when the budget is in USD).
 *
 * @throws WorkflowSpecError naming the field and the bad value.
 * @example
 * withModelChoice(spec, { modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', fallbackModels: [] });
 */
export function withModelChoice(spec: WorkflowSpec, choice: ModelChoice): WorkflowSpec {
  if (choice.modelId === undefined && choice.fallbackModels === undefined) return spec;
  const agent = {
    ...spec.agent,
    modelId: choice.modelId ?? spec.agent.modelId,
    fallbackModels: [...(choice.fallbackModels ?? spec.agent.fallbackModels)],
  };
  const problems = [agent.modelId, ...agent.fallbackModels]
    .filter((model) => !MODEL_ID_PATTERN.test(model))
    .map((model) => `agent: expected a Bedrock model or inference-profile id, got "${model}"`);
  problems.push(
    ...agentModelProblems(agent).map(({ path, message }) => `agent.${path.join('.')}: ${message}`),
  );
  if (problems.length > 0) throw new WorkflowSpecError(spec.id, problems);
  return { ...spec, agent };
}
