/**
 * Verifying lineage chains against signed checkpoints: the auditor's check
 * that reaches what a chain alone cannot show (a cut-off tail, a tail
 * rewritten with recomputed hashes, a chain deleted whole).
 *
 * First the checkpoints: each must parse, be signed by a trusted key, and
 * link to the one before it (`previousCheckpointHash`, contiguous sequence
 * numbers, one origin, time moving forward). Only validly signed checkpoints
 * are used as evidence. Then every run, whether the store still holds it or
 * only a checkpoint remembers it, is examined (`anchored-chain.ts`) against
 * every head the checkpoints anchored, their leaves when given, and the
 * retention rule (`retention.ts`).
 *
 * Nothing here throws for what it finds wrong: malformed records and
 * checkpoints are reported. The result is plain data, for `--json`;
 * `anchored-report.ts` renders it for people.
 */
import { type AnchoredHash, type ChainDamage, type ChainEvidence, examineChain } from './anchored-chain.js';
import {
  type ChainHead,
  type Checkpoint,
  checkpointHash,
  type DamageKind,
  FIRST_CHECKPOINT_PREVIOUS,
  parseSignedCheckpoint,
  type SeqRange,
  type SignedCheckpoint,
} from './checkpoint.js';
import { type CheckpointLeaf, checkpointLeafHash, compareRunIds } from './checkpoint-leaf.js';
import { type CheckpointVerifier, checkCheckpointSignatures } from './checkpoint-signature.js';
import { merkleRoot } from './merkle.js';
import type { RecordKeys } from './record-keys.js';

/** One checkpoint as stored: the signed document, and the leaves under its root when kept beside it. */
export interface CheckpointEvidence {
  /** The signed checkpoint as read (it is parsed here). */
  readonly signed: unknown;
  /** The leaves as read; when they make the checkpoint's root, damage is located to the record. */
  readonly leaves?: readonly unknown[];
}

/** What to verify, against what. */
export interface AnchoredVerifyInput {
  /** Every record of each run to check, as read from the store, by run id. */
  readonly chains: ReadonlyMap<string, readonly unknown[]>;
  /** The checkpoint series, in any order. */
  readonly checkpoints: readonly CheckpointEvidence[];
  /** The public keys the auditor trusts. */
  readonly verifier: CheckpointVerifier;
  /** The auditor's clock: retention is judged at this time. */
  readonly now: Date;
  /**
   * The origin the checkpoints must be of.
   * @default - the origin of the checkpoints given, which must agree
   */
  readonly origin?: string;
  /**
   * Checks every record's MAC against its registry writer's key.
   * @default - MACs are not checked
   */
  readonly recordKeys?: Pick<RecordKeys, 'verify'>;
  /**
   * Checks only the runs given in `chains`, not every run the checkpoints
   * anchored (for auditing a few runs; a vanished chain then goes unnoticed).
   * @default false - every anchored run must be present
   */
  readonly onlyGivenRuns?: boolean;
}

/** What is wrong with a checkpoint. */
export interface CheckpointProblem {
  /** Its sequence number, when it could be read. */
  readonly sequence?: number;
  readonly kind: 'malformed' | 'signature' | 'link' | 'leaves';
  readonly problem: string;
}

/** Damage a checkpoint recorded when it was made. */
export interface ReportedDamage {
  readonly checkpoint: number;
  readonly firstBadSeq: number;
  readonly kind: DamageKind;
  readonly problem: string;
}

/** The verdict on one run. */
export interface RunVerdict {
  readonly runId: string;
  /** `expired`: no record left, every one of them expired by retention. */
  readonly status: 'intact' | 'damaged' | 'expired';
  /** Well-formed records read. */
  readonly records: number;
  /** The seq of the newest well-formed record read. */
  readonly lastSeq?: number;
  /** The newest seq a trusted checkpoint anchored; later records rest on the hash chain and MACs alone. */
  readonly anchoredThrough?: number;
  /** The first bad record: the first damage found, or else the damage a checkpoint recorded. */
  readonly firstBad?: ChainDamage;
  readonly damage: readonly ChainDamage[];
  /** Missing records that expired by retention. */
  readonly expired: readonly { readonly fromSeq: number; readonly toSeq: number }[];
  /** What the checkpoints found wrong with this chain when they were made. */
  readonly reportedByCheckpoints: readonly ReportedDamage[];
}

/** The result of verifying chains against checkpoints. */
export interface AnchoredVerification {
  /** Every checkpoint sound, at least one trusted, and every run intact or expired. */
  readonly ok: boolean;
  readonly checkedAt: string;
  readonly checkpoints: {
    readonly given: number;
    /** Validly signed by a trusted key. */
    readonly trusted: number;
    readonly latest?: { readonly sequence: number; readonly createdAt: string; readonly hash: string };
    readonly problems: readonly CheckpointProblem[];
  };
  readonly runs: readonly RunVerdict[];
  readonly summary: {
    readonly runs: number;
    readonly intact: number;
    readonly damaged: number;
    readonly expired: number;
    readonly records: number;
  };
}

interface Trusted {
  readonly checkpoint: Checkpoint;
  readonly leaves?: readonly CheckpointLeaf[];
}

function sequenceOf(value: unknown): number | undefined {
  const sequence = (value as { checkpoint?: { sequence?: unknown } } | null)?.checkpoint?.sequence;
  return typeof sequence === 'number' ? sequence : undefined;
}

/** The leaves, when they are well-formed, in the ranges' order, and make the checkpoint's root. */
function checkedLeaves(checkpoint: Checkpoint, raw: readonly unknown[]): CheckpointLeaf[] | string {
  if (raw.length !== checkpoint.leafCount) {
    return `${raw.length} leaves given, the checkpoint has ${checkpoint.leafCount}`;
  }
  // Walks the ranges in step with the leaves: the leaf at each index must be the record the ranges put there.
  const leaves: CheckpointLeaf[] = [];
  for (const range of checkpoint.ranges) {
    for (let seq = range.fromSeq; seq <= range.toSeq; seq++) {
      const i = leaves.length;
      const leaf = raw[i] as Partial<CheckpointLeaf> | null;
      if (leaf?.runId !== range.runId || leaf.seq !== seq || typeof leaf.hash !== 'string') {
        return `leaf ${i} is not record ${seq} of run ${range.runId}, where the checkpoint's ranges put it`;
      }
      leaves.push({ runId: leaf.runId, seq: leaf.seq, hash: leaf.hash });
    }
  }
  const root = merkleRoot(leaves.map(checkpointLeafHash)).toString('hex');
  return root === checkpoint.merkleRoot
    ? leaves
    : `the leaves make the root ${root}, the checkpoint holds ${checkpoint.merkleRoot}`;
}

/** Parses and checks the series; returns the trusted checkpoints in sequence order. */
function checkSeries(input: AnchoredVerifyInput, problems: CheckpointProblem[]): Trusted[] {
  const parsed: { signed: SignedCheckpoint; leaves?: readonly unknown[] }[] = [];
  for (const [i, evidence] of input.checkpoints.entries()) {
    const result = parseSignedCheckpoint(evidence.signed);
    if (result.ok) parsed.push({ signed: result.signed, leaves: evidence.leaves });
    else {
      const sequence = sequenceOf(evidence.signed);
      problems.push({
        ...(sequence !== undefined && { sequence }),
        kind: 'malformed',
        problem: `checkpoint ${sequence ?? `#${i} given`} is ${result.problem}`,
      });
    }
  }
  parsed.sort((a, b) => a.signed.checkpoint.sequence - b.signed.checkpoint.sequence);
  const origin = input.origin ?? parsed[0]?.signed.checkpoint.origin;
  const trusted: Trusted[] = [];
  let before: Checkpoint | undefined;
  for (const { signed, leaves } of parsed) {
    const { checkpoint } = signed;
    const { sequence } = checkpoint;
    const signatures = checkCheckpointSignatures(signed, input.verifier);
    for (const problem of signatures.problems) problems.push({ sequence, kind: 'signature', problem });
    if (checkpoint.origin !== origin) {
      problems.push({ sequence, kind: 'link', problem: `is of "${checkpoint.origin}", not "${origin}"` });
    }
    if (before === undefined) {
      if (sequence === 0 && checkpoint.previousCheckpointHash !== FIRST_CHECKPOINT_PREVIOUS) {
        problems.push({
          sequence,
          kind: 'link',
          problem: 'is the first checkpoint, but names a previous one',
        });
      }
    } else if (sequence === before.sequence) {
      problems.push({
        sequence,
        kind: 'link',
        problem: `two different checkpoints claim sequence ${sequence}`,
      });
    } else {
      if (sequence !== before.sequence + 1) {
        problems.push({
          sequence,
          kind: 'link',
          problem: `follows checkpoint ${before.sequence}: checkpoints ${before.sequence + 1}..${sequence - 1} are missing`,
        });
      } else if (checkpoint.previousCheckpointHash !== checkpointHash(before)) {
        problems.push({
          sequence,
          kind: 'link',
          problem: `names ${checkpoint.previousCheckpointHash} as the previous checkpoint's hash, but checkpoint ${before.sequence} hashes to ${checkpointHash(before)}`,
        });
      }
      if (Date.parse(checkpoint.createdAt) < Date.parse(before.createdAt)) {
        problems.push({
          sequence,
          kind: 'link',
          problem: `was made at ${checkpoint.createdAt}, before checkpoint ${before.sequence} (${before.createdAt})`,
        });
      }
    }
    before = checkpoint;
    if (!signatures.authentic) continue;
    let checked: CheckpointLeaf[] | undefined;
    if (leaves !== undefined) {
      const result = checkedLeaves(checkpoint, leaves);
      if (typeof result === 'string') problems.push({ sequence, kind: 'leaves', problem: result });
      else checked = result;
    }
    trusted.push({ checkpoint, ...(checked !== undefined && { leaves: checked }) });
  }
  return trusted;
}

/** What the trusted checkpoints say about each run. */
function evidenceByRun(
  trusted: readonly Trusted[],
  problems: CheckpointProblem[],
): Map<string, { evidence: ChainEvidence; reported: ReportedDamage[] }> {
  const runs = new Map<
    string,
    {
      anchored: Map<number, AnchoredHash>;
      head?: ChainEvidence['head'];
      headEntry?: ChainHead;
      retentionDays?: number;
      declared: SeqRange[];
      reported: ReportedDamage[];
    }
  >();
  const of = (runId: string) => {
    let run = runs.get(runId);
    if (run === undefined) {
      run = { anchored: new Map(), declared: [], reported: [] };
      runs.set(runId, run);
    }
    return run;
  };
  const vouch = (runId: string, seq: number, hash: AnchoredHash) => {
    const run = of(runId);
    const known = run.anchored.get(seq);
    if (known !== undefined && known.hash !== hash.hash) {
      problems.push({
        sequence: hash.checkpoint,
        kind: 'link',
        problem: `anchors run ${runId} seq ${seq} as ${hash.hash}, but checkpoint ${known.checkpoint} anchored it as ${known.hash}`,
      });
    }
    if (known === undefined || hash.as === 'leaf') run.anchored.set(seq, hash);
  };
  for (const { checkpoint, leaves } of trusted) {
    const { sequence } = checkpoint;
    for (const head of checkpoint.heads) {
      vouch(head.runId, head.seq, { hash: head.hash, checkpoint: sequence, as: 'head' });
      const run = of(head.runId);
      run.head = { seq: head.seq, hash: head.hash, checkpoint: sequence };
      run.headEntry = head;
      run.retentionDays = checkpoint.retentionDays;
    }
    for (const leaf of leaves ?? [])
      vouch(leaf.runId, leaf.seq, { hash: leaf.hash, checkpoint: sequence, as: 'leaf' });
    for (const range of checkpoint.expired) of(range.runId).declared.push(range);
    for (const damaged of checkpoint.damaged) {
      of(damaged.runId).reported.push({
        checkpoint: sequence,
        firstBadSeq: damaged.firstBadSeq,
        kind: damaged.kind,
        problem: damaged.problem,
      });
    }
  }
  const result = new Map<string, { evidence: ChainEvidence; reported: ReportedDamage[] }>();
  for (const [runId, run] of runs) {
    result.set(runId, {
      evidence: {
        anchored: run.anchored,
        ...(run.head !== undefined && { head: run.head }),
        retention: { head: run.headEntry, retentionDays: run.retentionDays, declared: run.declared },
      },
      reported: run.reported,
    });
  }
  return result;
}

/**
 * Verifies chains against a checkpoint series and the trusted public keys.
 *
 * @throws only what `recordKeys.verify` throws when a writer's key cannot be used.
 * @example
 * const report = await verifyAnchored({ chains, checkpoints, verifier: publicKeyVerifier([pem]), now: new Date() });
 * if (!report.ok) process.stdout.write(renderAnchoredReport(report));
 */
export async function verifyAnchored(input: AnchoredVerifyInput): Promise<AnchoredVerification> {
  const problems: CheckpointProblem[] = [];
  const trusted = checkSeries(input, problems);
  if (trusted.length === 0) {
    problems.push({
      kind: 'signature',
      problem: `no checkpoint verifies under the trusted keys (${input.verifier.keyIds.join(', ') || 'none'}): nothing anchors the chains`,
    });
  }
  const byRun = evidenceByRun(trusted, problems);
  const runIds = [...new Set([...input.chains.keys(), ...(input.onlyGivenRuns ? [] : byRun.keys())])].sort(
    compareRunIds,
  );
  const runs: RunVerdict[] = [];
  for (const runId of runIds) {
    const known = byRun.get(runId);
    const examination = await examineChain(runId, input.chains.get(runId) ?? [], known?.evidence ?? {}, {
      now: input.now,
      recordKeys: input.recordKeys,
    });
    const reported = known?.reported ?? [];
    const latestReport = reported.at(-1);
    const firstBad =
      examination.damage[0] ??
      (latestReport === undefined
        ? undefined
        : {
            seq: latestReport.firstBadSeq,
            kind: latestReport.kind,
            problem: `checkpoint ${latestReport.checkpoint} found: ${latestReport.problem}`,
          });
    const status =
      firstBad !== undefined
        ? 'damaged'
        : examination.records.length === 0 && examination.expired.length > 0
          ? 'expired'
          : 'intact';
    runs.push({
      runId,
      status,
      records: examination.records.length,
      ...(examination.records.length > 0 && { lastSeq: examination.records.at(-1)?.seq }),
      ...(known?.evidence.head !== undefined && { anchoredThrough: known.evidence.head.seq }),
      ...(firstBad !== undefined && { firstBad }),
      damage: examination.damage,
      expired: examination.expired,
      reportedByCheckpoints: reported,
    });
  }
  const latest = trusted.at(-1)?.checkpoint;
  const count = (status: RunVerdict['status']) => runs.filter((run) => run.status === status).length;
  return {
    ok: problems.length === 0 && runs.every((run) => run.status !== 'damaged'),
    checkedAt: input.now.toISOString(),
    checkpoints: {
      given: input.checkpoints.length,
      trusted: trusted.length,
      ...(latest !== undefined && {
        latest: { sequence: latest.sequence, createdAt: latest.createdAt, hash: checkpointHash(latest) },
      }),
      problems,
    },
    runs,
    summary: {
      runs: runs.length,
      intact: count('intact'),
      damaged: count('damaged'),
      expired: count('expired'),
      records: runs.reduce((sum, run) => sum + run.records, 0),
    },
  };
}
