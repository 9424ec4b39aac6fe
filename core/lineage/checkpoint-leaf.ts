/**
 * The leaf a lineage record becomes under a checkpoint's Merkle root.
 *
 * A leaf is the canonical JSON of `{ hash, runId, seq }`: the record's hash,
 * the run it belongs to and its place in that run's chain.
 *
 * - The record's `hash` covers its whole content, its `prevHash` included, so
 *   the leaf commits to the record and, through the links, to every record
 *   before it in its chain.
 * - `runId` and `seq` are inside the hash already, but a proof must be
 *   readable without the record: with them the leaf says which record it is,
 *   and a verifier can check the leaf's index against the checkpoint's ranges
 *   without the other leaves, so a leaf cannot be presented as another run's
 *   or another position's.
 * - The `mac` is left out: it authenticates the hash, it is not content, and
 *   checking it needs the writer's key, which an auditor verifying a proof
 *   offline may not hold.
 *
 * Leaves are ordered by `runId` (UTF-16 code units, as canonical JSON sorts
 * keys), then by `seq`, so anyone holding the records and the checkpoint's
 * ranges rebuilds the same tree.
 */
import { canonicalJson } from '../canonical-json.js';
import type { SeqRange } from './checkpoint.js';
import { leafHashOfText } from './merkle.js';

/** One record as a leaf of a checkpoint's tree. */
export interface CheckpointLeaf {
  readonly runId: string;
  readonly seq: number;
  /** The record's `hash`, lowercase hex. */
  readonly hash: string;
}

/**
 * The leaf's data: UTF-8 of the canonical JSON of `{ hash, runId, seq }`.
 * Written out in canonical key order rather than through `canonicalJson`: it
 * runs once per record audited, and a test holds the two equal.
 */
export function leafBytes(leaf: CheckpointLeaf): Buffer {
  return Buffer.from(leafText(leaf), 'utf8');
}

function leafText(leaf: CheckpointLeaf): string {
  if (!Number.isSafeInteger(leaf.seq)) return canonicalJson(leaf);
  return `{"hash":${JSON.stringify(leaf.hash)},"runId":${JSON.stringify(leaf.runId)},"seq":${leaf.seq}}`;
}

/** The RFC 6962 leaf hash of a checkpoint leaf: `leafHash(leafBytes(leaf))`. */
export function checkpointLeafHash(leaf: CheckpointLeaf): Buffer {
  return leafHashOfText(leafText(leaf));
}

/** Orders run ids as canonical JSON orders keys (UTF-16 code units), whatever the locale. */
export function compareRunIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders leaves as a checkpoint's tree holds them: by run id, then seq. */
export function compareLeaves(a: CheckpointLeaf, b: CheckpointLeaf): number {
  return compareRunIds(a.runId, b.runId) || a.seq - b.seq;
}

/**
 * The index a record's leaf must have in a checkpoint's tree, from the
 * checkpoint's ranges alone; undefined when the ranges do not cover it.
 * Ranges are sorted by run id and name each run once, so the leaves before a
 * record are those of the runs before its run and of its run's earlier seqs.
 */
export function leafIndexOf(ranges: readonly SeqRange[], runId: string, seq: number): number | undefined {
  let index = 0;
  for (const range of ranges) {
    if (range.runId === runId) {
      return seq >= range.fromSeq && seq <= range.toSeq ? index + seq - range.fromSeq : undefined;
    }
    index += range.toSeq - range.fromSeq + 1;
  }
  return undefined;
}
