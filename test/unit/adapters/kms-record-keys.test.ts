/**
 * The KMS record keys through the real @aws-sdk/client-kms against the local
 * KMS over HTTP: a record MAC made with one writer's key verifies under that
 * key only; a wrong or malformed MAC verifies as false (KMS's
 * `KMSInvalidMacException`), never as an error; a writer without a configured
 * key is an error naming it. The Lambda port reads its keys from `AWF_RECORD_KEYS`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KMSClient } from '@aws-sdk/client-kms';
import { jest } from '@jest/globals';
import { createKmsClient } from '../../../adapters/kms-keyed-hasher.js';
import { KmsRecordKeys } from '../../../adapters/kms-record-keys.js';
import { ConfigurationError } from '../../../core/errors.js';
import { ENV } from '../../../core/runtime-env.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { createRecordKeysPort } from '../../../lambdas/ports/recordKeys.js';
import { type LocalKmsService, startLocalKms } from '../../../local/kms/index.js';
import { localClientConfig } from '../../../local/process/aws-env.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const keyOf = (n: number) => {
  const keyId = `0b6c1f2e-1111-4222-8333-94445555000${n}`;
  return { keyId, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}` };
};
const PLAN = keyOf(1);
const DECIDE = keyOf(2);
const HASH = 'c'.repeat(64);

let stateDir: string;
let kms: LocalKmsService;
let client: KMSClient;
let keys: KmsRecordKeys;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'awf-kms-record-keys-'));
  kms = await startLocalKms({
    region: REGION,
    accountId: ACCOUNT,
    keys: [PLAN, DECIDE].map((key) => ({
      ...key,
      keySpec: 'HMAC_256',
      keyUsage: 'GENERATE_VERIFY_MAC',
      enabled: true,
      description: 'record key',
    })),
    stateDir,
  });
  client = createKmsClient(localClientConfig(kms.endpoint, REGION));
  keys = new KmsRecordKeys({ client, keyIds: { plan: PLAN.arn, 'decide-approval': DECIDE.arn } });
});

afterAll(async () => {
  client.destroy();
  await kms.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('KmsRecordKeys', () => {
  it('makes a 32-byte hex MAC that verifies under its writer key only', async () => {
    const mac = await keys.sign('decide-approval', HASH);
    expect(mac).toMatch(/^[0-9a-f]{64}$/);
    expect(await keys.verify('decide-approval', HASH, mac)).toBe(true);
    expect(await keys.verify('plan', HASH, mac)).toBe(false);
    expect(await keys.verify('decide-approval', 'd'.repeat(64), mac)).toBe(false);
  });

  it('verifies a malformed MAC as false without asking KMS', async () => {
    expect(await keys.verify('plan', HASH, 'not hex')).toBe(false);
    expect(await keys.verify('plan', HASH, '')).toBe(false);
  });

  it('asks KMS once for a MAC it remembers as verified, and again for one that failed', async () => {
    const remembering = new KmsRecordKeys({ client, keyIds: { plan: PLAN.arn }, verifiedMemoSize: 1 });
    const send = jest.spyOn(client, 'send');
    try {
      const mac = await remembering.sign('plan', HASH);
      const other = await remembering.sign('plan', 'd'.repeat(64));
      send.mockClear();
      expect(await remembering.verify('plan', HASH, mac)).toBe(true);
      expect(await remembering.verify('plan', HASH, mac)).toBe(true);
      expect(send).toHaveBeenCalledTimes(1);
      expect(await remembering.verify('plan', HASH, other)).toBe(false);
      expect(await remembering.verify('plan', HASH, other)).toBe(false);
      expect(send).toHaveBeenCalledTimes(3);
      // One remembered: verifying another MAC forgets the first.
      expect(await remembering.verify('plan', 'd'.repeat(64), other)).toBe(true);
      expect(await remembering.verify('plan', HASH, mac)).toBe(true);
      expect(send).toHaveBeenCalledTimes(5);
    } finally {
      send.mockRestore();
    }
  });

  it('asks KMS every time by default', async () => {
    const mac = await keys.sign('plan', HASH);
    const send = jest.spyOn(client, 'send');
    try {
      expect(await keys.verify('plan', HASH, mac)).toBe(true);
      expect(await keys.verify('plan', HASH, mac)).toBe(true);
      expect(send).toHaveBeenCalledTimes(2);
    } finally {
      send.mockRestore();
    }
  });

  it('refuses a memo size that is not a whole number', () => {
    expect(() => new KmsRecordKeys({ client, keyIds: {}, verifiedMemoSize: -1 })).toThrow(
      'verifiedMemoSize must be a non-negative integer, got -1',
    );
  });

  it('fails naming the writer whose key it was not given', async () => {
    await expect(keys.verify('ground', HASH, 'a'.repeat(64))).rejects.toThrow(
      'no record key of the ground step is configured (known: plan, decide-approval)',
    );
  });
});

describe('createRecordKeysPort', () => {
  const pack = {} as WorkflowPack;

  it(`reads the keys from ${ENV.recordKeys}, and fails naming it when unset or malformed`, () => {
    expect(
      createRecordKeysPort(pack, { [ENV.recordKeys]: JSON.stringify({ act: PLAN.arn, plan: DECIDE.arn }) }),
    ).toBeInstanceOf(KmsRecordKeys);
    expect(() => createRecordKeysPort(pack, {})).toThrow(ConfigurationError);
    expect(() => createRecordKeysPort(pack, { [ENV.recordKeys]: 'arn:aws:kms' })).toThrow(
      `${ENV.recordKeys} must be JSON`,
    );
    expect(() => createRecordKeysPort(pack, { [ENV.recordKeys]: '{"auditor":"arn"}' })).toThrow(
      `${ENV.recordKeys} must map step names to KMS key ids`,
    );
  });
});
