/**
 * What the runs table keeps of an event once its run has ended: the event
 * with every `pii` and `secret` field redacted, whatever the model was allowed
 * to see. While a run is open, Gate and Act read its event; after, nothing
 * does, so a customer's email or phone number stays no longer than the run.
 * History and business keys are keyed hashes already; the lineage holds only
 * the model-safe detail.
 */
import { redactDetailWithReport } from '../redaction.js';
import type { DataClass, WorkflowSpec } from '../workflow/spec.js';

/** The classes a stored event keeps after its run: everything but personal data and secrets. */
const KEPT_AFTER_RUN: readonly DataClass[] = ['public', 'internal'];

/**
 * The event with its personal data redacted (`[REDACTED:pii]`), for the run's
 * item once the run ends. A value that is not an event with a detail object is
 * returned as it is.
 */
export function scrubbedEvent(spec: Pick<WorkflowSpec, 'data'>, event: unknown): unknown {
  if (typeof event !== 'object' || event === null) return event;
  const { detail } = event as { detail?: unknown };
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return event;
  const redacted = redactDetailWithReport(
    { data: { ...spec.data, modelMaySee: [...KEPT_AFTER_RUN] } },
    detail as Record<string, unknown>,
  );
  return { ...(event as Record<string, unknown>), detail: redacted.detail };
}
