/**
 * Making the next checkpoint of a series: read the latest, check that it is
 * ours, build the next one over every chain, sign it, store it.
 *
 * The one use case behind the local cloud's periodic checkpointer, `awf audit
 * checkpoint`, and (in AWS) the stack's checkpointer function: they differ
 * only in their store, signer and clock.
 */
import type { Clock } from '../ports.js';
import { parseSignedCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { buildCheckpoint, type LineageChainSource } from './checkpoint-builder.js';
import { CheckpointError } from './checkpoint-errors.js';
import {
  type CheckpointSigner,
  checkCheckpointSignatures,
  publicKeyVerifier,
  signCheckpoint,
} from './checkpoint-signature.js';
import { CheckpointConflictError, type CheckpointStore } from './checkpoint-store.js';
import type { RecordKeys } from './record-keys.js';

/** What the checkpointer works with. */
export interface CheckpointerPorts {
  readonly store: CheckpointStore;
  readonly source: LineageChainSource;
  /** Every key the checkpoint is signed with (two while a key is rotated). */
  readonly signers: readonly CheckpointSigner[];
  readonly clock: Clock;
  /** What the checkpoints are of; the series keeps one. */
  readonly origin: string;
  /**
   * Days records are kept at least after their anchoring (`retention.ts`).
   * @default - records are never deleted
   */
  readonly retentionDays?: number;
  /**
   * Checks the MACs of the records a checkpoint adds, so a forged record is listed as damage, never anchored.
   * @default - MACs are not checked
   */
  readonly recordKeys?: Pick<RecordKeys, 'verify'>;
  /**
   * Times to build again when another checkpointer stored the same sequence first.
   * @default 3
   */
  readonly attempts?: number;
}

/** What one checkpoint holds, in numbers, for logs. */
export interface CheckpointSummary {
  readonly signed: SignedCheckpoint;
  readonly sequence: number;
  readonly leafCount: number;
  readonly chains: number;
  readonly damaged: number;
}

/**
 * The latest checkpoint, checked: it must parse and verify under one of our
 * own keys. A series is only ever extended from a checkpoint its signer made,
 * so a damaged or planted latest file stops the series (loudly) instead of
 * being vouched for by the next signature.
 */
async function trustedLatest(ports: CheckpointerPorts): Promise<SignedCheckpoint | undefined> {
  const latest = await ports.store.latest();
  if (latest === undefined) return undefined;
  const parsed = parseSignedCheckpoint(latest.signed);
  if (!parsed.ok) {
    throw new CheckpointError(`the latest stored checkpoint cannot be extended: it is ${parsed.problem}`);
  }
  const verifier = publicKeyVerifier(await Promise.all(ports.signers.map((s) => s.publicKeyPem())));
  const check = checkCheckpointSignatures(parsed.signed, verifier);
  if (!check.authentic) {
    throw new CheckpointError(
      `the latest stored checkpoint (${parsed.signed.checkpoint.sequence}) does not verify under the checkpointer's keys (${check.problems.join('; ')}): it will not be extended; run "awf audit verify"`,
    );
  }
  return parsed.signed;
}

/**
 * Builds, signs and stores the checkpoint after the latest one.
 *
 * @throws CheckpointError when the latest stored checkpoint is malformed or
 *   not signed by these signers, or when another checkpointer kept winning
 *   the race for the next sequence; what the source and store throw.
 * @example
 * const { sequence, leafCount } = await writeNextCheckpoint({ store, source, signers: [signer], clock, origin });
 */
export async function writeNextCheckpoint(ports: CheckpointerPorts): Promise<CheckpointSummary> {
  const attempts = ports.attempts ?? 3;
  const keyIds = await Promise.all(ports.signers.map((signer) => signer.keyId()));
  for (let attempt = 1; ; attempt++) {
    const previous = await trustedLatest(ports);
    const { checkpoint, leaves } = await buildCheckpoint({
      origin: ports.origin,
      ...(previous !== undefined && { previous: previous.checkpoint }),
      source: ports.source,
      clock: ports.clock,
      keyIds,
      ...(ports.retentionDays !== undefined && { retentionDays: ports.retentionDays }),
      ...(ports.recordKeys !== undefined && { recordKeys: ports.recordKeys }),
    });
    const signed = await signCheckpoint(checkpoint, ports.signers);
    try {
      await ports.store.put(signed, leaves);
    } catch (error) {
      if (error instanceof CheckpointConflictError && attempt < attempts) continue;
      throw error;
    }
    return {
      signed,
      sequence: checkpoint.sequence,
      leafCount: checkpoint.leafCount,
      chains: checkpoint.heads.length,
      damaged: checkpoint.damaged.length,
    };
  }
}
