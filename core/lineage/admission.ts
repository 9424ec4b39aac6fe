/**
 * What Admit recorded of a run's event in `run.started`, the first record of
 * the run's chain.
 *
 * Steps that already read the chain take the event from there instead of
 * reading the run item (which holds the whole event) again: the record is
 * written once, by Admit, from the run it had just created, and any change to
 * it breaks the chain's hashes.
 */
import { asRecordOfType } from './read.js';
import type { LineageRecord } from './record.js';

/** The event as the `run.started` record holds it. */
export interface Admission {
  /** The entity the run is about, as Admit derived it from the event. */
  readonly entityId: string;
  /** The event's `time`, when the record holds it. */
  readonly eventTime?: string;
  /** The event's detail with every field the model may not see replaced by `[REDACTED:<class>]`. */
  readonly redactedDetail: Readonly<Record<string, unknown>>;
  /**
   * Path and class of every redacted field (`{ "$.detail.customerEmail": "pii" }`);
   * undefined when the record does not list them, so nothing can be known to be unredacted.
   */
  readonly redactedFields?: Readonly<Record<string, string>>;
}

/**
 * The admission of a run from its chain, or undefined when the chain does not
 * start with a `run.started` record (the caller then reads the run item).
 *
 * @throws MalformedLineageRecordError when the first record is `run.started` but malformed.
 */
export function admissionOf(chain: readonly LineageRecord[]): Admission | undefined {
  const [first] = chain;
  if (first?.seq !== 0) return undefined;
  const started = asRecordOfType(first, 'run.started');
  if (!started) return undefined;
  const { eventTime, redactedDetail, redactedFields } = started.data;
  return {
    entityId: started.entityId,
    redactedDetail,
    ...(eventTime === undefined ? {} : { eventTime }),
    ...(redactedFields === undefined ? {} : { redactedFields }),
  };
}
