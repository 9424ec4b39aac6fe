/**
 * Lineage records: the evidence of a run, one hash-chained sequence per run.
 *
 * A record is written once (conditional put) and never updated. `hash` is the
 * SHA-256 of the canonical JSON of every other field, `prevHash` the previous
 * record's hash (64 zeros for the first), so any edit, deletion or reorder
 * breaks the chain. `mac` authenticates the record: only the step the
 * registry names as the type's writer holds the key that makes it.
 */

import type { LineageRecordType } from './registry.js';

export { LINEAGE_RECORD_TYPES, type LineageRecordType } from './registry.js';

/** `prevHash` of the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Versions of what produced a decision; the auditor's "with what". */
export interface LineageVersions {
  readonly workflowVersion: string;
  readonly promptHash?: string;
  readonly modelId?: string;
  readonly policySetHash?: string;
}

/** Tokens and cost of a model call. */
export interface LineageUsage {
  /** Input tokens neither read from nor written to the prompt cache. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Input tokens read from the prompt cache; absent when the call read none (and on records before caching). */
  readonly cacheReadInputTokens?: number;
  /** Input tokens written to the prompt cache; absent when the call wrote none (and on records before caching). */
  readonly cacheWriteInputTokens?: number;
  readonly costUsd?: number;
  readonly latencyMs?: number;
}

/** What a step hands to `appendLineage`; the chain fields are filled in there. */
export interface LineageDraft {
  readonly type: LineageRecordType;
  /** Who acted: `awf:<step>` for the platform, `model:<model id>`, `human:<principal>`. */
  readonly actor: string;
  readonly workflowId: string;
  readonly entityId: string;
  readonly versions: LineageVersions;
  readonly data: Readonly<Record<string, unknown>>;
  readonly usage?: LineageUsage;
}

/** A record as stored in the lineage table. */
export interface LineageRecord extends LineageDraft {
  /** The run id (or, for a rejected event, the id the run would have had). Partition key. */
  readonly chainId: string;
  /** Position in the chain, from 0, contiguous. Sort key. */
  readonly seq: number;
  /** ISO-8601 time of the append. */
  readonly at: string;
  /** `<workflowId>#<entityId>`, the partition key of the by-entity index. */
  readonly entityKey: string;
  readonly prevHash: string;
  readonly hash: string;
  /**
   * The MAC of `hash` under the record key of the step the registry names as
   * the type's writer (`core/lineage/record-keys.ts`), lowercase hex. Not
   * covered by `hash`. Absent in records written before records were
   * authenticated; verification reports those as unauthenticated.
   */
  readonly mac?: string;
}

/**
 * Port: where lineage records are kept. The DynamoDB adapter implements it with
 * a conditional put; tests use an in-memory fake.
 */
export interface LineageStore {
  /** The record with the highest `seq` of a chain, read consistently, or undefined for a new chain. */
  head(chainId: string): Promise<LineageRecord | undefined>;
  /** Writes the record unless `(chainId, seq)` exists; returns false when it lost that race. */
  putIfAbsent(record: LineageRecord): Promise<boolean>;
  /** Every record of a chain in `seq` order. */
  chain(chainId: string): Promise<LineageRecord[]>;
}
