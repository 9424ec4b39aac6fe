/**
 * A keyed hash computed in this process (HMAC-SHA-256 under a key held in
 * memory): for the pack runner and tests, where no KMS key exists. Hashes made
 * under one key are comparable only with hashes made under the same key.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { KeyedHasher } from '../core/ports.js';

/** HMAC-SHA-256 under `key` (random when not given), as lowercase hex. */
export class InMemoryKeyedHasher implements KeyedHasher {
  private readonly key: Buffer;

  constructor(key: Buffer | string = randomBytes(32)) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  }

  async hash(value: string): Promise<string> {
    return createHmac('sha256', this.key).update(value, 'utf8').digest('hex');
  }
}
