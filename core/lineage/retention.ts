/**
 * When a missing lineage record was expired by retention rather than deleted:
 * the one rule the checkpointer and the verifier both apply.
 *
 * A missing record is **expired** when
 * 1. a validly signed checkpoint lists it in `expired` (the checkpointer found
 *    it gone and judged it by rule 2 at the time), or
 * 2. it is at or before its chain's newest anchored head, and the retention
 *    has passed since that head was anchored: `now >= head.anchoredAt +
 *    retentionDays`, the retention stated by the checkpoint that carries the head.
 *
 * Anything else missing is **deleted**. The clock starts at `anchoredAt`, a
 * time the signer vouches for, never at a record's own `at`, which its writer
 * chose: every record up to the head existed at `anchoredAt`, so a record's
 * retention cannot have begun later. A record never anchored cannot be
 * expired: no checkpoint saw it, so nothing shows it was kept for the period.
 *
 * For the table's TTL this means: give each record an expiry of at least
 * `at + retentionDays + the longest run + one checkpoint interval`, so no
 * record is removed before the rule allows (the rule counts from the
 * anchoring of the run's newest head, which may come that much later than the
 * record's own append).
 */
import type { ChainHead, SeqRange } from './checkpoint.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the checkpoints say about the retention of one run's records. */
export interface RetentionEvidence {
  /** The run's newest anchored head, as the latest checkpoint carrying it names it. */
  readonly head?: Pick<ChainHead, 'seq' | 'anchoredAt'>;
  /** The retention the checkpoint carrying that head states; undefined when records are kept forever. */
  readonly retentionDays?: number;
  /** The run's ranges validly signed checkpoints declared expired. */
  readonly declared?: readonly Pick<SeqRange, 'fromSeq' | 'toSeq'>[];
}

/** When the records up to `head` may start to expire; undefined when they never may. */
export function retentionEndsAt(
  head: Pick<ChainHead, 'anchoredAt'> | undefined,
  retentionDays: number | undefined,
): Date | undefined {
  if (head === undefined || retentionDays === undefined) return undefined;
  return new Date(Date.parse(head.anchoredAt) + retentionDays * DAY_MS);
}

/**
 * Whether the record at `seq`, found missing at `now`, was expired by
 * retention (see the module's rule) rather than deleted.
 */
export function isExpiredByRetention(seq: number, evidence: RetentionEvidence, now: Date): boolean {
  if (evidence.declared?.some((range) => seq >= range.fromSeq && seq <= range.toSeq)) return true;
  const endsAt = retentionEndsAt(evidence.head, evidence.retentionDays);
  return endsAt !== undefined && evidence.head !== undefined && seq <= evidence.head.seq && now >= endsAt;
}
