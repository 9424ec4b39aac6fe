/**
 * The local KMS's operations, `GenerateMac` and `VerifyMac` on the template's
 * HMAC keys, `Encrypt` and `Decrypt` on its symmetric encryption keys, with
 * KMS's checks and error codes: an unknown key is `NotFoundException`, a key
 * of another usage `InvalidKeyUsageException`, a disabled one
 * `DisabledException`, an empty or oversized message or plaintext
 * `ValidationException`, a ciphertext that does not decrypt (altered, or
 * another encryption context) `InvalidCiphertextException`, and one of
 * another key than the `KeyId` named `IncorrectKeyException`. Only
 * `HMAC_SHA_256` on `HMAC_256` keys and `SYMMETRIC_DEFAULT` on
 * `SYMMETRIC_DEFAULT` keys are computed; another algorithm is refused naming
 * what the local KMS supports.
 *
 * A local ciphertext blob is `01 | length of the key ARN | key ARN | IV (12) |
 * GCM tag (16) | AES-256-GCM ciphertext`; the header and the encryption
 * context (canonical JSON, keys sorted) are its additional authenticated
 * data, so neither can be changed without `Decrypt` refusing it.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
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

/** KMS's bounds on a plaintext to encrypt, in bytes. */
export const PLAINTEXT_BYTES = { min: 1, max: 4096 } as const;
/** KMS's bounds on a ciphertext blob to decrypt, in bytes. */
export const CIPHERTEXT_BYTES = { min: 1, max: 6144 } as const;
/** The one encryption algorithm of symmetric keys. */
export const LOCAL_ENCRYPTION_ALGORITHM = 'SYMMETRIC_DEFAULT';
/** Every `EncryptionAlgorithmSpec` KMS knows. */
export const ENCRYPTION_ALGORITHMS = [
  'SYMMETRIC_DEFAULT',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'SM2PKE',
] as const;

const BLOB_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** An `Encrypt` request, with the plaintext decoded. */
export interface EncryptRequest {
  readonly keyId: string | undefined;
  readonly plaintext: Buffer | undefined;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  readonly encryptionAlgorithm?: string;
  readonly dryRun?: boolean;
}

/** What `Encrypt` answers. */
export interface EncryptResult {
  readonly KeyId: string;
  readonly CiphertextBlob: Buffer;
  readonly EncryptionAlgorithm: string;
}

/** A `Decrypt` request, with the blob decoded. */
export interface DecryptRequest {
  /** Optional for symmetric keys: the blob names its key; when given, it must be that key. */
  readonly keyId?: string;
  readonly ciphertextBlob: Buffer | undefined;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  readonly encryptionAlgorithm?: string;
  readonly dryRun?: boolean;
}

/** What `Decrypt` answers. */
export interface DecryptResult {
  readonly KeyId: string;
  readonly Plaintext: Buffer;
  readonly EncryptionAlgorithm: string;
}

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
      config.keys.filter(
        (key) =>
          key.keySpec === 'HMAC_256' ||
          (key.keySpec === 'SYMMETRIC_DEFAULT' && key.keyUsage === 'ENCRYPT_DECRYPT'),
      ),
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

  /** `Encrypt`: the plaintext under a symmetric key, bound to the encryption context. */
  encrypt(request: EncryptRequest): EncryptResult {
    if (request.keyId === undefined || request.keyId === '')
      throw validation('keyId', 'Member must not be null');
    const { plaintext } = request;
    if (plaintext === undefined) throw validation('plaintext', 'Member must not be null');
    if (plaintext.length < PLAINTEXT_BYTES.min || plaintext.length > PLAINTEXT_BYTES.max) {
      throw validation(
        'plaintext',
        `Member must have length between ${PLAINTEXT_BYTES.min} and ${PLAINTEXT_BYTES.max} bytes, got ${plaintext.length}`,
      );
    }
    const { key, material, algorithm } = this.#encryptionKey(
      'Encrypt',
      request.keyId,
      request.encryptionAlgorithm,
    );
    this.#dryRun(request);
    const arn = Buffer.from(key.arn, 'utf8');
    if (arn.length > 255) throw new AwsServiceError('InternalFailure', `key ARN too long: ${key.arn}`, 500);
    const header = Buffer.concat([Buffer.from([BLOB_VERSION, arn.length]), arn]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', material, iv);
    cipher.setAAD(additionalData(header, request.encryptionContext));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      KeyId: key.arn,
      CiphertextBlob: Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]),
      EncryptionAlgorithm: algorithm,
    };
  }

  /**
   * `Decrypt`: the plaintext of a blob `Encrypt` made, given the same encryption context.
   * @throws AwsServiceError `InvalidCiphertextException` when the blob is not
   *   one of this KMS's, was altered, or the context differs;
   *   `IncorrectKeyException` when `keyId` names another key than the blob's.
   */
  decrypt(request: DecryptRequest): DecryptResult {
    const blob = request.ciphertextBlob;
    if (blob === undefined) throw validation('ciphertextBlob', 'Member must not be null');
    if (blob.length < CIPHERTEXT_BYTES.min || blob.length > CIPHERTEXT_BYTES.max) {
      throw validation(
        'ciphertextBlob',
        `Member must have length between ${CIPHERTEXT_BYTES.min} and ${CIPHERTEXT_BYTES.max} bytes, got ${blob.length}`,
      );
    }
    const invalid = () => new AwsServiceError('InvalidCiphertextException', 'The ciphertext is invalid.');
    const arnLength = blob[1] ?? 0;
    const headerLength = 2 + arnLength;
    if (blob[0] !== BLOB_VERSION || blob.length <= headerLength + IV_BYTES + TAG_BYTES) throw invalid();
    const blobArn = blob.subarray(2, headerLength).toString('utf8');
    const blobKey = this.#config.keys.find((k) => k.arn === blobArn);
    if (blobKey === undefined) throw invalid();
    if (
      request.keyId !== undefined &&
      request.keyId !== '' &&
      this.findKey(request.keyId).arn !== blobKey.arn
    ) {
      throw new AwsServiceError(
        'IncorrectKeyException',
        `The key ID in the request does not identify the KMS key that was used to encrypt the ciphertext (${blobKey.arn}).`,
      );
    }
    const { key, material, algorithm } = this.#encryptionKey(
      'Decrypt',
      blobKey.arn,
      request.encryptionAlgorithm,
    );
    this.#dryRun(request);
    const ivAt = headerLength;
    const tagAt = ivAt + IV_BYTES;
    try {
      const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(ivAt, tagAt));
      decipher.setAAD(additionalData(blob.subarray(0, headerLength), request.encryptionContext));
      decipher.setAuthTag(blob.subarray(tagAt, tagAt + TAG_BYTES));
      const plaintext = Buffer.concat([decipher.update(blob.subarray(tagAt + TAG_BYTES)), decipher.final()]);
      return { KeyId: key.arn, Plaintext: plaintext, EncryptionAlgorithm: algorithm };
    } catch {
      throw invalid();
    }
  }

  /** The symmetric encryption key `keyId` names, its material and the algorithm. */
  #encryptionKey(operation: string, keyId: string, encryptionAlgorithm: string | undefined) {
    const algorithm = encryptionAlgorithm ?? LOCAL_ENCRYPTION_ALGORITHM;
    if (!(ENCRYPTION_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw validation(
        'encryptionAlgorithm',
        `Member must satisfy enum value set: [${ENCRYPTION_ALGORITHMS.join(', ')}]`,
      );
    }
    const key = this.findKey(keyId);
    if (!key.enabled) throw new AwsServiceError('DisabledException', `${key.arn} is disabled.`);
    if (key.keyUsage !== 'ENCRYPT_DECRYPT') {
      throw new AwsServiceError(
        'InvalidKeyUsageException',
        `${key.arn} key usage is ${key.keyUsage} (key spec ${key.keySpec}) which is not valid for ${operation}; it needs a key with key usage ENCRYPT_DECRYPT`,
      );
    }
    const material = this.#material.get(key.arn);
    if (
      key.keySpec !== 'SYMMETRIC_DEFAULT' ||
      algorithm !== LOCAL_ENCRYPTION_ALGORITHM ||
      material === undefined
    ) {
      throw new AwsServiceError(
        'InvalidKeyUsageException',
        `the local KMS encrypts with ${LOCAL_ENCRYPTION_ALGORITHM} on SYMMETRIC_DEFAULT keys only; got ${algorithm} with ${key.arn} (key spec ${key.keySpec})`,
      );
    }
    return { key, material, algorithm };
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

  #dryRun(request: { readonly dryRun?: boolean }): void {
    if (request.dryRun === true) {
      throw new AwsServiceError(
        'DryRunOperationException',
        'The request would have succeeded, but the DryRun option is set.',
      );
    }
  }
}

/** The header and the encryption context, as canonical JSON (keys sorted): what a blob is bound to. */
function additionalData(header: Buffer, context: Readonly<Record<string, string>> | undefined): Buffer {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.concat([header, Buffer.from(JSON.stringify(entries), 'utf8')]);
}

function hmac(material: Buffer, message: Buffer): Buffer {
  return createHmac('sha256', material).update(message).digest();
}
