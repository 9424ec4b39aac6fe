/**
 * A lineage record as the lineage table stores it: the record itself, plus
 * the attributes the table needs that are not evidence (its expiry, the keys
 * of the sparse indexes).
 *
 * A record's hash covers every field but `hash` and `mac`
 * (`core/lineage/chain.ts`), so these attributes are kept out of the record:
 * the store adds them on put and every reader strips them on read
 * ({@link lineageRecordOf}), and a record hashes the same in the table, in a
 * checkpoint and in an auditor's export. They are all derived from the
 * record (or, for the expiry, its workflow's spec), so anyone can recompute them.
 */
import { decisionKindOf } from '../lineage/decision-kind.js';
import type { LineageRecord } from '../lineage/record.js';
import type { WorkflowSpec } from '../workflow/spec.js';
import { workflowTimeouts } from '../workflow/timeouts.js';
import { LINEAGE_TABLE_LAYOUT } from './table-layout.js';

const DAY_SECONDS = 86_400;

/**
 * The least margin a record is kept past its workflow's retention. The
 * checkpoints' retention rule (`core/lineage/retention.ts`) lets a record
 * expire only `retentionDays` after the checkpoint that anchored its run's
 * newest head, which comes after the run's last record: up to the run's
 * length plus one checkpoint interval after this record's own `at`. Deleting
 * earlier would make an honest expiry look like a deletion.
 */
export const LINEAGE_TTL_MIN_MARGIN_DAYS = 30;

/** How long a workflow's lineage records are kept. */
export interface LineageExpiry {
  /** The spec's `data.retentionDays`. */
  readonly retentionDays: number;
  /** Days added past the retention: at least {@link LINEAGE_TTL_MIN_MARGIN_DAYS}, more for runs that may last longer. */
  readonly marginDays: number;
}

/**
 * The expiry of a workflow's records: its retention, and a margin of 30 days
 * or, when a run may last longer, the longest run (the state machine's
 * execution timeout) plus a day for the checkpoints to anchor its end.
 */
export function lineageExpiryOf(spec: WorkflowSpec): LineageExpiry {
  const longestRunDays = Math.ceil(workflowTimeouts(spec).executionTimeoutSeconds / DAY_SECONDS) + 1;
  return {
    retentionDays: spec.data.retentionDays,
    marginDays: Math.max(LINEAGE_TTL_MIN_MARGIN_DAYS, longestRunDays),
  };
}

/**
 * The TTL of a record appended at `at` (ISO-8601): epoch seconds of
 * `at + retentionDays + marginDays`.
 * @throws RangeError naming the value when `at` is not a time.
 */
export function lineageExpiresAt(at: string, expiry: LineageExpiry): number {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new RangeError(`a lineage record's "at" must be an ISO-8601 time, got "${at}"`);
  return Math.floor(ms / 1000) + (expiry.retentionDays + expiry.marginDays) * DAY_SECONDS;
}

/**
 * The item the lineage table stores for a record: the record, its expiry when
 * `expiry` is given, `runEntityKey` on a chain's opening record (seq 0) and
 * `decisionKind` on a decision. Never both: each sparse index costs a write,
 * and a record lands in the table, `byWorkflow` and at most one of them.
 */
export function lineageItemOf(record: LineageRecord, expiry?: LineageExpiry): Record<string, unknown> {
  const decisionKind = decisionKindOf(record);
  return {
    ...record,
    ...(expiry !== undefined && { expiresAt: lineageExpiresAt(record.at, expiry) }),
    ...(record.seq === 0 && decisionKind === undefined && { runEntityKey: record.entityKey }),
    ...(decisionKind !== undefined && { decisionKind }),
  };
}

/** An item of the lineage table without the storage attributes: the record as it was hashed. */
export function lineageRecordOf(item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const record: Record<string, unknown> = { ...item };
  for (const attribute of LINEAGE_TABLE_LAYOUT.storageAttributes) delete record[attribute];
  return record;
}

/**
 * The lineage table's indexes an item lands in: those whose key attributes it
 * holds (a global secondary index is sparse on its keys). Each costs a write
 * on top of the table's own.
 */
export function lineageIndexesOf(item: Readonly<Record<string, unknown>>): string[] {
  return Object.values(LINEAGE_TABLE_LAYOUT.indexes)
    .filter((index) => item[index.partitionKey] !== undefined && item[index.sortKey] !== undefined)
    .map((index) => index.indexName);
}
