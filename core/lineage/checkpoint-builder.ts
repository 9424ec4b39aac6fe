/**
 * Building the next checkpoint from the previous one and the chains as they
 * are now.
 *
 * What a checkpoint covers is counted per chain by `seq`: the records after
 * the head the previous checkpoint anchored. Never by the records' `at`: a
 * writer's clock, or a record appended late by a slow writer, would let
 * records fall between two checkpoints by time, and no checkpoint would ever
 * cover them.
 *
 * A checkpoint never blesses damage. Every chain is examined first
 * (`anchored-chain.ts`: hashes, links, the previous head still there and
 * unchanged, MACs of the new records); a damaged chain is listed in `damaged`,
 * none of its records become leaves, and its previous head is carried
 * unchanged, so the damage stays visible against it.
 */
import type { Clock } from '../ports.js';
import { type ChainEvidence, examineChain } from './anchored-chain.js';
import {
  CHECKPOINT_VERSION,
  type ChainHead,
  type Checkpoint,
  checkpointHash,
  type DamagedChain,
  FIRST_CHECKPOINT_PREVIOUS,
  type SeqRange,
} from './checkpoint.js';
import { CheckpointError } from './checkpoint-errors.js';
import { type CheckpointLeaf, checkpointLeafHash, compareRunIds } from './checkpoint-leaf.js';
import { merkleRoot } from './merkle.js';
import type { RecordKeys } from './record-keys.js';

/**
 * Port: the chains a checkpoint covers: the lineage store's `chain` (read
 * consistently, in seq order; a `LineageStore` fits), and every chain id it holds.
 */
export interface LineageChainSource {
  /** Every chain id the lineage holds (in DynamoDB, the table's partition keys). */
  chainIds(): Promise<readonly string[]>;
  /** Every record of a chain, as stored (a reader must not trust their shape). */
  chain(chainId: string): Promise<readonly unknown[]>;
}

/** What the next checkpoint is built from. */
export interface BuildCheckpointInput {
  /** What the checkpoints are of; must be the previous checkpoint's. */
  readonly origin: string;
  /** The latest checkpoint of the series, as signed (its signatures checked by the caller); none for the first. */
  readonly previous?: Checkpoint;
  readonly source: LineageChainSource;
  /** The checkpointer's clock: `createdAt`, and the time retention is judged at. */
  readonly clock: Clock;
  /** The fingerprints of the keys that will sign it. */
  readonly keyIds: readonly string[];
  /**
   * Days records are kept at least after their anchoring (`retention.ts`).
   * @default - records are never deleted: any missing record is damage
   */
  readonly retentionDays?: number;
  /**
   * Checks the MACs of the records the checkpoint adds.
   * @default - MACs are not checked (the hash chain and heads still are)
   */
  readonly recordKeys?: Pick<RecordKeys, 'verify'>;
  /**
   * Chains read at once.
   * @default 8
   */
  readonly concurrency?: number;
}

/** A checkpoint, unsigned, with the leaves under its root (stored beside it, for proofs). */
export interface CheckpointBuild {
  readonly checkpoint: Checkpoint;
  /** In tree order: by run id, then seq. */
  readonly leaves: readonly CheckpointLeaf[];
}

/** What one chain adds to the checkpoint. */
interface ChainOutcome {
  readonly runId: string;
  readonly head?: ChainHead;
  readonly range?: SeqRange;
  readonly leaves: readonly CheckpointLeaf[];
  readonly damaged?: DamagedChain;
  readonly expired: readonly SeqRange[];
}

async function mapInOrder<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function evidenceFrom(
  previous: Checkpoint | undefined,
  head: ChainHead | undefined,
  runId: string,
): ChainEvidence {
  if (previous === undefined || head === undefined) return {};
  return {
    head: { seq: head.seq, hash: head.hash, checkpoint: previous.sequence },
    anchored: new Map([[head.seq, { hash: head.hash, checkpoint: previous.sequence, as: 'head' as const }]]),
    retention: {
      head,
      retentionDays: previous.retentionDays,
      declared: previous.expired.filter((range) => range.runId === runId),
    },
  };
}

/**
 * Builds the next checkpoint: examines every chain the source holds or the
 * previous checkpoint anchored, makes a leaf of each record added since, and
 * carries every head forward.
 *
 * @throws CheckpointError when the previous checkpoint is of another origin,
 *   or the clock is behind it; what the source or `recordKeys` throw.
 * @example
 * const { checkpoint, leaves } = await buildCheckpoint({ origin, previous, source, clock, keyIds });
 * const signed = await signCheckpoint(checkpoint, [signer]);
 */
export async function buildCheckpoint(input: BuildCheckpointInput): Promise<CheckpointBuild> {
  const { previous, origin } = input;
  const now = input.clock();
  if (previous !== undefined && previous.origin !== origin) {
    throw new CheckpointError(`the previous checkpoint is of "${previous.origin}", not "${origin}"`);
  }
  if (previous !== undefined && now.getTime() < Date.parse(previous.createdAt)) {
    throw new CheckpointError(
      `the clock says ${now.toISOString()}, before checkpoint ${previous.sequence} (${previous.createdAt}): a checkpoint cannot predate the one before it`,
    );
  }
  if (input.keyIds.length === 0) throw new CheckpointError('a checkpoint needs at least one signing key id');
  const createdAt = now.toISOString();
  const previousHeads = new Map((previous?.heads ?? []).map((head) => [head.runId, head]));
  const runIds = [...new Set([...(await input.source.chainIds()), ...previousHeads.keys()])].sort(
    compareRunIds,
  );

  const outcomes = await mapInOrder(runIds, input.concurrency ?? 8, async (runId): Promise<ChainOutcome> => {
    const head = previousHeads.get(runId);
    const items = await input.source.chain(runId);
    const { records, damage, expired } = await examineChain(
      runId,
      items,
      evidenceFrom(previous, head, runId),
      {
        now,
        recordKeys: input.recordKeys,
        macsAfterSeq: head?.seq ?? -1,
      },
    );
    const expiredRanges = expired.map((range) => ({ runId, ...range }));
    const first = damage[0];
    if (first !== undefined) {
      return {
        runId,
        head,
        leaves: [],
        expired: expiredRanges,
        damaged: { runId, firstBadSeq: first.seq, kind: first.kind, problem: first.problem },
      };
    }
    const added = records.filter((record) => record.seq > (head?.seq ?? -1));
    const last = added.at(-1);
    if (last === undefined) {
      // A chain whose every record expired is dropped from the heads; `expired` says why it is gone.
      return { runId, head: records.length === 0 ? undefined : head, leaves: [], expired: expiredRanges };
    }
    return {
      runId,
      head: { runId, seq: last.seq, hash: last.hash, anchoredAt: createdAt },
      range: { runId, fromSeq: (added[0] as typeof last).seq, toSeq: last.seq },
      leaves: added.map((record) => ({ runId, seq: record.seq, hash: record.hash })),
      expired: expiredRanges,
    };
  });

  const leaves = outcomes.flatMap((outcome) => outcome.leaves);
  const checkpoint: Checkpoint = {
    version: CHECKPOINT_VERSION,
    origin,
    sequence: previous === undefined ? 0 : previous.sequence + 1,
    previousCheckpointHash: previous === undefined ? FIRST_CHECKPOINT_PREVIOUS : checkpointHash(previous),
    createdAt,
    keyIds: [...new Set(input.keyIds)].sort(),
    ...(input.retentionDays !== undefined && { retentionDays: input.retentionDays }),
    leafCount: leaves.length,
    merkleRoot: merkleRoot(leaves.map(checkpointLeafHash)).toString('hex'),
    ranges: outcomes.flatMap((outcome) => (outcome.range === undefined ? [] : [outcome.range])),
    heads: outcomes.flatMap((outcome) => (outcome.head === undefined ? [] : [outcome.head])),
    damaged: outcomes.flatMap((outcome) => (outcome.damaged === undefined ? [] : [outcome.damaged])),
    expired: outcomes.flatMap((outcome) => outcome.expired),
  };
  return { checkpoint, leaves };
}
