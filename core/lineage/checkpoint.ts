/**
 * The lineage checkpoint: a signed statement, at one moment, of what every
 * lineage chain held.
 *
 * A chain alone cannot show that its newest records were cut off, or
 * rewritten together with recomputed hashes by someone holding the writer's
 * key. A checkpoint can: it names each chain's head (`seq`, `hash`) and the
 * Merkle root of the records added since the previous checkpoint, it is
 * signed with a key the lineage writers do not hold, and it names the hash of
 * the checkpoint before it, so checkpoints form a chain of their own and one
 * cannot be dropped or replaced unseen. Stored where nobody may change it
 * (an S3 Object Lock bucket in AWS), a checkpoint makes any later change to
 * the records it covers detectable.
 *
 * The document is signed and hashed as its canonical JSON (`canonical-json.ts`):
 * sorted keys, no whitespace, so the bytes are the same wherever they are made.
 */
import * as z from 'zod';
import { canonicalJson } from '../canonical-json.js';
import { sha256Hex } from '../hash.js';

/** The version of the checkpoint format this code writes and reads. */
export const CHECKPOINT_VERSION = 1;

/** `previousCheckpointHash` of the first checkpoint of a series. */
export const FIRST_CHECKPOINT_PREVIOUS = '0'.repeat(64);

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters');
const seq = z.number().int().min(0);
const isoTime = z.iso.datetime({ offset: true });

/** A run's seqs from `fromSeq` to `toSeq`, both included. */
export const seqRangeSchema = z
  .object({ runId: z.string().min(1), fromSeq: seq, toSeq: seq })
  .refine((range) => range.fromSeq <= range.toSeq, { message: 'fromSeq must not be after toSeq' });

/** A run's records from `fromSeq` to `toSeq`, both included. */
export type SeqRange = z.infer<typeof seqRangeSchema>;

/**
 * The newest record of a chain a checkpoint vouches for. `anchoredAt` is the
 * `createdAt` of the checkpoint that first named this head: every record up
 * to `seq` existed then, which is what the retention rule counts from
 * (`retention.ts`).
 */
export const chainHeadSchema = z.object({ runId: z.string().min(1), seq, hash: hex64, anchoredAt: isoTime });

/** The newest record of a chain a checkpoint vouches for. */
export type ChainHead = z.infer<typeof chainHeadSchema>;

/** What is wrong with a chain, in the words of the anchored verification (`anchored-chain.ts`). */
export const DAMAGE_KINDS = [
  'malformed',
  'modified',
  'deleted',
  'inserted',
  'reordered',
  'forged',
  'truncated',
  'rewritten',
  'vanished',
] as const;

/** One of {@link DAMAGE_KINDS}. */
export type DamageKind = (typeof DAMAGE_KINDS)[number];

/** A chain the checkpoint found damaged: none of its records became leaves. */
export const damagedChainSchema = z.object({
  runId: z.string().min(1),
  firstBadSeq: seq,
  kind: z.enum(DAMAGE_KINDS),
  problem: z.string(),
});

/** A chain the checkpoint found damaged. */
export type DamagedChain = z.infer<typeof damagedChainSchema>;

/**
 * The checkpoint document: what is hashed and signed. Strict: a field this
 * version does not know would be signed but never checked, so it is refused.
 */
export const checkpointSchema = z
  .strictObject({
    version: z.literal(CHECKPOINT_VERSION),
    /** What the checkpoints are of (a lineage table, a local cloud): a checkpoint of one cannot pass for another's. */
    origin: z.string().min(1),
    /** The checkpoint's number in its series, from 0. */
    sequence: seq,
    /** The hash ({@link checkpointHash}) of checkpoint `sequence - 1`; 64 zeros for checkpoint 0. */
    previousCheckpointHash: hex64,
    /** When it was made, by the checkpointer's clock. */
    createdAt: isoTime,
    /** The public key ids (`publicKeyId`) that sign it, sorted; two while a key is rotated. */
    keyIds: z.array(z.string().min(1)).min(1),
    /**
     * Days records are kept at least after the checkpoint that anchored them;
     * absent when records are never deleted (any missing record is then damage).
     */
    retentionDays: z.number().int().min(1).optional(),
    /** The leaves under `merkleRoot`: one per record of `ranges`. */
    leafCount: z.number().int().min(0),
    /** RFC 6962 Merkle tree hash of the leaves (`checkpoint-leaf.ts`), lowercase hex. */
    merkleRoot: hex64,
    /** Per chain, the seqs added since the previous checkpoint: the records the root covers, sorted by runId. */
    ranges: z.array(seqRangeSchema),
    /** Every chain checkpointed so far, with its newest good record, sorted by runId. */
    heads: z.array(chainHeadSchema),
    /** Chains that failed verification, sorted by runId; their records are not leaves. */
    damaged: z.array(damagedChainSchema),
    /** Records found missing whose retention had passed (`retention.ts`), sorted by runId then fromSeq. */
    expired: z.array(seqRangeSchema),
  })
  .superRefine((checkpoint, context) => {
    // Leaf indexes are computed from the ranges' order (`leafIndexOf`): an unsorted list would misplace them.
    const unsorted = (ids: readonly string[]) =>
      ids.findIndex((id, i) => i > 0 && !((ids[i - 1] as string) < id));
    const checks: [string, readonly string[]][] = [
      ['ranges', checkpoint.ranges.map((r) => r.runId)],
      ['heads', checkpoint.heads.map((h) => h.runId)],
      ['damaged', checkpoint.damaged.map((d) => d.runId)],
      ['keyIds', checkpoint.keyIds],
    ];
    for (const [field, ids] of checks) {
      const at = unsorted(ids);
      if (at >= 0) {
        context.addIssue({
          code: 'custom',
          path: [field, at],
          message: `${field} must be sorted and name each one once: "${ids[at]}" follows "${ids[at - 1]}"`,
        });
      }
    }
    const covered = checkpoint.ranges.reduce((sum, r) => sum + r.toSeq - r.fromSeq + 1, 0);
    if (covered !== checkpoint.leafCount) {
      context.addIssue({
        code: 'custom',
        path: ['leafCount'],
        message: `leafCount is ${checkpoint.leafCount}, but the ranges cover ${covered} records`,
      });
    }
  });

/** The checkpoint document. */
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** Signature algorithms of checkpoints. */
export const CHECKPOINT_SIGNATURE_ALGORITHMS = ['ed25519', 'ecdsa-p256-sha256'] as const;

/** One of {@link CHECKPOINT_SIGNATURE_ALGORITHMS}. */
export type CheckpointSignatureAlgorithm = (typeof CHECKPOINT_SIGNATURE_ALGORITHMS)[number];

/**
 * A signature over a checkpoint's canonical bytes: Ed25519 (locally), or
 * ECDSA P-256 over their SHA-256 as DER (a KMS asymmetric key in AWS).
 */
export const checkpointSignatureSchema = z.object({
  keyId: z.string().min(1),
  algorithm: z.enum(CHECKPOINT_SIGNATURE_ALGORITHMS),
  /** Base64. */
  signature: z.string().min(1),
});

/** A signature over a checkpoint's canonical bytes. */
export type CheckpointSignature = z.infer<typeof checkpointSignatureSchema>;

/** A checkpoint with its signatures: what is stored and handed to auditors. */
export const signedCheckpointSchema = z.strictObject({
  checkpoint: checkpointSchema,
  signatures: z.array(checkpointSignatureSchema).min(1),
});

/** A checkpoint with its signatures. */
export type SignedCheckpoint = z.infer<typeof signedCheckpointSchema>;

/** The bytes a checkpoint is signed and hashed as: the UTF-8 of its canonical JSON. */
export function checkpointBytes(checkpoint: Checkpoint): Buffer {
  return Buffer.from(canonicalJson(checkpoint), 'utf8');
}

/** The hash of a checkpoint, lowercase hex SHA-256 of {@link checkpointBytes}: what the next one names. */
export function checkpointHash(checkpoint: Checkpoint): string {
  return sha256Hex(canonicalJson(checkpoint));
}

/** A parsed signed checkpoint, or why the value is not one (field paths included). */
export function parseSignedCheckpoint(
  value: unknown,
):
  | { readonly ok: true; readonly signed: SignedCheckpoint }
  | { readonly ok: false; readonly problem: string } {
  const parsed = signedCheckpointSchema.safeParse(value);
  return parsed.success
    ? { ok: true, signed: parsed.data }
    : { ok: false, problem: `not a signed checkpoint: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}` };
}
