/**
 * The history key of a run: the event field (e.g. the customer id) under which
 * a workflow counts its executed actions, so temporal policies can say "at most
 * three refunds per customer in 30 days". Ground counts under it and Act
 * records under it; both must derive it the same way, so both use this module.
 */
import { durationToSeconds } from '../duration.js';
import { AwfError } from '../errors.js';
import { dataClassOf, readEventPath } from '../redaction.js';
import type { WorkflowSpec } from '../workflow/spec.js';

/** The event has no usable value at the spec's history key path. */
export class MissingHistoryKeyError extends AwfError {
  constructor(
    readonly path: string,
    readonly value: unknown,
  ) {
    super(
      `history key ${path} must be a non-empty string or a number, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
    );
    this.name = 'MissingHistoryKeyError';
  }
}

/** What the history helpers need from a spec. */
export type HistorySpec = Pick<WorkflowSpec, 'grounding' | 'data'>;

/**
 * The history key of an event, or undefined when the workflow keeps no history.
 *
 * A missing key fails rather than counting zero: counting under "no customer"
 * would tell a temporal policy that nothing happened and let it allow.
 * @throws MissingHistoryKeyError naming the path and the value found.
 */
export function historyKeyFor(spec: HistorySpec, event: unknown): string | undefined {
  const history = spec.grounding.history;
  if (history === undefined) return undefined;
  const value = readEventPath(event, history.key);
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new MissingHistoryKeyError(history.key, value);
}

/**
 * The history key from what Admit recorded of the event (`run.started`), or
 * undefined when that cannot give it: no history in the spec, a record that
 * does not list what it redacted, a key field hidden by redaction (the field or
 * an object holding it), or no usable value there. The caller then derives the
 * key from the stored event with {@link historyKeyFor}, which also reports a
 * key the event truly lacks.
 *
 * The redacted detail holds every field it does not list as redacted with its
 * original value, so a key read from it is the key of the event.
 */
export function historyKeyFromAdmission(
  spec: HistorySpec,
  admission: {
    readonly redactedDetail: Readonly<Record<string, unknown>>;
    readonly redactedFields?: Readonly<Record<string, string>>;
  },
): string | undefined {
  const history = spec.grounding.history;
  const { redactedFields } = admission;
  if (history === undefined || redactedFields === undefined) return undefined;
  const hidden = Object.keys(redactedFields).some(
    (path) => history.key === path || history.key.startsWith(`${path}.`),
  );
  if (hidden) return undefined;
  try {
    return historyKeyFor(spec, { detail: admission.redactedDetail });
  } catch (error) {
    if (error instanceof MissingHistoryKeyError) return undefined;
    throw error;
  }
}

/**
 * The history key Admit may carry in the run's state data, or undefined when
 * it may not or cannot: no history in the spec, a key field classified pii or
 * secret (state data is visible in the execution history, so such values stay
 * in the runs table only), or an event without a usable key (the steps then
 * read the stored event and fail there with MissingHistoryKeyError, as before).
 */
export function carriedHistoryKey(spec: HistorySpec, event: unknown): string | undefined {
  const history = spec.grounding.history;
  if (history === undefined) return undefined;
  const dataClass = dataClassOf(spec, history.key);
  if (dataClass === 'pii' || dataClass === 'secret') return undefined;
  try {
    return historyKeyFor(spec, event);
  } catch (error) {
    if (error instanceof MissingHistoryKeyError) return undefined;
    throw error;
  }
}

/** The start of the history window ending at `now` (ISO-8601), or undefined when there is no history. */
export function historyWindowStart(spec: HistorySpec, now: Date): string | undefined {
  const history = spec.grounding.history;
  if (history === undefined) return undefined;
  return new Date(now.getTime() - durationToSeconds(history.window) * 1000).toISOString();
}

/**
 * Days the runs table keeps expiring items (history entries, execution claims,
 * observations): the spec's retention, stretched to cover the history window so
 * TTL never deletes an entry a policy still counts.
 */
export function runsRetentionDays(spec: HistorySpec): number {
  const window = spec.grounding.history?.window;
  const windowDays = window === undefined ? 0 : Math.ceil(durationToSeconds(window) / 86_400);
  return Math.max(spec.data.retentionDays, windowDays);
}
