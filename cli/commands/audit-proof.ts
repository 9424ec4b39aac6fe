/**
 * Offline evidence of one record: `awf audit key` (the public checkpoint
 * keys), `awf audit prove RUN:SEQ` (a self-contained inclusion proof), and
 * `awf audit verify --proof FILE` (checks one with nothing but a public key).
 */
import { readFileSync } from 'node:fs';
import { AwfError } from '../../core/errors.js';
import { computeRecordHash } from '../../core/lineage/chain.js';
import { parseSignedCheckpoint } from '../../core/lineage/checkpoint.js';
import { type CheckpointLeaf, leafIndexOf } from '../../core/lineage/checkpoint-leaf.js';
import { publicKeyId } from '../../core/lineage/checkpoint-signature.js';
import { proveRecord, verifyProof } from '../../core/lineage/record-proof.js';
import { type CheckpointSourceOptions, checkpointSource, trustedKeys } from '../checkpoints.js';
import { type OutputOptions, print } from '../output.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';

/**
 * Prints the public keys checkpoints are verified with (SPKI PEM) and their
 * ids: the local cloud's, the files of `--key`, or (`--aws`) the stack's
 * checkpoint key, read from KMS (`target` given).
 * @throws AwfError when there is no key yet.
 */
export async function auditKey(
  options: CheckpointSourceOptions & OutputOptions,
  target?: Target,
): Promise<void> {
  const keys = (await trustedKeys(options, target)).map((pem) => ({ keyId: publicKeyId(pem), pem }));
  print(keys, options, (k) => k.map((key) => `# ${key.keyId}\n${key.pem.trimEnd()}`).join('\n'));
}

/**
 * `RUN:SEQ` as a run id and a seq.
 * @throws AwfError naming what is wrong with the reference.
 */
export function parseRecordRef(ref: string): { readonly runId: string; readonly seq: number } {
  const at = ref.lastIndexOf(':');
  const runId = ref.slice(0, at);
  const seq = Number(ref.slice(at + 1));
  if (at <= 0 || !/^\d+$/.test(ref.slice(at + 1)) || !Number.isSafeInteger(seq)) {
    throw new AwfError(`a record is named RUN:SEQ, such as run-3f9a0c:4, got "${ref}"`);
  }
  return { runId, seq };
}

/**
 * Prints the inclusion proof of a record under the first checkpoint that
 * anchored it, as JSON: the leaf, its audit path and the signed checkpoint.
 *
 * @throws AwfError when the record is not in the table, or no checkpoint anchored it yet.
 * @throws CheckpointError when the checkpoint anchored another hash there (the record was changed).
 */
export async function auditProve(
  target: Target,
  ref: string,
  options: CheckpointSourceOptions,
): Promise<void> {
  const { runId, seq } = parseRecordRef(ref);
  const record = (await storesOf(target).lineage.chain(runId)).find((r) => r.seq === seq);
  if (record === undefined) {
    throw new AwfError(
      `record ${seq} of run ${runId} is not in the lineage table; "awf audit verify --run ${runId}" says why`,
    );
  }
  // A proof vouches for the record's hash; one whose content no longer hashes to it is not the record anchored.
  if (computeRecordHash(record) !== record.hash) {
    throw new AwfError(
      `record ${seq} of run ${runId} was edited: its content no longer hashes to its hash; "awf audit verify --run ${runId}" reports it`,
    );
  }
  const { store } = await checkpointSource(options, target);
  for (const stored of await store.list()) {
    const parsed = parseSignedCheckpoint(stored.signed);
    if (!parsed.ok || leafIndexOf(parsed.signed.checkpoint.ranges, runId, seq) === undefined) continue;
    if (stored.leaves === undefined) {
      throw new AwfError(
        `checkpoint ${parsed.signed.checkpoint.sequence} anchored the record but was stored without its leaves`,
      );
    }
    const proof = proveRecord(record, parsed.signed, stored.leaves as CheckpointLeaf[]);
    process.stdout.write(`${JSON.stringify(proof, null, 2)}\n`);
    return;
  }
  throw new AwfError(
    `no checkpoint anchors record ${seq} of run ${runId} yet: run "awf audit checkpoint", or wait for the next one`,
  );
}

/** Options of `awf audit verify --proof`. */
export interface VerifyProofOptions extends CheckpointSourceOptions, OutputOptions {
  readonly proof: string;
  /** A file holding the record itself (JSON), checked against the proven leaf. */
  readonly record?: string;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AwfError(`cannot read the ${what} file ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AwfError(`the ${what} file ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Verifies an inclusion proof offline against the trusted public keys; exit
 * code 2 when it does not hold. With `--key`, or locally, it needs no cloud
 * and no credentials; with `--aws` alone, the stack's key is read from KMS (`target`).
 *
 * @throws AwfError when a file cannot be read or is not JSON, or no key is found.
 */
export async function auditVerifyProof(options: VerifyProofOptions, target?: Target): Promise<void> {
  const proof = readJson(options.proof, 'proof');
  const record = options.record === undefined ? undefined : readJson(options.record, 'record');
  const result = verifyProof(proof, await trustedKeys(options, target), record);
  print(result, options, (r) =>
    r.ok
      ? `PROOF VERIFIED: record ${r.leaf?.seq} of run ${r.leaf?.runId} (hash ${r.leaf?.hash}) is in checkpoint ${r.checkpoint?.sequence} of ${r.checkpoint?.origin}, made ${r.checkpoint?.createdAt}${record === undefined ? '' : '; the record given hashes to it'}`
      : `PROOF FAILED:\n${r.problems.map((p) => `  ${p}`).join('\n')}`,
  );
  if (!result.ok) process.exitCode = 2;
}
