/**
 * A model that cannot answer at all, as opposed to one that is busy.
 *
 * Bedrock answers a model it will never serve to this caller with an error
 * that retrying cannot fix: `ResourceNotFoundException` once the model has
 * reached its end of life (or before Anthropic's first-use form is submitted),
 * `AccessDeniedException` when the caller may not invoke it (IAM, the AWS
 * Marketplace subscription, an SCP), and `ValidationException` when the id
 * names no model this region serves on demand. Those answers become one
 * named error, {@link ModelUnavailableError}, with the fix in its message, so
 * Plan can try the spec's fallback models and escalate when none answers.
 * Throttling and other transient errors are not classified here: the state
 * machine retries them by name.
 */
import { AwfError } from '../errors.js';

/** Why a model cannot answer. */
export const MODEL_UNAVAILABLE_KINDS = [
  'end-of-life',
  'first-use-form',
  'access-denied',
  'unknown-model',
] as const;
/** One of {@link MODEL_UNAVAILABLE_KINDS}. */
export type ModelUnavailableKind = (typeof MODEL_UNAVAILABLE_KINDS)[number];

/** What an operator does about each kind; docs/OPERATIONS.md#models has the detail. */
export const MODEL_UNAVAILABLE_FIXES: Readonly<Record<ModelUnavailableKind, string>> = {
  'end-of-life':
    "the model reached its end of life on Bedrock: choose an Active model on its Bedrock model card, set it as the pack's agent.modelId (or per deployment with -c awf:modelId:<workflow>=<id>), add agent.fallbackModels, and redeploy",
  'first-use-form':
    "Anthropic's first-use form has not been submitted for this account: submit it once in the Bedrock console (Model catalog), wait up to 15 minutes, then redrive the run",
  'access-denied':
    'the caller may not invoke the model: redeploy so the Plan role holds bedrock:InvokeModel on the model and its fallbacks, and on a first call in a new account allow aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions (check for an SCP denying either)',
  'unknown-model':
    'Bedrock knows no model by this id in this region, or does not serve it on demand: check the id on the model card (use its inference-profile id, such as us.<model id>) and redeploy',
};

/** Bedrock's answer names a model it will never serve to this caller; retrying cannot help. */
export class ModelUnavailableError extends AwfError {
  constructor(
    /** The model id the request named. */
    readonly modelId: string,
    readonly kind: ModelUnavailableKind,
    /** Bedrock's own message. */
    readonly answer: string,
    options?: { cause?: unknown },
  ) {
    super(
      `model ${modelId} is unavailable (${kind}): ${answer}; fix: ${MODEL_UNAVAILABLE_FIXES[kind]}`,
      options,
    );
    this.name = 'ModelUnavailableError';
  }
}

/**
 * A `ValidationException` that is about the model id rather than the request
 * body: "The provided model identifier is invalid.", "Invocation of model ID …
 * with on-demand throughput isn’t supported", "The provided model doesn't
 * support on-demand throughput.".
 */
const MODEL_ID_VALIDATION = /model identifier|model id\b|on-demand throughput/i;

function kindOf(name: string, message: string): ModelUnavailableKind | undefined {
  switch (name) {
    case 'ResourceNotFoundException':
      if (/end of (its )?life/i.test(message)) return 'end-of-life';
      if (/use case/i.test(message)) return 'first-use-form';
      return 'unknown-model';
    case 'AccessDeniedException':
      return 'access-denied';
    case 'ValidationException':
      return MODEL_ID_VALIDATION.test(message) ? 'unknown-model' : undefined;
    default:
      return undefined;
  }
}

/**
 * The {@link ModelUnavailableError} an error of a Converse call to `modelId`
 * amounts to, or undefined when it is another kind of error (throttling, a
 * malformed request, a timeout) that must travel unchanged.
 *
 * @example
 * try { await model.converse(request) } catch (error) {
 *   const unavailable = modelUnavailableFrom(error, request.modelId);
 *   if (unavailable === undefined) throw error;
 * }
 */
export function modelUnavailableFrom(error: unknown, modelId: string): ModelUnavailableError | undefined {
  if (error instanceof ModelUnavailableError) return error;
  if (!(error instanceof Error)) return undefined;
  const kind = kindOf(error.name, error.message);
  return kind === undefined
    ? undefined
    : new ModelUnavailableError(modelId, kind, error.message, { cause: error });
}
