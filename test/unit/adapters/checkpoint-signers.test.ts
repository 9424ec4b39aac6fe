/**
 * The checkpoint signers: the Ed25519 key of a local state folder (made on
 * first use, kept, the same for processes that start together) and a KMS
 * ECC_NIST_P256 key that signs the SHA-256 digest; both verify offline with
 * node:crypto from the public key alone.
 *
 * The KMS stand-in signs the digest it is sent as KMS does (ECDSA over the
 * given digest, DER), with plain P-256 arithmetic: node:crypto cannot sign a
 * digest it did not hash, and the local KMS has no asymmetric keys.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import {
  CHECKPOINT_PRIVATE_KEY_FILE,
  CHECKPOINT_PUBLIC_KEY_FILE,
  Ed25519CheckpointSigner,
} from '../../../adapters/ed25519-checkpoint-signer.js';
import { KmsCheckpointSigner } from '../../../adapters/kms-checkpoint-signer.js';
import { AwfError } from '../../../core/errors.js';
import { publicKeyId, publicKeyVerifier } from '../../../core/lineage/checkpoint-signature.js';

// P-256 (FIPS 186-4, D.1.2.3); checked below against a key node:crypto made.
const P = BigInt('0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff');
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const G: Point = [
  BigInt('0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296'),
  BigInt('0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'),
];
type Point = readonly [bigint, bigint] | null;

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return mod(s0, m);
}
function add(a: Point, b: Point): Point {
  if (a === null) return b;
  if (b === null) return a;
  if (a[0] === b[0] && mod(a[1] + b[1], P) === 0n) return null;
  const l =
    a[0] === b[0]
      ? mod((3n * a[0] * a[0] - 3n) * inverse(2n * a[1], P), P)
      : mod((b[1] - a[1]) * inverse(b[0] - a[0], P), P);
  const x = mod(l * l - a[0] - b[0], P);
  return [x, mod(l * (a[0] - x) - a[1], P)];
}
function multiply(k: bigint, point: Point): Point {
  let result: Point = null;
  for (let bit = BigInt(k.toString(2).length - 1); bit >= 0n; bit--) {
    result = add(result, result);
    if ((k >> bit) & 1n) result = add(result, point);
  }
  return result;
}
const big = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex') || '0'}`);
function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}
/** ECDSA P-256 over a 32-byte digest, DER-encoded: what KMS Sign returns with MessageType DIGEST. */
function signDigest(digest: Buffer, privateKey: KeyObject): Buffer {
  const d = big(Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url'));
  const z = big(digest);
  for (;;) {
    const k = mod(big(randomBytes(32)), N);
    const r = k === 0n ? 0n : mod((multiply(k, G) as [bigint, bigint])[0], N);
    const s = mod(inverse(k, N) * (z + r * d), N);
    if (r === 0n || s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}

/** A KMS client answering GetPublicKey and Sign for one P-256 key; records what it was sent. */
function fakeKms(keySpec = 'ECC_NIST_P256') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sent: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      sent.push(command);
      if (command instanceof GetPublicKeyCommand) {
        return {
          KeySpec: keySpec,
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: ['ECDSA_SHA_256'],
          PublicKey: publicKey.export({ type: 'spki', format: 'der' }),
        };
      }
      if (command instanceof SignCommand) {
        const { Message, MessageType, SigningAlgorithm } = command.input;
        if (MessageType !== 'DIGEST' || SigningAlgorithm !== 'ECDSA_SHA_256' || Message?.length !== 32) {
          throw Object.assign(new Error('ValidationException'), { name: 'ValidationException' });
        }
        return { Signature: signDigest(Buffer.from(Message), privateKey) };
      }
      throw new Error(`unexpected command ${(command as object).constructor.name}`);
    },
  };
  return { client: client as unknown as KMSClient, publicKey, sent };
}

describe('the P-256 stand-in', () => {
  it('derives the public key node:crypto made, so its curve constants are right', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const d = big(Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url'));
    expect(multiply(d, G)).toEqual([
      big(Buffer.from(jwk.x as string, 'base64url')),
      big(Buffer.from(jwk.y as string, 'base64url')),
    ]);
  });
});

describe('KmsCheckpointSigner', () => {
  it('signs the SHA-256 digest with ECDSA_SHA_256, and the signature verifies offline over the bytes', async () => {
    const kms = fakeKms();
    const signer = new KmsCheckpointSigner({ client: kms.client, keyId: 'alias/awf-checkpoints' });
    const message = Buffer.from('{"checkpoint":"bytes"}');
    const signature = await signer.sign(message);
    expect(signature).toEqual({
      keyId: publicKeyId(kms.publicKey),
      algorithm: 'ecdsa-p256-sha256',
      signature: expect.any(String),
    });
    const verifier = publicKeyVerifier([await signer.publicKeyPem()]);
    expect(verifier.verify(message, signature)).toBe('valid');
    expect(verifier.verify(Buffer.from('{"checkpoint":"other"}'), signature)).toBe('invalid');
    const sign = kms.sent.find((c) => c instanceof SignCommand) as SignCommand;
    expect(sign.input).toEqual({
      KeyId: 'alias/awf-checkpoints',
      Message: createHash('sha256').update(message).digest(),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    await signer.sign(message);
    expect(kms.sent.filter((c) => c instanceof GetPublicKeyCommand)).toHaveLength(1);
  });

  it('fails on a key that is not an ECC_NIST_P256 signing key, naming it', async () => {
    const signer = new KmsCheckpointSigner({ client: fakeKms('RSA_2048').client, keyId: 'alias/wrong' });
    await expect(signer.keyId()).rejects.toThrow(
      new AwfError(
        'KMS key alias/wrong is RSA_2048 for SIGN_VERIFY; checkpoints are signed with an ECC_NIST_P256 key for SIGN_VERIFY',
      ),
    );
  });
});

describe('Ed25519CheckpointSigner', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'awf-checkpoint-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a key pair on first use, keeps it, and exports the public key', async () => {
    const stateDir = join(dir, 'checkpoints');
    const first = await Ed25519CheckpointSigner.open(stateDir);
    const again = await Ed25519CheckpointSigner.open(stateDir);
    expect(await again.keyId()).toBe(await first.keyId());
    expect(readFileSync(join(stateDir, CHECKPOINT_PUBLIC_KEY_FILE), 'utf8')).toBe(await first.publicKeyPem());
    expect(statSync(join(stateDir, CHECKPOINT_PRIVATE_KEY_FILE)).mode & 0o077).toBe(0);
    const signature = await first.sign(Buffer.from('bytes'));
    expect(
      publicKeyVerifier([readFileSync(join(stateDir, CHECKPOINT_PUBLIC_KEY_FILE), 'utf8')]).verify(
        Buffer.from('bytes'),
        signature,
      ),
    ).toBe('valid');
  });

  it('gives processes that start together one key', async () => {
    const signers = await Promise.all(Array.from({ length: 8 }, () => Ed25519CheckpointSigner.open(dir)));
    expect(new Set(await Promise.all(signers.map((s) => s.keyId()))).size).toBe(1);
  });
});
