/**
 * KeyedHasher on a KMS HMAC key: `GenerateMac` with `HMAC_SHA_256`, so the key
 * material never leaves KMS and only roles granted `kms:GenerateMac` on the
 * key can compute (or compare) a history key's hash.
 */
import { GenerateMacCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { AwfError } from '../core/errors.js';
import type { KeyedHasher } from '../core/ports.js';
import { withoutDiscardedLogging } from './aws-clients.js';

/** KMS refuses a `GenerateMac` message that is empty or longer than this many bytes. */
export const MAX_MAC_MESSAGE_BYTES = 4096;

/** Values remembered per hasher unless told otherwise: a run hashes a few keys, each several times. */
export const DEFAULT_MEMO_SIZE = 2048;

/** A value KMS cannot hash (empty, or longer than {@link MAX_MAC_MESSAGE_BYTES} in UTF-8). */
export class KeyedHashInputError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'KeyedHashInputError';
  }
}

/**
 * A KMS client for Lambda and the local cloud. The endpoint follows the SDK's
 * standard configuration, so `AWS_ENDPOINT_URL_KMS` redirects it to the local
 * KMS. Each command's middleware is resolved once (`cacheMiddleware`), and
 * without a `logger` the SDK's logger middleware is left out (see
 * {@link withoutDiscardedLogging}).
 *
 * @param config - settings to add or override (e.g. `endpoint`, `maxAttempts`, `logger`)
 */
export function createKmsClient(config: KMSClientConfig = {}): KMSClient {
  const client = new KMSClient({ cacheMiddleware: true, ...config });
  return config.logger === undefined ? withoutDiscardedLogging(client) : client;
}

/** Options of {@link KmsKeyedHasher}. */
export interface KmsKeyedHasherOptions {
  readonly client: KMSClient;
  /** The HMAC key: its id, ARN, alias name or alias ARN. */
  readonly keyId: string;
  /**
   * How many values' hashes are remembered (least recently used dropped first).
   * @default DEFAULT_MEMO_SIZE
   */
  readonly memoSize?: number;
}

/**
 * HMAC-SHA-256 of a value under a KMS HMAC key, as lowercase hex.
 *
 * Results are remembered per instance (one per cold start), bounded: a Lambda
 * hashes the same key several times per run, and a hash never changes for the
 * key's life. Concurrent calls for one value share one request; a failed call
 * is not remembered.
 *
 * @example
 * const keys = new KmsKeyedHasher({ client: createKmsClient(), keyId: process.env.AWF_HISTORY_KEY_ID });
 * const hashed = await keys.hash('cus_123');
 */
export class KmsKeyedHasher implements KeyedHasher {
  readonly #client: KMSClient;
  readonly #keyId: string;
  readonly #memoSize: number;
  /** Insertion order is recency: a hit is moved to the end, the first entry is the eldest. */
  readonly #memo = new Map<string, Promise<string>>();

  constructor(options: KmsKeyedHasherOptions) {
    if (options.keyId === '') throw new AwfError('keyId must name a KMS HMAC key, got ""');
    const memoSize = options.memoSize ?? DEFAULT_MEMO_SIZE;
    if (!Number.isInteger(memoSize) || memoSize < 0) {
      throw new AwfError(`memoSize must be a non-negative integer, got ${memoSize}`);
    }
    this.#client = options.client;
    this.#keyId = options.keyId;
    this.#memoSize = memoSize;
  }

  /**
   * @throws KeyedHashInputError when `value` is empty or too long for KMS.
   * @throws the SDK's named KMS errors (`NotFoundException`, `InvalidKeyUsageException`,
   *   `KMSInvalidStateException`, throttling), unchanged.
   */
  hash(value: string): Promise<string> {
    const remembered = this.#memo.get(value);
    if (remembered !== undefined) {
      this.#memo.delete(value);
      this.#memo.set(value, remembered);
      return remembered;
    }
    const hashed = this.#generateMac(value);
    if (this.#memoSize === 0) return hashed;
    this.#memo.set(value, hashed);
    if (this.#memo.size > this.#memoSize) {
      const eldest = this.#memo.keys().next();
      if (eldest.done !== true) this.#memo.delete(eldest.value);
    }
    hashed.catch(() => {
      if (this.#memo.get(value) === hashed) this.#memo.delete(value);
    });
    return hashed;
  }

  async #generateMac(value: string): Promise<string> {
    const message = Buffer.from(value, 'utf8');
    if (message.length === 0 || message.length > MAX_MAC_MESSAGE_BYTES) {
      throw new KeyedHashInputError(
        `a keyed hash takes 1 to ${MAX_MAC_MESSAGE_BYTES} bytes of UTF-8, got ${message.length}`,
      );
    }
    const output = await this.#client.send(
      new GenerateMacCommand({ KeyId: this.#keyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    if (output.Mac === undefined || output.Mac.length === 0) {
      throw new AwfError(`KMS GenerateMac with key ${this.#keyId} returned no Mac`);
    }
    return Buffer.from(output.Mac).toString('hex');
  }
}
