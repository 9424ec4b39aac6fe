/**
 * The KMS keyed hasher through the real @aws-sdk/client-kms against the local
 * KMS over HTTP: the hash is HMAC-SHA-256 of the value under the key, as
 * lowercase hex (the same as the in-process hasher's under the same
 * material), remembered per value within bounds, and KMS's errors keep their
 * names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KMSClient } from '@aws-sdk/client-kms';
import {
  createKmsClient,
  KeyedHashInputError,
  KmsKeyedHasher,
  MAX_MAC_MESSAGE_BYTES,
} from '../../../adapters/kms-keyed-hasher.js';
import { InMemoryKeyedHasher } from '../../../adapters/memory-keyed-hasher.js';
import { ConfigurationError } from '../../../core/errors.js';
import { ENV } from '../../../core/runtime-env.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { createKeysPort } from '../../../lambdas/ports/keys.js';
import { type LocalKmsService, loadKeyMaterial, startLocalKms } from '../../../local/kms/index.js';
import { localAwsEnvironment, localClientConfig } from '../../../local/process/aws-env.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const KEY_ID = '0b6c1f2e-1111-4222-8333-944455556666';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;

let stateDir: string;
let kms: LocalKmsService;
let client: KMSClient;
/** GenerateMac requests the client sent. */
let sent: number;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'awf-kms-hasher-'));
  kms = await startLocalKms({
    region: REGION,
    accountId: ACCOUNT,
    keys: [
      {
        keyId: KEY_ID,
        arn: KEY_ARN,
        keySpec: 'HMAC_256',
        keyUsage: 'GENERATE_VERIFY_MAC',
        enabled: true,
        description: 'history key',
      },
    ],
    stateDir,
  });
  client = createKmsClient(localClientConfig(kms.endpoint, REGION));
  client.middlewareStack.add(
    (next) => (args) => {
      sent += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
});

beforeEach(() => {
  sent = 0;
});

afterAll(async () => {
  client.destroy();
  await kms.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('KmsKeyedHasher', () => {
  it('hashes to lowercase hex HMAC-SHA-256 under the key, as the in-process hasher does with the same material', async () => {
    const material = loadKeyMaterial([{ arn: KEY_ARN, keySpec: 'HMAC_256' }], stateDir).get(KEY_ARN);
    if (material === undefined) throw new Error('no material kept for the key');
    const hasher = new KmsKeyedHasher({ client, keyId: KEY_ARN });
    const hash = await hasher.hash('cus_123');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(await new InMemoryKeyedHasher(material).hash('cus_123'));
    expect(await hasher.hash('ana@example.com')).not.toBe(hash);
  });

  it('gives the same hash whether the key is named by id or ARN', async () => {
    const byId = await new KmsKeyedHasher({ client, keyId: KEY_ID }).hash('ana@example.com');
    const byArn = await new KmsKeyedHasher({ client, keyId: KEY_ARN }).hash('ana@example.com');
    expect(byId).toBe(byArn);
  });

  it('asks KMS once per value, even for concurrent calls', async () => {
    const hasher = new KmsKeyedHasher({ client, keyId: KEY_ARN });
    const hashes = await Promise.all([hasher.hash('cus_1'), hasher.hash('cus_1'), hasher.hash('cus_2')]);
    expect(await hasher.hash('cus_1')).toBe(hashes[0]);
    expect(sent).toBe(2);
  });

  it('remembers a bounded number of values, dropping the least recently used first', async () => {
    const hasher = new KmsKeyedHasher({ client, keyId: KEY_ARN, memoSize: 2 });
    await hasher.hash('a');
    await hasher.hash('b');
    await hasher.hash('a'); // a is now the most recent
    await hasher.hash('c'); // drops b
    expect(sent).toBe(3);
    await hasher.hash('a');
    await hasher.hash('c');
    expect(sent).toBe(3);
    await hasher.hash('b');
    expect(sent).toBe(4);
  });

  it('fails with KMS error names and does not remember a failure', async () => {
    const unknown = new KmsKeyedHasher({ client, keyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/nope` });
    await expect(unknown.hash('cus_1')).rejects.toMatchObject({ name: 'NotFoundException' });
    await expect(unknown.hash('cus_1')).rejects.toMatchObject({ name: 'NotFoundException' });
    expect(sent).toBe(2);
  });

  it('fails without asking KMS for a value KMS cannot take: empty, or longer than 4096 bytes', async () => {
    const hasher = new KmsKeyedHasher({ client, keyId: KEY_ARN });
    await expect(hasher.hash('')).rejects.toThrow(KeyedHashInputError);
    await expect(hasher.hash('é'.repeat(MAX_MAC_MESSAGE_BYTES / 2 + 1))).rejects.toThrow(
      'a keyed hash takes 1 to 4096 bytes of UTF-8, got 4098',
    );
    expect(await hasher.hash('x'.repeat(MAX_MAC_MESSAGE_BYTES))).toMatch(/^[0-9a-f]{64}$/);
    expect(sent).toBe(1);
  });
});

describe('createKeysPort', () => {
  it(`reads the key from ${ENV.historyKeyId}, and fails naming it when unset`, () => {
    // The port does not read the pack: no key depends on the workflow.
    const pack = {} as WorkflowPack;
    expect(createKeysPort(pack, { [ENV.historyKeyId]: KEY_ARN })).toBeInstanceOf(KmsKeyedHasher);
    expect(() => createKeysPort(pack, {})).toThrow(ConfigurationError);
    expect(() => createKeysPort(pack, {})).toThrow(ENV.historyKeyId);
  });

  it('reaches the local KMS through the environment the local Lambda host gives a function', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, localAwsEnvironment({ kms: kms.endpoint }, REGION), {
        [ENV.historyKeyId]: KEY_ARN,
      });
      const hash = await createKeysPort({} as WorkflowPack).hash('cus_123');
      expect(hash).toBe(await new KmsKeyedHasher({ client, keyId: KEY_ARN }).hash('cus_123'));
    } finally {
      process.env = saved;
    }
  });
});
