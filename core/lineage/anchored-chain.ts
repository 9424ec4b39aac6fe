/**
 * Examining one lineage chain against what checkpoints anchored of it: the
 * per-run judgement that building a checkpoint and verifying against the
 * checkpoints share, so a chain a checkpoint refused is the chain an auditor
 * is shown as damaged, for the same reason.
 *
 * The records are taken as read (`unknown`): a record missing fields or
 * holding values JSON cannot represent is reported as malformed, never thrown
 * on. Each problem names the first record it concerns, by `seq`:
 *
 * - `malformed`: not a lineage record (a field missing or of the wrong type);
 * - `modified`: its content does not hash to its `hash`, its `prevHash` does
 *   not match the record before it, or the first record does not start at
 *   the genesis hash;
 * - `deleted`: missing, with records after it, and not expired by retention;
 * - `truncated`: missing at the end of the chain, up to a head a checkpoint
 *   anchored;
 * - `inserted`: a second record at a `seq`, or a record of another chain;
 * - `reordered`: the records were not given in `seq` order;
 * - `forged`: its MAC does not verify under its registry writer's key;
 * - `rewritten`: self-consistent, but not the record a checkpoint anchored
 *   (a head's or a leaf's hash differs): the tail was rewritten with hashes
 *   recomputed, by someone able to make valid MACs. Located exactly when the
 *   checkpoint's leaves are known; otherwise as the range between the last
 *   anchored record that still matches and the one that does not;
 * - `vanished`: no records at all, though a checkpoint anchored the chain.
 */

import { computeRecordHash } from './chain.js';
import type { DamageKind } from './checkpoint.js';
import { GENESIS_HASH, type LineageRecord } from './record.js';
import { macProblem, type RecordKeys } from './record-keys.js';
import { isExpiredByRetention, type RetentionEvidence } from './retention.js';

/** Something wrong with a chain, at the first record it concerns. */
export interface ChainDamage {
  readonly seq: number;
  /** For damage that spans records: the last seq concerned. */
  readonly lastSeq?: number;
  readonly kind: DamageKind;
  readonly problem: string;
}

/** A hash a checkpoint vouches for at one seq of the chain. */
export interface AnchoredHash {
  readonly hash: string;
  /** The sequence number of the checkpoint that vouches for it. */
  readonly checkpoint: number;
  /** A chain head (names only that record), or a leaf (the checkpoint's leaves were given). */
  readonly as: 'head' | 'leaf';
}

/** What the checkpoints say about one chain. */
export interface ChainEvidence {
  /** Hashes vouched for, by seq. */
  readonly anchored?: ReadonlyMap<number, AnchoredHash>;
  /** The newest anchored head: the chain must reach at least this far. */
  readonly head?: { readonly seq: number; readonly hash: string; readonly checkpoint: number };
  /** What may be missing by retention. */
  readonly retention?: RetentionEvidence;
}

/** How to examine a chain. */
export interface ExamineOptions {
  /** The time missing records are judged at (retention). */
  readonly now: Date;
  /**
   * Checks each record's MAC against its registry writer's key.
   * @default - MACs are not checked; `forged` is never reported
   */
  readonly recordKeys?: Pick<RecordKeys, 'verify'>;
  /**
   * Only records after this seq have their MAC checked: a checkpointer has
   * checked the ones up to the head it anchored, and their hashes bind them since.
   * @default -1 - every record
   */
  readonly macsAfterSeq?: number;
}

/** The verdict on one chain. */
export interface ChainExamination {
  readonly runId: string;
  /** The well-formed records kept, one per seq, in seq order. */
  readonly records: readonly LineageRecord[];
  /** Every problem found, by seq. */
  readonly damage: readonly ChainDamage[];
  /** Missing records judged expired by retention, as ranges. */
  readonly expired: readonly { readonly fromSeq: number; readonly toSeq: number }[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const STRING_FIELDS = ['chainId', 'at', 'type', 'actor', 'workflowId', 'entityId', 'entityKey'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function seqOf(value: unknown): number | undefined {
  const seq = isObject(value) ? value.seq : undefined;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
}

/**
 * Why a value read from the store is not a lineage record, or undefined when
 * it has every field of one. Hand-written rather than a schema: it runs once
 * per record of every chain audited, and must leave the record untouched
 * (unknown fields are hashed too).
 */
export function recordShapeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `is ${value === null ? 'null' : typeof value}, not a record`;
  const problems: string[] = [];
  if (seqOf(value) === undefined)
    problems.push(`seq is ${JSON.stringify(value.seq)}, not a whole number >= 0`);
  for (const field of STRING_FIELDS) {
    if (typeof value[field] !== 'string') problems.push(`${field} is missing or not a string`);
  }
  for (const field of ['hash', 'prevHash'] as const) {
    const hash = value[field];
    if (typeof hash !== 'string' || !HEX64.test(hash))
      problems.push(`${field} is not 64 lowercase hex characters`);
  }
  if (!isObject(value.data)) problems.push('data is missing or not an object');
  if (!isObject(value.versions) || typeof value.versions.workflowVersion !== 'string') {
    problems.push('versions.workflowVersion is missing');
  }
  if (value.mac !== undefined && typeof value.mac !== 'string') problems.push('mac is not a string');
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** A stored record with its content hash computed once. */
interface Entry {
  readonly index: number;
  readonly seq: number;
  readonly record?: LineageRecord;
  /** What the content hashes to; undefined for a malformed record. */
  readonly computed?: string;
}

function contentHash(record: LineageRecord): { hash?: string; problem?: string } {
  try {
    return { hash: computeRecordHash(record) };
  } catch (error) {
    return { problem: `its content cannot be hashed: ${(error as Error).message}` };
  }
}

function span(from: number, to: number): string {
  return from === to ? `record ${from}` : `records ${from}..${to}`;
}

/** Parses, places and checks the shape of every item; reports what cannot take part in the chain. */
function place(runId: string, items: readonly unknown[], damage: ChainDamage[]): Entry[] {
  const entries: Entry[] = [];
  let guess = 0;
  items.forEach((item, index) => {
    const seq = seqOf(item) ?? guess;
    guess = seq + 1;
    const shape = recordShapeProblem(item);
    if (shape !== undefined) {
      damage.push({ seq, kind: 'malformed', problem: `item ${index} of the chain is malformed: ${shape}` });
      entries.push({ index, seq });
      return;
    }
    const record = item as LineageRecord;
    if (record.chainId !== runId) {
      damage.push({
        seq,
        kind: 'inserted',
        problem: `record ${seq} belongs to chain "${record.chainId}", not "${runId}"`,
      });
      return;
    }
    const { hash, problem } = contentHash(record);
    if (problem !== undefined) {
      damage.push({ seq, kind: 'malformed', problem: `record ${seq} is malformed: ${problem}` });
      entries.push({ index, seq });
      return;
    }
    entries.push({ index, seq, record, computed: hash });
  });
  return entries;
}

/** Reports records given out of seq order, at the lowest seq out of place. */
function checkOrder(entries: readonly Entry[], damage: ChainDamage[]): void {
  const sorted = entries.map((e) => e.seq).sort((a, b) => a - b);
  const at = entries.findIndex((entry, i) => entry.seq !== sorted[i]);
  if (at < 0) return;
  const expected = sorted[at] as number;
  damage.push({
    seq: expected,
    kind: 'reordered',
    problem: `out of order: record ${(entries[at] as Entry).seq} comes where record ${expected} belongs`,
  });
}

/**
 * One entry per seq. Of two records at one seq, the one the next record links
 * to (or the checkpoint anchored) is kept; the other is reported as inserted.
 */
function onePerSeq(
  entries: readonly Entry[],
  evidence: ChainEvidence,
  damage: ChainDamage[],
): Map<number, Entry> {
  const bySeq = new Map<number, Entry[]>();
  for (const entry of entries) bySeq.set(entry.seq, [...(bySeq.get(entry.seq) ?? []), entry]);
  const kept = new Map<number, Entry>();
  for (const [seq, candidates] of [...bySeq].sort(([a], [b]) => a - b)) {
    if (candidates.length === 1) {
      kept.set(seq, candidates[0] as Entry);
      continue;
    }
    const next = bySeq.get(seq + 1)?.find((e) => e.record !== undefined)?.record;
    const anchored = evidence.anchored?.get(seq)?.hash;
    const keeper =
      candidates.find((c) => c.record !== undefined && c.record.hash === next?.prevHash) ??
      candidates.find((c) => c.record !== undefined && c.record.hash === anchored) ??
      (candidates[0] as Entry);
    kept.set(seq, keeper);
    damage.push({
      seq,
      kind: 'inserted',
      problem: `${candidates.length} records claim seq ${seq}: all but one were inserted`,
    });
  }
  return kept;
}

/**
 * Examines a chain's records (as read, in the order read) against what the
 * checkpoints anchored of it. Never throws for what is wrong with the records.
 *
 * @throws what `recordKeys.verify` throws when a writer's key cannot be used.
 * @example
 * const { damage } = await examineChain(runId, await store.chain(runId), evidence, { now: clock() });
 */
export async function examineChain(
  runId: string,
  items: readonly unknown[],
  evidence: ChainEvidence,
  options: ExamineOptions,
): Promise<ChainExamination> {
  const damage: ChainDamage[] = [];
  const entries = place(runId, items, damage);
  checkOrder(entries, damage);
  const bySeq = onePerSeq(entries, evidence, damage);
  const expiredSeqs: number[] = [];
  const retention = evidence.retention ?? {};
  const isExpired = (seq: number) => isExpiredByRetention(seq, retention, options.now);

  const head = evidence.head;
  let lastPresent = -1;
  for (const seq of bySeq.keys()) lastPresent = Math.max(lastPresent, seq);
  const lastSeq = Math.max(lastPresent, head?.seq ?? -1);

  if (bySeq.size === 0 && head !== undefined) {
    const gone: number[] = [];
    for (let seq = 0; seq <= head.seq; seq++) (isExpired(seq) ? expiredSeqs : gone).push(seq);
    if (gone.length > 0) {
      const first = gone[0] as number;
      damage.push({
        seq: first,
        lastSeq: head.seq,
        kind: 'vanished',
        problem: `the chain has no records, but checkpoint ${head.checkpoint} anchored its head at seq ${head.seq}`,
      });
    }
    return finish(runId, [], damage, expiredSeqs);
  }

  const kept: LineageRecord[] = [];
  const headMismatches: number[] = [];
  const macChecks: Promise<ChainDamage | undefined>[] = [];
  const macsAfter = options.macsAfterSeq ?? -1;
  let gapFrom: number | undefined;
  let previous: LineageRecord | undefined;
  for (let seq = 0; seq <= lastSeq; seq++) {
    const entry = bySeq.get(seq);
    if (entry === undefined) {
      if (isExpired(seq)) expiredSeqs.push(seq);
      else gapFrom ??= seq;
      previous = undefined;
      continue;
    }
    if (gapFrom !== undefined) {
      damage.push({
        seq: gapFrom,
        lastSeq: seq - 1,
        kind: 'deleted',
        problem: `${span(gapFrom, seq - 1)} missing: record ${seq} follows ${gapFrom === 0 ? 'nothing' : `record ${gapFrom - 1}`}`,
      });
      gapFrom = undefined;
    }
    const { record, computed } = entry;
    if (record === undefined) {
      previous = undefined;
      continue;
    }
    kept.push(record);
    const hashOk = computed === record.hash;
    if (!hashOk) {
      damage.push({
        seq,
        kind: 'modified',
        problem: `record ${seq} was edited: stored hash ${record.hash}, its content hashes to ${computed}`,
      });
    }
    if (seq === 0 && record.prevHash !== GENESIS_HASH) {
      damage.push({
        seq,
        kind: 'modified',
        problem: `record 0's prevHash is ${record.prevHash}, not the genesis hash (the chain's start was rewritten)`,
      });
    } else if (previous !== undefined && record.prevHash !== previous.hash) {
      damage.push({
        seq,
        kind: 'modified',
        problem: `record ${seq}'s prevHash ${record.prevHash} does not match the hash ${previous.hash} of record ${seq - 1}: one of them was rewritten`,
      });
    }
    const anchored = evidence.anchored?.get(seq);
    if (anchored !== undefined && anchored.hash !== record.hash) {
      if (anchored.as === 'leaf') {
        damage.push({
          seq,
          kind: 'rewritten',
          problem: `record ${seq} is not the record checkpoint ${anchored.checkpoint} anchored: it hashes to ${record.hash}, the checkpoint holds ${anchored.hash}`,
        });
      } else {
        headMismatches.push(seq);
      }
    }
    if (options.recordKeys !== undefined && hashOk && seq > macsAfter) {
      const keys = options.recordKeys;
      macChecks.push(
        macProblem(record, keys).then((forged) =>
          forged === undefined
            ? undefined
            : { seq, kind: 'forged' as const, problem: `record ${seq}: ${forged.problem}` },
        ),
      );
    }
    previous = record;
  }
  if (gapFrom !== undefined) {
    damage.push({
      seq: gapFrom,
      lastSeq,
      kind: 'truncated',
      problem: `${span(gapFrom, lastSeq)} missing: the chain ends at ${lastPresent < 0 ? 'nothing' : `record ${lastPresent}`}, but checkpoint ${head?.checkpoint} anchored its head at seq ${head?.seq} (tail truncated)`,
    });
  }
  for (const found of await Promise.all(macChecks)) if (found !== undefined) damage.push(found);
  attributeHeadMismatches(headMismatches, bySeq, evidence, damage);
  return finish(runId, kept, damage, expiredSeqs);
}

/**
 * A head that no longer matches, with no other damage to explain it, means
 * records were rewritten with recomputed hashes and links. Without the
 * checkpoint's leaves the first rewritten record lies somewhere after the
 * last anchored record that still matches: the damage names that range.
 */
function attributeHeadMismatches(
  mismatches: readonly number[],
  bySeq: ReadonlyMap<number, Entry>,
  evidence: ChainEvidence,
  damage: ChainDamage[],
): void {
  const anchoredSeqs = [...(evidence.anchored?.keys() ?? [])].sort((a, b) => a - b);
  for (const seq of mismatches) {
    const matching = anchoredSeqs.filter(
      (s) => s < seq && bySeq.get(s)?.record?.hash === evidence.anchored?.get(s)?.hash,
    );
    const from = (matching.at(-1) ?? -1) + 1;
    if (damage.some((d) => d.seq <= seq && (d.lastSeq ?? d.seq) >= from)) continue;
    const anchored = evidence.anchored?.get(seq) as AnchoredHash;
    damage.push({
      seq: from,
      lastSeq: seq,
      kind: 'rewritten',
      problem: `${span(from, seq)} rewritten after checkpoint ${anchored.checkpoint}: it anchored seq ${seq} with hash ${anchored.hash}, the record there now hashes to ${bySeq.get(seq)?.record?.hash}`,
    });
  }
}

/**
 * At one seq, the most specific kind comes first: `rewritten` says only that
 * a record is not what was anchored, which an edit or a forgery at the same
 * record explains better.
 */
const KIND_ORDER: readonly DamageKind[] = [
  'malformed',
  'inserted',
  'reordered',
  'modified',
  'forged',
  'deleted',
  'truncated',
  'vanished',
  'rewritten',
];

function finish(
  runId: string,
  records: readonly LineageRecord[],
  damage: ChainDamage[],
  expiredSeqs: readonly number[],
): ChainExamination {
  const expired: { fromSeq: number; toSeq: number }[] = [];
  for (const seq of expiredSeqs) {
    const last = expired.at(-1);
    if (last !== undefined && last.toSeq === seq - 1) last.toSeq = seq;
    else expired.push({ fromSeq: seq, toSeq: seq });
  }
  damage.sort((a, b) => a.seq - b.seq || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  return { runId, records, damage, expired };
}
