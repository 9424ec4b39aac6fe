/**
 * Task tokens sealed in this process (AES-256-GCM under a key held in memory,
 * the approval id as additional authenticated data): for the pack runner and
 * tests, where no KMS key exists. A token sealed under one key opens only
 * under the same key, and only for the approval it was sealed for.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AwfError } from '../core/errors.js';
import type { TaskTokenSeal } from '../core/ports.js';

/** The prefix of the tokens this seal makes. */
export const MEMORY_SEALED_PREFIX = 'memory:v1:';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed token that does not open: another approval's, another key's, altered, or not one of this seal's. */
export class TaskTokenSealError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TaskTokenSealError';
  }
}

/**
 * AES-256-GCM under `key` (random when not given; a string is hashed to a key),
 * as `memory:v1:<base64 of iv | tag | ciphertext>`.
 */
export class InMemoryTaskTokenSeal implements TaskTokenSeal {
  readonly #key: Buffer;

  constructor(key: Buffer | string = randomBytes(32)) {
    this.#key = typeof key === 'string' ? createHash('sha256').update(key, 'utf8').digest() : key;
    if (this.#key.length !== 32) throw new AwfError(`an AES-256 key has 32 bytes, got ${this.#key.length}`);
  }

  async seal(approvalId: string, token: string): Promise<string> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(approvalId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return `${MEMORY_SEALED_PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
  }

  async open(approvalId: string, sealed: string): Promise<string> {
    if (!sealed.startsWith(MEMORY_SEALED_PREFIX)) {
      throw new TaskTokenSealError(
        `the task token of approval "${approvalId}" was not sealed by this seal (expected ${MEMORY_SEALED_PREFIX}...)`,
      );
    }
    const blob = Buffer.from(sealed.slice(MEMORY_SEALED_PREFIX.length), 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, blob.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(approvalId, 'utf8'));
      decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch (error) {
      throw new TaskTokenSealError(
        `the task token of approval "${approvalId}" does not open: sealed for another approval, under another key, or altered`,
        { cause: error },
      );
    }
  }
}
