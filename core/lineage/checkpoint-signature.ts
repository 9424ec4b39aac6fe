/**
 * Signing checkpoints, and checking their signatures offline.
 *
 * Signing is a port: Ed25519 with a key kept in the local state folder
 * (`adapters/ed25519-checkpoint-signer.ts`), or a KMS asymmetric key in AWS
 * (`adapters/kms-checkpoint-signer.ts`), whose private half never leaves KMS.
 * Verifying needs only the public keys, with node:crypto: an auditor checks
 * checkpoints without AWS credentials, and without trusting the platform.
 *
 * A key is named by its fingerprint, `sha256:<hex of SHA-256 of its SPKI
 * DER>`, never by a KMS ARN: a fingerprint names the key itself, so a
 * signature cannot claim a key id that belongs to another key.
 *
 * While a key is rotated, a checkpoint names both keys and carries both
 * signatures: an auditor holding either public key verifies it.
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  type Checkpoint,
  type CheckpointSignature,
  type CheckpointSignatureAlgorithm,
  checkpointBytes,
  type SignedCheckpoint,
} from './checkpoint.js';
import { CheckpointError } from './checkpoint-errors.js';

/** Port: signs checkpoints with one private key. */
export interface CheckpointSigner {
  readonly algorithm: CheckpointSignatureAlgorithm;
  /** The fingerprint of the signer's public key ({@link publicKeyId}). */
  keyId(): Promise<string>;
  /** The signer's public key, SPKI PEM: what auditors are given. */
  publicKeyPem(): Promise<string>;
  /** The signature of `message` (a checkpoint's canonical bytes). */
  sign(message: Uint8Array): Promise<CheckpointSignature>;
}

/** What checking one signature found. */
export type SignatureVerdict = 'valid' | 'invalid' | 'unknown-key';

/** Port: checks signatures against the public keys an auditor trusts. */
export interface CheckpointVerifier {
  /** The fingerprints of the trusted keys. */
  readonly keyIds: readonly string[];
  /** `unknown-key` for a signature by a key not trusted; `invalid` for one that does not verify. */
  verify(message: Uint8Array, signature: CheckpointSignature): SignatureVerdict;
}

/** The fingerprint of a public key: `sha256:` and the hex SHA-256 of its SPKI DER. */
export function publicKeyId(publicKey: string | KeyObject): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const der = key.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

function algorithmOf(key: KeyObject): CheckpointSignatureAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ecdsa-p256-sha256';
  }
  return undefined;
}

/**
 * A verifier holding the given public keys (SPKI PEM): Ed25519, or ECDSA on
 * P-256 with SHA-256 and DER signatures (what KMS returns).
 *
 * @throws CheckpointError naming a key that is not PEM, or of another type.
 * @example
 * const verifier = publicKeyVerifier([readFileSync('checkpoint-key.pub.pem', 'utf8')]);
 */
export function publicKeyVerifier(publicKeysPem: readonly string[]): CheckpointVerifier {
  const keys = new Map<string, { key: KeyObject; algorithm: CheckpointSignatureAlgorithm }>();
  publicKeysPem.forEach((pem, i) => {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch (error) {
      throw new CheckpointError(`public key ${i} is not a PEM public key: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const algorithm = algorithmOf(key);
    if (algorithm === undefined) {
      throw new CheckpointError(
        `public key ${i} is ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trimEnd() +
          ', not Ed25519 or ECDSA P-256: checkpoints are not signed with it',
      );
    }
    keys.set(publicKeyId(key), { key, algorithm });
  });
  return {
    keyIds: [...keys.keys()],
    verify(message, signature) {
      const trusted = keys.get(signature.keyId);
      if (trusted === undefined) return 'unknown-key';
      if (trusted.algorithm !== signature.algorithm) return 'invalid';
      try {
        const bytes = Buffer.from(signature.signature, 'base64');
        const ok =
          signature.algorithm === 'ed25519'
            ? verify(null, message, trusted.key, bytes)
            : verify('sha256', message, { key: trusted.key, dsaEncoding: 'der' }, bytes);
        return ok ? 'valid' : 'invalid';
      } catch {
        // A signature that is not even DER is as invalid as one that does not verify.
        return 'invalid';
      }
    },
  };
}

/**
 * Signs a checkpoint with every key it names (`keyIds`), in that order.
 *
 * @throws CheckpointError when the signers are not exactly the keys the checkpoint names.
 */
export async function signCheckpoint(
  checkpoint: Checkpoint,
  signers: readonly CheckpointSigner[],
): Promise<SignedCheckpoint> {
  const byId = new Map<string, CheckpointSigner>();
  for (const signer of signers) byId.set(await signer.keyId(), signer);
  const given = [...byId.keys()].sort();
  if (given.join(',') !== [...checkpoint.keyIds].sort().join(',')) {
    throw new CheckpointError(
      `checkpoint ${checkpoint.sequence} names keys ${checkpoint.keyIds.join(', ')}, but the signers hold ${given.join(', ') || 'none'}`,
    );
  }
  const message = checkpointBytes(checkpoint);
  const signatures: CheckpointSignature[] = [];
  for (const keyId of checkpoint.keyIds)
    signatures.push(await (byId.get(keyId) as CheckpointSigner).sign(message));
  return { checkpoint, signatures };
}

/** What the signatures of one checkpoint show. */
export interface SignatureCheck {
  /** Authentic, and nothing else wrong with the signatures. */
  readonly ok: boolean;
  /**
   * At least one signature verifies under a trusted key, and none by a
   * trusted key fails: the document is the one the key holder signed, and
   * may be used as evidence (even with another key's signature missing).
   */
  readonly authentic: boolean;
  /** The trusted keys whose signature verifies. */
  readonly verifiedBy: readonly string[];
  readonly problems: readonly string[];
}

/**
 * Checks a signed checkpoint's signatures: each signature by a trusted key
 * must verify, every key the checkpoint names must have signed, no
 * signature may come from a key it does not name, and at least one must
 * verify under a trusted key. A signature by a key the auditor does not hold
 * is neither counted nor held against it.
 */
export function checkCheckpointSignatures(
  signed: SignedCheckpoint,
  verifier: CheckpointVerifier,
): SignatureCheck {
  const { checkpoint, signatures } = signed;
  const message = checkpointBytes(checkpoint);
  const problems: string[] = [];
  const verifiedBy: string[] = [];
  let failed = false;
  for (const signature of signatures) {
    if (!checkpoint.keyIds.includes(signature.keyId)) {
      problems.push(`signed by key ${signature.keyId}, which the checkpoint does not name`);
      continue;
    }
    const verdict = verifier.verify(message, signature);
    if (verdict === 'valid') verifiedBy.push(signature.keyId);
    if (verdict === 'invalid') {
      failed = true;
      problems.push(`the ${signature.algorithm} signature of key ${signature.keyId} does not verify`);
    }
  }
  for (const keyId of checkpoint.keyIds) {
    if (!signatures.some((s) => s.keyId === keyId)) {
      problems.push(`no signature of key ${keyId}, which the checkpoint names`);
    }
  }
  if (verifiedBy.length === 0 && problems.length === 0) {
    problems.push(
      `no signature by a trusted key: signed by ${checkpoint.keyIds.join(', ')}; trusted: ${verifier.keyIds.join(', ') || 'none'}`,
    );
  }
  const authentic = verifiedBy.length > 0 && !failed;
  return { ok: authentic && problems.length === 0, authentic, verifiedBy, problems };
}
