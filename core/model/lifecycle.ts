/**
 * Where a model stands in its Bedrock lifecycle, from what the control plane
 * says about it.
 *
 * `GetFoundationModel` returns `modelDetails.modelLifecycle`: `status`
 * (`ACTIVE` or `LEGACY`) and, when known, `legacyTime` and `endOfLifeTime`.
 * An end-of-life model is one whose `endOfLifeTime` has passed (Bedrock then
 * answers Converse with ResourceNotFoundException); the API has no `EOL`
 * status of its own. An inference profile has no lifecycle: its model does.
 */

/** A model's lifecycle as the control plane reports it (`FoundationModelLifecycle`). */
export interface FoundationModelLifecycle {
  readonly status: string;
  readonly legacyTime?: Date | undefined;
  readonly endOfLifeTime?: Date | undefined;
}

/** What `GetFoundationModel` says about a model, as awf reads it. */
export interface FoundationModelAnswer {
  readonly modelId: string;
  readonly lifecycle?: FoundationModelLifecycle | undefined;
}

/** What `GetInferenceProfile` says about a profile, as awf reads it. */
export interface InferenceProfileAnswer {
  readonly inferenceProfileId: string;
  /** `ACTIVE` when the profile is ready to be used. */
  readonly status: string;
  /** ARNs of the foundation models the profile routes to (one per destination region). */
  readonly modelArns: readonly string[];
}

/**
 * Port: Bedrock's control plane, read only. The adapter over
 * `@aws-sdk/client-bedrock` implements it; tests use fakes. Errors keep
 * Bedrock's names (`ResourceNotFoundException`, `AccessDeniedException`).
 */
export interface ModelCatalog {
  foundationModel(modelId: string): Promise<FoundationModelAnswer>;
  inferenceProfile(profileId: string): Promise<InferenceProfileAnswer>;
}

/** Where a model stands: usable, usable until a date, gone, or not said. */
export type LifecycleState =
  | { readonly state: 'ACTIVE'; readonly endOfLife?: string }
  | { readonly state: 'LEGACY'; readonly endOfLife?: string }
  | { readonly state: 'EOL'; readonly endOfLife: string }
  | { readonly state: 'UNKNOWN'; readonly status: string };

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * The lifecycle state of a model at `now`: EOL once its end-of-life time has
 * passed whatever its status says, else its status with the end-of-life day
 * when one is set.
 *
 * @example
 * lifecycleOf({ status: 'LEGACY', endOfLifeTime: new Date('2026-06-19') }, new Date('2026-05-01'))
 * // { state: 'LEGACY', endOfLife: '2026-06-19' }
 */
export function lifecycleOf(lifecycle: FoundationModelLifecycle | undefined, now: Date): LifecycleState {
  if (lifecycle === undefined) return { state: 'UNKNOWN', status: 'no modelLifecycle in the answer' };
  const { status, endOfLifeTime } = lifecycle;
  if (endOfLifeTime !== undefined && endOfLifeTime.getTime() <= now.getTime()) {
    return { state: 'EOL', endOfLife: day(endOfLifeTime) };
  }
  const endOfLife = endOfLifeTime === undefined ? {} : { endOfLife: day(endOfLifeTime) };
  if (status === 'ACTIVE') return { state: 'ACTIVE', ...endOfLife };
  if (status === 'LEGACY') return { state: 'LEGACY', ...endOfLife };
  return { state: 'UNKNOWN', status };
}
