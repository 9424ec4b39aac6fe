/**
 * Port: where signed checkpoints are kept, with the leaves under their roots.
 *
 * A store only adds: a checkpoint, once put, is never replaced (a folder of
 * files written once locally; an S3 Object Lock bucket in AWS). What it
 * returns is what it read, unchecked: a damaged or foreign file is the
 * verifier's to report (`anchored-verify.ts`), never the store's to hide.
 */
import type { CheckpointEvidence } from './anchored-verify.js';
import type { SignedCheckpoint } from './checkpoint.js';
import { CheckpointError } from './checkpoint-errors.js';
import type { CheckpointLeaf } from './checkpoint-leaf.js';

/** A checkpoint as read from a store: the signed document and its leaves, both unchecked. */
export type StoredCheckpoint = CheckpointEvidence;

/** Port: the checkpoint series of one origin. */
export interface CheckpointStore {
  /** The checkpoint with the highest sequence number, as read; undefined when none was put. */
  latest(): Promise<StoredCheckpoint | undefined>;
  /** Every checkpoint, as read, in sequence order. */
  list(): Promise<readonly StoredCheckpoint[]>;
  /**
   * Adds a checkpoint and its leaves.
   * @throws CheckpointConflictError when a checkpoint with its sequence number is already stored.
   */
  put(signed: SignedCheckpoint, leaves: readonly CheckpointLeaf[]): Promise<void>;
}

/**
 * A checkpoint with this sequence number is already stored: another
 * checkpointer made it first. The caller builds again from the new latest.
 */
export class CheckpointConflictError extends CheckpointError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointConflictError';
  }
}
