/**
 * Checkpoint signing with a KMS asymmetric key (`ECC_NIST_P256`,
 * `SIGN_VERIFY`): the private key never leaves KMS, and only the
 * checkpointer's role may `kms:Sign` with it.
 *
 * The checkpoint's canonical bytes are hashed here and KMS signs the SHA-256
 * digest (`MessageType: DIGEST`, `ECDSA_SHA_256`): a checkpoint may be larger
 * than the 4 KB KMS accepts as a raw message, and ECDSA over a digest is the
 * same signature as ECDSA_SHA_256 over the bytes, so auditors verify it with
 * the public key alone (node:crypto, `verify('sha256', bytes, key, der)`).
 * KMS returns the signature DER-encoded (ANSI X9.62), which is what
 * node:crypto verifies by default.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { AwfError } from '../core/errors.js';
import type { CheckpointSignature } from '../core/lineage/checkpoint.js';
import { type CheckpointSigner, publicKeyId } from '../core/lineage/checkpoint-signature.js';

/** What the KMS key must be. */
const KEY_SPEC = 'ECC_NIST_P256';
const SIGNING_ALGORITHM = 'ECDSA_SHA_256';

/** Options of {@link KmsCheckpointSigner}. */
export interface KmsCheckpointSignerOptions {
  readonly client: KMSClient;
  /** The key's id, ARN or alias. */
  readonly keyId: string;
}

/** The public half of the key, as read once. */
interface PublicHalf {
  readonly pem: string;
  readonly keyId: string;
}

/**
 * Signs checkpoints with a KMS ECC_NIST_P256 key, ECDSA_SHA_256 over the
 * SHA-256 digest of the checkpoint's bytes.
 *
 * @example
 * const signer = new KmsCheckpointSigner({ client: createKmsClient(), keyId: checkpointKeyArn });
 * const signed = await signCheckpoint(checkpoint, [signer]);
 */
export class KmsCheckpointSigner implements CheckpointSigner {
  readonly algorithm = 'ecdsa-p256-sha256' as const;
  readonly #client: KMSClient;
  readonly #kmsKeyId: string;
  #publicHalf: Promise<PublicHalf> | undefined;

  constructor(options: KmsCheckpointSignerOptions) {
    this.#client = options.client;
    this.#kmsKeyId = options.keyId;
  }

  /** @throws AwfError when the key is not an ECC_NIST_P256 signing key; the SDK's KMS errors, unchanged. */
  async keyId(): Promise<string> {
    return (await this.#public()).keyId;
  }

  /** @throws AwfError when the key is not an ECC_NIST_P256 signing key; the SDK's KMS errors, unchanged. */
  async publicKeyPem(): Promise<string> {
    return (await this.#public()).pem;
  }

  /** @throws AwfError when KMS returns no signature; the SDK's KMS errors, unchanged. */
  async sign(message: Uint8Array): Promise<CheckpointSignature> {
    const { keyId } = await this.#public();
    const output = await this.#client.send(
      new SignCommand({
        KeyId: this.#kmsKeyId,
        Message: createHash('sha256').update(message).digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: SIGNING_ALGORITHM,
      }),
    );
    if (output.Signature === undefined || output.Signature.length === 0) {
      throw new AwfError(`KMS Sign with checkpoint key ${this.#kmsKeyId} returned no signature`);
    }
    return { keyId, algorithm: this.algorithm, signature: Buffer.from(output.Signature).toString('base64') };
  }

  #public(): Promise<PublicHalf> {
    // Read once; a failed read is not kept, so the next call asks again.
    this.#publicHalf ??= this.#readPublic().catch((error: unknown) => {
      this.#publicHalf = undefined;
      throw error;
    });
    return this.#publicHalf;
  }

  async #readPublic(): Promise<PublicHalf> {
    const output = await this.#client.send(new GetPublicKeyCommand({ KeyId: this.#kmsKeyId }));
    const where = `KMS key ${this.#kmsKeyId}`;
    if (output.KeySpec !== KEY_SPEC || output.KeyUsage !== 'SIGN_VERIFY') {
      throw new AwfError(
        `${where} is ${output.KeySpec} for ${output.KeyUsage}; checkpoints are signed with an ${KEY_SPEC} key for SIGN_VERIFY`,
      );
    }
    if (!output.SigningAlgorithms?.includes(SIGNING_ALGORITHM)) {
      throw new AwfError(
        `${where} does not offer ${SIGNING_ALGORITHM} (it offers ${output.SigningAlgorithms?.join(', ') ?? 'nothing'})`,
      );
    }
    if (output.PublicKey === undefined) throw new AwfError(`${where}: GetPublicKey returned no public key`);
    const key = createPublicKey({ key: Buffer.from(output.PublicKey), format: 'der', type: 'spki' });
    return { pem: key.export({ type: 'spki', format: 'pem' }).toString(), keyId: publicKeyId(key) };
  }
}
