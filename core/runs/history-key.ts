/**
 * The history key of a run: the event field (e.g. the customer id) under which
 * a workflow counts its executed actions, so temporal policies can say "at most
 * three refunds per customer in 30 days". Ground counts under it and Act
 * records under it; both must derive it the same way, so both use this module.
 */
import { durationToSeconds } from '../duration.js';
import { AwfError } from '../errors.js';
import type { KeyedHasher } from '../ports.js';
import { readEventPath } from '../redaction.js';
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
 * The key's value as the spec normalizes it (`grounding.history.normalize`):
 * `trim` drops surrounding white space, `case-fold` folds case (Unicode
 * normalized to NFKC first, so look-alike forms of one letter fold together),
 * so `Frank@Acme.example` and ` frank@acme.example` are one key.
 */
export function normalizeHistoryKey(spec: HistorySpec, value: string): string {
  let key = value;
  for (const step of spec.grounding.history?.normalize ?? []) {
    key = step === 'trim' ? key.trim() : key.normalize('NFKC').toLocaleLowerCase('en-US');
  }
  return key;
}

/**
 * The history key a run's entries are stored and counted under: the keyed
 * hash of the normalized key value, never the value itself (a customer id or
 * an email must not sit in clear in a table that outlives the run). Undefined
 * when the spec keeps no history.
 *
 * @throws MissingHistoryKeyError when the event has no value at the key's path.
 */
export async function storedHistoryKey(
  spec: HistorySpec,
  event: unknown,
  keys: KeyedHasher,
): Promise<string | undefined> {
  const raw = historyKeyFor(spec, event);
  if (raw === undefined) return undefined;
  return keys.hash(`history:${normalizeHistoryKey(spec, raw)}`);
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
