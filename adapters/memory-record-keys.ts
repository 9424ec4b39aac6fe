/**
 * Lineage record keys computed in this process: for the pack runner and the
 * tests, where no KMS key exists. Each step's key is derived from one secret
 * (HMAC-SHA-256 of the step's name under it), so every step still signs under
 * a key of its own and a MAC made with one step's key never verifies as
 * another's.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RecordKeys } from '../core/lineage/record-keys.js';
import type { StepName } from '../core/steps/step-names.js';

const HEX_MAC = /^[0-9a-f]{64}$/;

/** HMAC-SHA-256 record MACs under per-step keys derived from `secret` (random when not given). */
export class InMemoryRecordKeys implements RecordKeys {
  readonly #secret: Buffer;
  readonly #keys = new Map<StepName, Buffer>();

  constructor(secret: Buffer | string = randomBytes(32)) {
    this.#secret = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  }

  /**
   * The MAC of `hash` under `writer`'s key, synchronously: for builders of
   * test chains. Steps use {@link sign}.
   */
  macOf(writer: StepName, hash: string): string {
    return createHmac('sha256', this.#keyOf(writer)).update(hash, 'utf8').digest('hex');
  }

  async sign(writer: StepName, hash: string): Promise<string> {
    return this.macOf(writer, hash);
  }

  async verify(writer: StepName, hash: string, mac: string): Promise<boolean> {
    if (!HEX_MAC.test(mac)) return false;
    // Compared as bytes, not through hex: an auditor checks every record's MAC.
    const expected = createHmac('sha256', this.#keyOf(writer)).update(hash, 'utf8').digest();
    return timingSafeEqual(expected, Buffer.from(mac, 'hex'));
  }

  #keyOf(step: StepName): Buffer {
    let key = this.#keys.get(step);
    if (key === undefined) {
      key = createHmac('sha256', this.#secret).update(`awf lineage record key: ${step}`, 'utf8').digest();
      this.#keys.set(step, key);
    }
    return key;
  }
}
