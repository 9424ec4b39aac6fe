/**
 * Errors of anchored lineage: checkpoints, their signatures and the proofs
 * made from them. A verification never throws for what it finds wrong in the
 * evidence (it reports it); these are for a caller's misuse, such as asking
 * to prove a record a checkpoint does not hold.
 */
import { AwfError } from '../errors.js';

/** A Merkle inclusion proof that cannot be made or followed (no such leaf, a malformed path). */
export class MerkleProofError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MerkleProofError';
  }
}

/**
 * A checkpoint could not be built, signed or used as asked: signers that are
 * not the keys the checkpoint names, leaves that do not make its root, a
 * record it does not cover.
 */
export class CheckpointError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}
