/**
 * The inclusion proof of one lineage record: a self-contained document that
 * shows, offline and with nothing but a public key, that a signed checkpoint
 * anchored this record.
 *
 * It holds the record's leaf (run, seq, hash), its index in the checkpoint's
 * tree, the RFC 6962 audit path, and the signed checkpoint. Verifying checks
 * the signature, that the checkpoint's ranges put this run and seq at this
 * index, and that the path leads from the leaf to the signed root. Given the
 * record itself, it also checks that the record's content hashes to the leaf.
 */
import * as z from 'zod';
import { recordShapeProblem } from './anchored-chain.js';
import { computeRecordHash } from './chain.js';
import { type SignedCheckpoint, signedCheckpointSchema } from './checkpoint.js';
import { CheckpointError } from './checkpoint-errors.js';
import { type CheckpointLeaf, checkpointLeafHash, leafIndexOf } from './checkpoint-leaf.js';
import { checkCheckpointSignatures, publicKeyVerifier } from './checkpoint-signature.js';
import { inclusionProof, merkleRoot, verifyInclusion } from './merkle.js';
import type { LineageRecord } from './record.js';

/** The version of the proof format. */
export const RECORD_PROOF_VERSION = 1;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters');

/** A record's inclusion proof. */
export const recordProofSchema = z.strictObject({
  version: z.literal(RECORD_PROOF_VERSION),
  leaf: z.strictObject({ runId: z.string().min(1), seq: z.number().int().min(0), hash: hex64 }),
  leafIndex: z.number().int().min(0),
  treeSize: z.number().int().min(1),
  /** Sibling hashes from the leaf up, lowercase hex. */
  auditPath: z.array(hex64),
  checkpoint: signedCheckpointSchema,
});

/** A record's inclusion proof. */
export type RecordProof = z.infer<typeof recordProofSchema>;

/**
 * The inclusion proof of a record under a checkpoint, from the checkpoint's leaves.
 *
 * @throws CheckpointError when the leaves do not make the checkpoint's root,
 *   the checkpoint does not cover the record, or anchored another record there.
 * @example
 * const proof = proveRecord(record, signed, leaves);
 * writeFileSync(`${record.chainId}-${record.seq}.proof.json`, JSON.stringify(proof, null, 2));
 */
export function proveRecord(
  record: Pick<LineageRecord, 'chainId' | 'seq' | 'hash'>,
  checkpoint: SignedCheckpoint,
  leaves: readonly CheckpointLeaf[],
): RecordProof {
  const { checkpoint: document } = checkpoint;
  const where = `record ${record.seq} of run ${record.chainId}`;
  const hashes = leaves.map(checkpointLeafHash);
  const root = merkleRoot(hashes).toString('hex');
  if (leaves.length !== document.leafCount || root !== document.merkleRoot) {
    throw new CheckpointError(
      `the ${leaves.length} leaves given make the root ${root}, not checkpoint ${document.sequence}'s ${document.merkleRoot}`,
    );
  }
  const index = leafIndexOf(document.ranges, record.chainId, record.seq);
  if (index === undefined) {
    throw new CheckpointError(`checkpoint ${document.sequence} does not cover ${where}`);
  }
  const leaf = leaves[index] as CheckpointLeaf;
  if (leaf.runId !== record.chainId || leaf.seq !== record.seq || leaf.hash !== record.hash) {
    throw new CheckpointError(
      `checkpoint ${document.sequence} anchored ${where} with hash ${leaf.hash}, not ${record.hash}`,
    );
  }
  return {
    version: RECORD_PROOF_VERSION,
    leaf: { runId: leaf.runId, seq: leaf.seq, hash: leaf.hash },
    leafIndex: index,
    treeSize: leaves.length,
    auditPath: inclusionProof(hashes, index).map((hash) => hash.toString('hex')),
    checkpoint,
  };
}

/** What verifying a proof found. */
export interface ProofVerification {
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** The record the proof is of, when it could be read. */
  readonly leaf?: CheckpointLeaf;
  /** The checkpoint it rests on, when it could be read. */
  readonly checkpoint?: { readonly origin: string; readonly sequence: number; readonly createdAt: string };
}

/**
 * Verifies a record's inclusion proof offline: the checkpoint's signature
 * under one of the public keys, the leaf's index against the checkpoint's
 * ranges, the audit path against the signed root, and, when the record is
 * given, that its content hashes to the proven leaf. Never throws for a bad
 * proof; reports each problem.
 *
 * @throws CheckpointError when a public key is not an Ed25519 or P-256 PEM key.
 * @example
 * const { ok, problems } = verifyProof(JSON.parse(text), readFileSync('checkpoint-key.pub.pem', 'utf8'));
 */
export function verifyProof(
  proof: unknown,
  publicKeyPem: string | readonly string[],
  record?: unknown,
): ProofVerification {
  const verifier = publicKeyVerifier(typeof publicKeyPem === 'string' ? [publicKeyPem] : publicKeyPem);
  const parsed = recordProofSchema.safeParse(proof);
  if (!parsed.success) {
    return {
      ok: false,
      problems: [`not a record proof: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`],
    };
  }
  const { leaf, leafIndex, treeSize, auditPath, checkpoint: signed } = parsed.data;
  const { checkpoint } = signed;
  const problems: string[] = [...checkCheckpointSignatures(signed, verifier).problems];
  const expectedIndex = leafIndexOf(checkpoint.ranges, leaf.runId, leaf.seq);
  if (expectedIndex === undefined) {
    problems.push(`checkpoint ${checkpoint.sequence} does not cover record ${leaf.seq} of run ${leaf.runId}`);
  } else if (expectedIndex !== leafIndex) {
    problems.push(
      `the proof puts record ${leaf.seq} of run ${leaf.runId} at leaf ${leafIndex}, the checkpoint's ranges at leaf ${expectedIndex}`,
    );
  }
  if (treeSize !== checkpoint.leafCount) {
    problems.push(
      `the proof is for a tree of ${treeSize} leaves, the checkpoint has ${checkpoint.leafCount}`,
    );
  }
  const path = auditPath.map((hash) => Buffer.from(hash, 'hex'));
  if (
    !verifyInclusion(
      leafIndex,
      treeSize,
      checkpointLeafHash(leaf),
      path,
      Buffer.from(checkpoint.merkleRoot, 'hex'),
    )
  ) {
    problems.push(`the audit path does not lead from the leaf to checkpoint ${checkpoint.sequence}'s root`);
  }
  if (record !== undefined) problems.push(...recordProblems(record, leaf));
  return {
    ok: problems.length === 0,
    problems,
    leaf,
    checkpoint: { origin: checkpoint.origin, sequence: checkpoint.sequence, createdAt: checkpoint.createdAt },
  };
}

/** Why the record given is not the one the proof's leaf names. */
function recordProblems(record: unknown, leaf: CheckpointLeaf): string[] {
  const shape = recordShapeProblem(record);
  if (shape !== undefined) return [`the record given is malformed: ${shape}`];
  const given = record as LineageRecord;
  if (given.chainId !== leaf.runId || given.seq !== leaf.seq) {
    return [
      `the record given is record ${given.seq} of run ${given.chainId}, the proof is of record ${leaf.seq} of run ${leaf.runId}`,
    ];
  }
  let computed: string;
  try {
    computed = computeRecordHash(given);
  } catch (error) {
    return [`the record given cannot be hashed: ${(error as Error).message}`];
  }
  return computed === leaf.hash
    ? []
    : [`the record given hashes to ${computed}, the proof anchors ${leaf.hash}: it was changed`];
}
