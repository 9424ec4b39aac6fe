/**
 * Checkpoint signing with an Ed25519 key kept in a local state folder: the
 * local cloud's and the tests' signer, where no KMS asymmetric key exists.
 *
 * The key pair is made on first use and kept as PEM files
 * (`checkpoint-key.pem`, private, readable by its owner only; and
 * `checkpoint-key.pub.pem`, what auditors are given). Two processes starting
 * at once agree on one key: it is linked into place only if none is there,
 * and the loser reads the winner's.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AwfError } from '../core/errors.js';
import type { CheckpointSignature } from '../core/lineage/checkpoint.js';
import { type CheckpointSigner, publicKeyId } from '../core/lineage/checkpoint-signature.js';

/** The private key's file in the state folder. */
export const CHECKPOINT_PRIVATE_KEY_FILE = 'checkpoint-key.pem';
/** The public key's file in the state folder. */
export const CHECKPOINT_PUBLIC_KEY_FILE = 'checkpoint-key.pub.pem';

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Reads the folder's private key, creating the pair when there is none. The
 * new key is written to a file of its own and hard-linked into place, which
 * fails if a key is already there: a reader never sees a half-written key.
 */
async function loadOrCreate(stateDir: string): Promise<KeyObject> {
  const privatePath = join(stateDir, CHECKPOINT_PRIVATE_KEY_FILE);
  let stored = await readIfThere(privatePath);
  if (stored === undefined) {
    await mkdir(stateDir, { recursive: true });
    const fresh = generateKeyPairSync('ed25519').privateKey;
    const staging = `${privatePath}.${randomUUID()}.tmp`;
    await writeFile(staging, fresh.export({ type: 'pkcs8', format: 'pem' }), { flag: 'wx', mode: 0o600 });
    try {
      await link(staging, privatePath);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    } finally {
      await rm(staging, { force: true });
    }
    stored = await readFile(privatePath, 'utf8');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(stored);
  } catch (error) {
    throw new AwfError(`${privatePath} does not hold a PEM private key: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new AwfError(
      `${privatePath} holds an ${key.asymmetricKeyType} key, not the Ed25519 key checkpoints are signed with`,
    );
  }
  // Derived from the private key every time, so the exported public key always matches it.
  await writeFile(
    join(stateDir, CHECKPOINT_PUBLIC_KEY_FILE),
    createPublicKey(key).export({ type: 'spki', format: 'pem' }),
  );
  return key;
}

/**
 * Signs checkpoints with the Ed25519 key of a state folder.
 *
 * @example
 * const signer = await Ed25519CheckpointSigner.open(join(stateDir, 'checkpoints'));
 * const signed = await signCheckpoint(checkpoint, [signer]);
 */
export class Ed25519CheckpointSigner implements CheckpointSigner {
  readonly algorithm = 'ed25519' as const;
  readonly #privateKey: KeyObject;
  readonly #publicKeyPem: string;
  readonly #keyId: string;

  private constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey;
    const publicKey = createPublicKey(privateKey);
    this.#publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.#keyId = publicKeyId(publicKey);
  }

  /**
   * The signer of the key pair in `stateDir`, made there on first use.
   * @throws AwfError when the folder's key file holds no Ed25519 private key; file system errors, unchanged.
   */
  static async open(stateDir: string): Promise<Ed25519CheckpointSigner> {
    return new Ed25519CheckpointSigner(await loadOrCreate(stateDir));
  }

  async keyId(): Promise<string> {
    return this.#keyId;
  }

  async publicKeyPem(): Promise<string> {
    return this.#publicKeyPem;
  }

  async sign(message: Uint8Array): Promise<CheckpointSignature> {
    return {
      keyId: this.#keyId,
      algorithm: this.algorithm,
      signature: sign(null, message, this.#privateKey).toString('base64'),
    };
  }
}
