/**
 * The local KMS's two operations, `GenerateMac` and `VerifyMac`, on the
 * template's HMAC keys, with KMS's checks and error codes: an unknown key is
 * `NotFoundException`, a key of another usage `InvalidKeyUsageException`, a
 * disabled one `DisabledException`, an empty or oversized message
 * `ValidationException`. Only `HMAC_SHA_256` on `HMAC_256` keys is computed;
 * another algorithm is refused naming what the local KMS supports.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AwsServiceError } from '../http/json-protocol.js';
import { loadKeyMaterial } from './key-material.js';
import { isHmacKeySpec, type LocalKmsConfig, type LocalKmsKey } from './keys.js';

/** KMS's bounds on a MAC message, in bytes. */
export const MAC_MESSAGE_BYTES = { min: 1, max: 4096 } as const;
/** KMS's bounds on a MAC to verify, in bytes. */
export const MAC_BYTES = { min: 1, max: 6144 } as const;
/** Every `MacAlgorithmSpec` KMS knows. */
export const MAC_ALGORITHMS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const;
/** The one the local KMS computes. */
export const LOCAL_MAC_ALGORITHM = 'HMAC_SHA_256';

/** A MAC request, with the blobs decoded. */
export interface MacRequest {
  readonly keyId: string | undefined;
  readonly message: Buffer | undefined;
  readonly macAlgorithm: string | undefined;
  readonly dryRun?: boolean;
}

/** What `GenerateMac` answers. */
export interface GenerateMacResult {
  readonly KeyId: string;
  readonly Mac: Buffer;
  readonly MacAlgorithm: string;
}

/** What `VerifyMac` answers (a MAC that does not verify is an error, `KMSInvalidMacException`). */
export interface VerifyMacResult {
  readonly KeyId: string;
  readonly MacValid: true;
  readonly MacAlgorithm: string;
}

function validation(field: string, constraint: string): AwsServiceError {
  return new AwsServiceError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

/** HMAC keys of one app's template, computing MACs as KMS does. */
export class LocalKms {
  readonly #config: LocalKmsConfig;
  readonly #material: ReadonlyMap<string, Buffer>;

  /**
   * @param stateDir where the HMAC key material is kept across restarts; undefined keeps it in memory.
   * @throws KeyMaterialError when the kept material cannot be read.
   */
  constructor(config: LocalKmsConfig, stateDir?: string) {
    this.#config = config;
    this.#material = loadKeyMaterial(
      config.keys.filter((key) => key.keySpec === 'HMAC_256'),
      stateDir,
    );
  }

  /** The template's keys. */
  get keys(): readonly LocalKmsKey[] {
    return this.#config.keys;
  }

  /**
   * The key a `KeyId` names: a key id, key ARN, alias name or alias ARN of this account and region.
   * @throws AwsServiceError `NotFoundException` naming the id.
   */
  findKey(keyId: string): LocalKmsKey {
    const alias =
      keyId.startsWith('alias/') || keyId.includes(':alias/')
        ? this.#config.aliases?.find((a) => a.aliasName === keyId || a.arn === keyId)
        : undefined;
    const target = alias?.targetKeyId ?? keyId;
    const key = this.#config.keys.find((k) => k.keyId === target || k.arn === target);
    if (key === undefined) {
      const { region, accountId } = this.#config;
      throw new AwsServiceError(
        'NotFoundException',
        keyId.startsWith('arn:')
          ? `Key '${keyId}' does not exist`
          : `Key 'arn:aws:kms:${region}:${accountId}:${keyId.startsWith('alias/') ? keyId : `key/${keyId}`}' does not exist`,
      );
    }
    return key;
  }

  /** `GenerateMac`: the HMAC of the message under the key. */
  generateMac(request: MacRequest): GenerateMacResult {
    const { key, material, algorithm, message } = this.#prepare('GenerateMac', request);
    this.#dryRun(request);
    return { KeyId: key.arn, Mac: hmac(material, message), MacAlgorithm: algorithm };
  }

  /**
   * `VerifyMac`: whether `mac` is the HMAC of the message under the key.
   * @throws AwsServiceError `KMSInvalidMacException` when it is not, as KMS does.
   */
  verifyMac(request: MacRequest & { readonly mac: Buffer | undefined }): VerifyMacResult {
    const { key, material, algorithm, message } = this.#prepare('VerifyMac', request);
    const { mac } = request;
    if (mac === undefined) throw validation('mac', 'Member must not be null');
    if (mac.length < MAC_BYTES.min || mac.length > MAC_BYTES.max) {
      throw validation(
        'mac',
        `Member must have length between ${MAC_BYTES.min} and ${MAC_BYTES.max} bytes, got ${mac.length}`,
      );
    }
    this.#dryRun(request);
    const expected = hmac(material, message);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
      throw new AwsServiceError('KMSInvalidMacException', `the MAC does not verify with key ${key.arn}`);
    }
    return { KeyId: key.arn, MacValid: true, MacAlgorithm: algorithm };
  }

  #prepare(operation: string, request: MacRequest) {
    if (request.keyId === undefined || request.keyId === '')
      throw validation('keyId', 'Member must not be null');
    if (request.message === undefined) throw validation('message', 'Member must not be null');
    if (request.message.length < MAC_MESSAGE_BYTES.min || request.message.length > MAC_MESSAGE_BYTES.max) {
      throw validation(
        'message',
        `Member must have length between ${MAC_MESSAGE_BYTES.min} and ${MAC_MESSAGE_BYTES.max} bytes, got ${request.message.length}`,
      );
    }
    const algorithm = request.macAlgorithm;
    if (algorithm === undefined) throw validation('macAlgorithm', 'Member must not be null');
    if (!(MAC_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw validation('macAlgorithm', `Member must satisfy enum value set: [${MAC_ALGORITHMS.join(', ')}]`);
    }
    const key = this.findKey(request.keyId);
    if (!key.enabled) throw new AwsServiceError('DisabledException', `${key.arn} is disabled.`);
    if (key.keyUsage !== 'GENERATE_VERIFY_MAC' || !isHmacKeySpec(key.keySpec)) {
      throw new AwsServiceError(
        'InvalidKeyUsageException',
        `${key.arn} key usage is ${key.keyUsage} (key spec ${key.keySpec}) which is not valid for ${operation}; it needs an HMAC key with key usage GENERATE_VERIFY_MAC`,
      );
    }
    const material = this.#material.get(key.arn);
    if (algorithm !== LOCAL_MAC_ALGORITHM || material === undefined) {
      throw new AwsServiceError(
        'InvalidKeyUsageException',
        `the local KMS computes ${LOCAL_MAC_ALGORITHM} with HMAC_256 keys only; got ${algorithm} with ${key.arn} (key spec ${key.keySpec})`,
      );
    }
    return { key, material, algorithm, message: request.message };
  }

  #dryRun(request: MacRequest): void {
    if (request.dryRun === true) {
      throw new AwsServiceError(
        'DryRunOperationException',
        'The request would have succeeded, but the DryRun option is set.',
      );
    }
  }
}

function hmac(material: Buffer, message: Buffer): Buffer {
  return createHmac('sha256', material).update(message).digest();
}
