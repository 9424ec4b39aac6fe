/**
 * The steps of a governed workflow, by name. Core owns the list: the lineage
 * registry names the step that writes each record type, the step definitions
 * are keyed by it, and `lib/` builds one Lambda per name.
 */

/** Every step, in the order a run meets them. */
export const STEP_NAMES = [
  'admit',
  'park',
  'ground',
  'plan',
  'gate',
  'request-approval',
  'decide-approval',
  'act',
  'complete',
  'escalate',
  'remind',
  'reconcile',
  'switch',
  'follow-up',
] as const;

/** One of {@link STEP_NAMES}. */
export type StepName = (typeof STEP_NAMES)[number];
