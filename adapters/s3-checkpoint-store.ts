/**
 * CheckpointStore on an S3 bucket with Object Lock: one object per
 * checkpoint, `checkpoints/<sequence, 12 digits>.json`, holding
 * `{ signed, leaves }` — the folder store's layout (`folder-checkpoint-store.ts`),
 * so an auditor copies the prefix into a folder (`aws s3 sync`) and verifies offline.
 *
 * Objects are put with `If-None-Match: *`: a sequence number already taken
 * is refused by S3 itself (CheckpointConflictError), never overwritten, and
 * the bucket's default Object Lock retention keeps every version from
 * deletion for its period.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { SignedCheckpoint } from '../core/lineage/checkpoint.js';
import type { CheckpointLeaf } from '../core/lineage/checkpoint-leaf.js';
import {
  CheckpointConflictError,
  type CheckpointStore,
  type StoredCheckpoint,
} from '../core/lineage/checkpoint-store.js';

/** Where checkpoints are in the bucket; the same names the folder store gives its files. */
export const CHECKPOINT_PREFIX = 'checkpoints/';
const SEQUENCE_DIGITS = 12;
const KEY = /^checkpoints\/(\d{12})\.json$/;

/** The object key of checkpoint `sequence`. */
export function checkpointObjectKey(sequence: number): string {
  return `${CHECKPOINT_PREFIX}${String(sequence).padStart(SEQUENCE_DIGITS, '0')}.json`;
}

/** Options of {@link S3CheckpointStore}. */
export interface S3CheckpointStoreOptions {
  readonly client: S3Client;
  readonly bucketName: string;
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string }).name;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** What an object holds, as evidence: a body that is not a JSON object is handed on for the verifier to report. */
function evidenceOf(key: string, text: string): StoredCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { signed: { unreadable: `${key} is not JSON: ${(error as Error).message}` } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { signed: { unreadable: `${key} holds ${JSON.stringify(value)?.slice(0, 40)}, not an object` } };
  }
  const { signed, leaves } = value as { signed?: unknown; leaves?: unknown };
  return { signed, ...(Array.isArray(leaves) && { leaves }) };
}

/**
 * The checkpoints of one bucket.
 *
 * @example
 * const store = new S3CheckpointStore({ client: new S3Client({}), bucketName });
 * await writeNextCheckpoint({ store, source, signers: [signer], clock, origin });
 */
export class S3CheckpointStore implements CheckpointStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  /** The newest sequence seen: a warm function finds the latest in two requests. */
  #hint: number | undefined;

  constructor(options: S3CheckpointStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucketName;
  }

  async #exists(sequence: number): Promise<boolean> {
    try {
      await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: checkpointObjectKey(sequence) }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'NotFound' || statusOf(error) === 404) return false;
      throw error;
    }
  }

  async #read(key: string): Promise<StoredCheckpoint> {
    const output = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
    return evidenceOf(key, (await output.Body?.transformToString('utf8')) ?? '');
  }

  /**
   * The newest sequence stored: a galloping search of HEAD requests from the
   * last one seen, then a binary search. Sequences are contiguous from 0 (the
   * checkpointer puts `latest + 1` only, and Object Lock keeps them), so about
   * 2 log2(n) requests on a cold start rather than a listing of every key.
   */
  async #latestSequence(): Promise<number | undefined> {
    let low = this.#hint !== undefined && (await this.#exists(this.#hint)) ? this.#hint : 0;
    if (low === 0 && !(await this.#exists(0))) return undefined;
    let step = 1;
    let high = low + step;
    while (await this.#exists(high)) {
      low = high;
      step *= 2;
      high = low + step;
    }
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (await this.#exists(middle)) low = middle;
      else high = middle;
    }
    this.#hint = low;
    return low;
  }

  async latest(): Promise<StoredCheckpoint | undefined> {
    const sequence = await this.#latestSequence();
    return sequence === undefined ? undefined : this.#read(checkpointObjectKey(sequence));
  }

  async list(): Promise<readonly StoredCheckpoint[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: CHECKPOINT_PREFIX,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key && KEY.test(object.Key)) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // Listed in key order, which is sequence order (fixed-width numbers).
    const stored: StoredCheckpoint[] = [];
    for (const key of keys.sort()) stored.push(await this.#read(key));
    return stored;
  }

  /** @throws CheckpointConflictError when S3 refuses the put because the sequence's object exists. */
  async put(signed: SignedCheckpoint, leaves: readonly CheckpointLeaf[]): Promise<void> {
    const { sequence } = signed.checkpoint;
    const key = checkpointObjectKey(sequence);
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: `${JSON.stringify({ signed, leaves })}\n`,
          ContentType: 'application/json',
          // Never replace a checkpoint: S3 refuses the put when the key exists (412), or races one (409).
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 409 || errorName(error) === 'PreconditionFailed') {
        throw new CheckpointConflictError(
          `checkpoint ${sequence} is already stored as s3://${this.#bucket}/${key}`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    this.#hint = sequence;
  }
}
