/**
 * Lineage record keys on KMS HMAC keys, one per writing step: `GenerateMac`
 * to sign a record with the step's own key, `VerifyMac` to check a record
 * against its writer's key. IAM decides who may do which: each step role may
 * `GenerateMac` with its own key only, and `VerifyMac` with the keys of the
 * writers it declared (`lib/grants/keys.ts`).
 */
import { GenerateMacCommand, type KMSClient, VerifyMacCommand } from '@aws-sdk/client-kms';
import * as z from 'zod';
import { AwfError } from '../core/errors.js';
import type { RecordKeys } from '../core/lineage/record-keys.js';
import { STEP_NAMES, type StepName } from '../core/steps/step-names.js';

const HEX_MAC = /^[0-9a-f]{64}$/;

/**
 * The record keys a process may use, writer step -> KMS key id or ARN: what
 * `AWF_RECORD_KEYS` holds (as JSON) in a step Lambda and the data stack's
 * `RecordKeys` output gives auditors.
 */
export const recordKeyIdsSchema = z.partialRecord(z.enum(STEP_NAMES), z.string().min(1));

/** Writer step -> KMS key id or ARN. */
export type RecordKeyIds = z.infer<typeof recordKeyIdsSchema>;

/** Options of {@link KmsRecordKeys}. */
export interface KmsRecordKeysOptions {
  readonly client: KMSClient;
  /** The key of each writer this process signs as or verifies. */
  readonly keyIds: RecordKeyIds;
  /**
   * How many MACs that verified are remembered (the eldest forgotten first),
   * so checking one of them again asks KMS nothing. For a step, which checks
   * a few records per run; an auditor, whose verification should reach KMS
   * each time (a disabled key must show), keeps the default.
   * @default 0 - KMS is asked every time
   */
  readonly verifiedMemoSize?: number;
}

/**
 * Record MACs (HMAC-SHA-256, lowercase hex) under KMS HMAC keys.
 *
 * @example
 * const keys = new KmsRecordKeys({ client: createKmsClient(), keyIds: { plan: planKeyArn } });
 * const ok = await keys.verify('plan', record.hash, record.mac);
 */
export class KmsRecordKeys implements RecordKeys {
  readonly #client: KMSClient;
  readonly #keyIds: RecordKeyIds;
  readonly #verifiedMemoSize: number;
  /**
   * MACs KMS said were valid, as `<key>\n<hash>\n<mac>`. A MAC that verified
   * under a key verifies under it for the key's whole life (KMS never rotates
   * HMAC key material), so a step that checks one record twice (Act: the
   * proposal, then the plan's finish) asks KMS once. Only successes are kept:
   * a MAC that failed, or a call that failed, is asked again.
   */
  readonly #verified = new Set<string>();

  /** @throws AwfError when `verifiedMemoSize` is not a non-negative integer. */
  constructor(options: KmsRecordKeysOptions) {
    const memoSize = options.verifiedMemoSize ?? 0;
    if (!Number.isInteger(memoSize) || memoSize < 0) {
      throw new AwfError(`verifiedMemoSize must be a non-negative integer, got ${memoSize}`);
    }
    this.#client = options.client;
    this.#keyIds = options.keyIds;
    this.#verifiedMemoSize = memoSize;
  }

  /** @throws AwfError when no key is known for `writer`; the SDK's named KMS errors, unchanged. */
  async sign(writer: StepName, hash: string): Promise<string> {
    const output = await this.#client.send(
      new GenerateMacCommand({
        KeyId: this.#keyOf(writer),
        Message: message(hash),
        MacAlgorithm: 'HMAC_SHA_256',
      }),
    );
    if (output.Mac === undefined || output.Mac.length === 0) {
      throw new AwfError(`KMS GenerateMac with the record key of ${writer} returned no Mac`);
    }
    return Buffer.from(output.Mac).toString('hex');
  }

  /**
   * False for a MAC that does not verify (KMS's `KMSInvalidMacException`) or is
   * not 32 bytes of hex.
   * @throws AwfError when no key is known for `writer`; other KMS errors
   *   (access denied, unknown key), unchanged: a key that cannot be used is not a forgery.
   */
  async verify(writer: StepName, hash: string, mac: string): Promise<boolean> {
    const keyId = this.#keyOf(writer);
    if (!HEX_MAC.test(mac)) return false;
    const verified = `${keyId}\n${hash}\n${mac}`;
    if (this.#verified.has(verified)) return true;
    try {
      const output = await this.#client.send(
        new VerifyMacCommand({
          KeyId: keyId,
          Message: message(hash),
          Mac: Buffer.from(mac, 'hex'),
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      );
      if (output.MacValid !== true) return false;
      this.#remember(verified);
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'KMSInvalidMacException') return false;
      throw error;
    }
  }

  #remember(verified: string): void {
    if (this.#verifiedMemoSize === 0) return;
    // A Set iterates in insertion order: the first entry is the eldest.
    if (this.#verified.size >= this.#verifiedMemoSize) {
      const eldest = this.#verified.values().next().value;
      if (eldest !== undefined) this.#verified.delete(eldest);
    }
    this.#verified.add(verified);
  }

  #keyOf(writer: StepName): string {
    const keyId = this.#keyIds[writer];
    if (keyId === undefined) {
      const known = Object.keys(this.#keyIds).join(', ') || 'none';
      throw new AwfError(`no record key of the ${writer} step is configured (known: ${known})`);
    }
    return keyId;
  }
}

/** The MAC's message: the record hash as UTF-8 (never empty: KMS refuses an empty message). */
function message(hash: string): Buffer {
  if (hash === '') throw new AwfError('a record MAC is made over a record hash, got ""');
  return Buffer.from(hash, 'utf8');
}
