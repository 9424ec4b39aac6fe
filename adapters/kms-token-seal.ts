/**
 * Task tokens sealed with a KMS symmetric key: `Encrypt` with the approval id
 * as encryption context to seal, `Decrypt` with the same context to open. IAM
 * decides who may do which: the request step's role may only `kms:Encrypt`
 * with the key, the decide step's only `kms:Decrypt`, both only with an
 * `approvalId` encryption context (`lib/grants/keys.ts`). The context binds a
 * sealed token to its approval: one moved to another approval's item fails to
 * open (`InvalidCiphertextException`).
 */
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { AwfError } from '../core/errors.js';
import type { TaskTokenSeal } from '../core/ports.js';

/** The prefix of the tokens this seal makes: the version of the format, then the CiphertextBlob in base64. */
export const KMS_SEALED_PREFIX = 'kms:v1:';

/** The encryption context key a sealed token is bound to its approval with. */
export const TOKEN_CONTEXT_KEY = 'approvalId';

/** Options of {@link KmsTaskTokenSeal}. */
export interface KmsTaskTokenSealOptions {
  readonly client: KMSClient;
  /** The symmetric key: its id, ARN, alias name or alias ARN. */
  readonly keyId: string;
}

/**
 * Seals and opens task tokens under a KMS symmetric encryption key, as
 * `kms:v1:<base64 CiphertextBlob>`.
 *
 * @example
 * const tokens = new KmsTaskTokenSeal({ client: createKmsClient(), keyId: process.env.AWF_TOKEN_KEY_ID });
 * const sealed = await tokens.seal(approvalId, taskToken);
 */
export class KmsTaskTokenSeal implements TaskTokenSeal {
  readonly #client: KMSClient;
  readonly #keyId: string;

  constructor(options: KmsTaskTokenSealOptions) {
    if (options.keyId === '') throw new AwfError('keyId must name a KMS symmetric key, got ""');
    this.#client = options.client;
    this.#keyId = options.keyId;
  }

  /** @throws the SDK's named KMS errors (`NotFoundException`, `InvalidKeyUsageException`, `AccessDeniedException`), unchanged. */
  async seal(approvalId: string, token: string): Promise<string> {
    const output = await this.#client.send(
      new EncryptCommand({
        KeyId: this.#keyId,
        Plaintext: Buffer.from(token, 'utf8'),
        EncryptionContext: { [TOKEN_CONTEXT_KEY]: approvalId },
      }),
    );
    if (output.CiphertextBlob === undefined || output.CiphertextBlob.length === 0) {
      throw new AwfError(`KMS Encrypt with key ${this.#keyId} returned no CiphertextBlob`);
    }
    return `${KMS_SEALED_PREFIX}${Buffer.from(output.CiphertextBlob).toString('base64')}`;
  }

  /**
   * The key is named in the request (`KeyId`), so a blob of another key is
   * refused (`IncorrectKeyException`) rather than decrypted with it.
   * @throws AwfError when `sealed` is not `kms:v1:...`; the SDK's named KMS
   *   errors (`InvalidCiphertextException` for another approval's or an
   *   altered token), unchanged.
   */
  async open(approvalId: string, sealed: string): Promise<string> {
    if (!sealed.startsWith(KMS_SEALED_PREFIX)) {
      throw new AwfError(
        `the task token of approval "${approvalId}" is not sealed with KMS (expected ${KMS_SEALED_PREFIX}...)`,
      );
    }
    const output = await this.#client.send(
      new DecryptCommand({
        KeyId: this.#keyId,
        CiphertextBlob: Buffer.from(sealed.slice(KMS_SEALED_PREFIX.length), 'base64'),
        EncryptionContext: { [TOKEN_CONTEXT_KEY]: approvalId },
      }),
    );
    if (output.Plaintext === undefined) {
      throw new AwfError(`KMS Decrypt with key ${this.#keyId} returned no Plaintext`);
    }
    return Buffer.from(output.Plaintext).toString('utf8');
  }
}
