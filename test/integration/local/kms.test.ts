/**
 * The local KMS through the real @aws-sdk/client-kms: GenerateMac and
 * VerifyMac on the HMAC keys of the synthesized data stack, Encrypt and
 * Decrypt on its symmetric keys (the task token key, through the adapter
 * the steps use too), addressed as the
 * template's `Ref` and `Fn::GetAtt .Arn` resolve them; bad requests refused
 * with KMS's error names and a message saying what was wrong; key material
 * kept (0600) in the state folder, so a second start on it gives the same MACs.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DecryptCommand,
  EncryptCommand,
  GenerateMacCommand,
  type GenerateMacCommandInput,
  KMSClient,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { KMS_SEALED_PREFIX, KmsTaskTokenSeal } from '../../../adapters/kms-token-seal.js';
import { AwfDataStack } from '../../../lib/data-stack.js';
import {
  keyMaterialPath,
  kmsFromTemplate,
  type LocalKmsConfig,
  type LocalKmsService,
  startLocalKms,
} from '../../../local/kms/index.js';
import { localClientConfig } from '../../../local/process/aws-env.js';
import { type LocalTemplate, templateFromStacks } from '../../../local/template/index.js';

const ENV = { account: '123456789012', region: 'us-east-1' };
const MESSAGE = Buffer.from('cus_123', 'utf8');

let template: LocalTemplate;
let config: LocalKmsConfig;
let historyKeyArn: string;
let historyKeyId: string;
let dataKeyArn: string;
let tokenKeyArn: string;
let tokenKeyId: string;
const started: { service: LocalKmsService; client: KMSClient }[] = [];
const folders: string[] = [];

function newStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'awf-kms-'));
  folders.push(dir);
  return dir;
}

async function start(stateDir?: string): Promise<KMSClient> {
  const service = await startLocalKms({ ...config, ...(stateDir === undefined ? {} : { stateDir }) });
  const client = new KMSClient({ ...localClientConfig(service.endpoint, ENV.region), maxAttempts: 1 });
  started.push({ service, client });
  return client;
}

async function stopAll(): Promise<void> {
  for (const { service, client } of started.splice(0)) {
    client.destroy();
    await service.stop();
  }
}

const generateMac = (client: KMSClient, input: Partial<GenerateMacCommandInput> = {}) =>
  client.send(
    new GenerateMacCommand({
      KeyId: historyKeyArn,
      Message: MESSAGE,
      MacAlgorithm: 'HMAC_SHA_256',
      ...input,
    }),
  );

beforeAll(() => {
  const app = new App();
  const data = new AwfDataStack(app, 'AwfData', { env: ENV });
  template = templateFromStacks([
    { stackName: 'AwfData', template: Template.fromStack(data).toJSON(), ...ENV },
  ]);
  config = kmsFromTemplate(template);
  const logicalId = (key: typeof data.key) => data.getLogicalId(key.node.defaultChild as never);
  historyKeyArn = template.resolveString({ 'Fn::GetAtt': [logicalId(data.historyKey), 'Arn'] }, 'AwfData');
  historyKeyId = template.resolveString({ Ref: logicalId(data.historyKey) }, 'AwfData');
  dataKeyArn = template.resolveString({ 'Fn::GetAtt': [logicalId(data.key), 'Arn'] }, 'AwfData');
  tokenKeyArn = template.resolveString({ 'Fn::GetAtt': [logicalId(data.tokenKey), 'Arn'] }, 'AwfData');
  tokenKeyId = template.resolveString({ Ref: logicalId(data.tokenKey) }, 'AwfData');
});

afterEach(stopAll);

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('local KMS: the template keys', () => {
  it('knows the data stack keys: the history key as HMAC, the data key as symmetric', () => {
    const byArn = new Map(config.keys.map((key) => [key.arn, key]));
    expect(byArn.get(historyKeyArn)).toMatchObject({
      keyId: historyKeyId,
      keySpec: 'HMAC_256',
      keyUsage: 'GENERATE_VERIFY_MAC',
      enabled: true,
    });
    expect(byArn.get(dataKeyArn)).toMatchObject({
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
    });
  });

  it('computes a MAC that VerifyMac accepts, with the key named by its Ref or its Arn', async () => {
    const client = await start();
    const byArn = await generateMac(client);
    expect(byArn).toMatchObject({ KeyId: historyKeyArn, MacAlgorithm: 'HMAC_SHA_256' });
    expect(byArn.Mac).toHaveLength(32);
    const byId = await generateMac(client, { KeyId: historyKeyId });
    expect(Buffer.from(byId.Mac ?? []).equals(Buffer.from(byArn.Mac ?? []))).toBe(true);
    const verified = await client.send(
      new VerifyMacCommand({
        KeyId: historyKeyId,
        Message: MESSAGE,
        MacAlgorithm: 'HMAC_SHA_256',
        Mac: byArn.Mac,
      }),
    );
    expect(verified).toMatchObject({ KeyId: historyKeyArn, MacValid: true, MacAlgorithm: 'HMAC_SHA_256' });
  });
});

describe('local KMS: bad requests', () => {
  it('fails with NotFoundException naming an unknown key', async () => {
    const client = await start();
    const unknown = `arn:aws:kms:${ENV.region}:${ENV.account}:key/00000000-0000-0000-0000-000000000000`;
    await expect(generateMac(client, { KeyId: unknown })).rejects.toMatchObject({
      name: 'NotFoundException',
      message: `Key '${unknown}' does not exist`,
    });
  });

  it('fails with InvalidKeyUsageException for a key that is not an HMAC key', async () => {
    const client = await start();
    await expect(generateMac(client, { KeyId: dataKeyArn })).rejects.toMatchObject({
      name: 'InvalidKeyUsageException',
      message: expect.stringContaining(
        'key usage is ENCRYPT_DECRYPT (key spec SYMMETRIC_DEFAULT) which is not valid for GenerateMac',
      ),
    });
  });

  it('fails for an algorithm it does not compute, and for one KMS does not know', async () => {
    const client = await start();
    await expect(generateMac(client, { MacAlgorithm: 'HMAC_SHA_512' })).rejects.toMatchObject({
      name: 'InvalidKeyUsageException',
      message: expect.stringContaining('computes HMAC_SHA_256 with HMAC_256 keys only; got HMAC_SHA_512'),
    });
    await expect(generateMac(client, { MacAlgorithm: 'HMAC_MD5' as never })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("Value at 'macAlgorithm' failed to satisfy constraint"),
    });
  });

  it('fails with ValidationException for a missing, empty or oversized message', async () => {
    const client = await start();
    await expect(generateMac(client, { Message: undefined })).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must not be null",
    });
    await expect(generateMac(client, { Message: new Uint8Array(0) })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(generateMac(client, { Message: new Uint8Array(4097) })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length between 1 and 4096 bytes, got 4097'),
    });
    expect((await generateMac(client, { Message: new Uint8Array(4096) })).Mac).toHaveLength(32);
  });

  it('fails VerifyMac with KMSInvalidMacException for a MAC of another message', async () => {
    const client = await start();
    const { Mac } = await generateMac(client, { Message: Buffer.from('cus_999') });
    await expect(
      client.send(
        new VerifyMacCommand({ KeyId: historyKeyArn, Message: MESSAGE, MacAlgorithm: 'HMAC_SHA_256', Mac }),
      ),
    ).rejects.toMatchObject({ name: 'KMSInvalidMacException' });
  });

  it('answers a dry run with DryRunOperationException', async () => {
    const client = await start();
    await expect(generateMac(client, { DryRun: true })).rejects.toMatchObject({
      name: 'DryRunOperationException',
    });
  });
});

describe('local KMS: Encrypt and Decrypt', () => {
  const TOKEN = `AQCEAAAAKgAAAAMAAAAA${'t'.repeat(1000)}`;
  const context = { approvalId: 'appr-1' };

  it('seals and opens a task token through the adapter, bound to its approval', async () => {
    const tokens = new KmsTaskTokenSeal({ client: await start(), keyId: tokenKeyArn });
    const sealed = await tokens.seal('appr-1', TOKEN);
    expect(sealed.startsWith(KMS_SEALED_PREFIX)).toBe(true);
    expect(sealed).not.toContain('AQCEAAAAKgAAAAMAAAAA');
    expect(await tokens.open('appr-1', sealed)).toBe(TOKEN);
    // Moved to another approval's item, it does not open.
    await expect(tokens.open('appr-2', sealed)).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('round-trips with the key named by its Ref, and Decrypt finds the key from the blob', async () => {
    const client = await start();
    const encrypted = await client.send(
      new EncryptCommand({ KeyId: tokenKeyId, Plaintext: Buffer.from('hello'), EncryptionContext: context }),
    );
    expect(encrypted).toMatchObject({ KeyId: tokenKeyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    const decrypted = await client.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context }),
    );
    expect(decrypted).toMatchObject({ KeyId: tokenKeyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    expect(Buffer.from(decrypted.Plaintext ?? []).toString()).toBe('hello');
  });

  it('refuses a tampered blob, another context, or none, with InvalidCiphertextException', async () => {
    const client = await start();
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId: tokenKeyArn, Plaintext: Buffer.from('hello'), EncryptionContext: context }),
    );
    const blob = Buffer.from(CiphertextBlob ?? []);
    for (const at of [0, 5, blob.length - 20, blob.length - 1]) {
      const tampered = Buffer.from(blob);
      tampered[at] = (tampered[at] ?? 0) ^ 0x01;
      await expect(
        client.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context })),
      ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    }
    for (const other of [{ approvalId: 'appr-2' }, { ...context, runId: 'run-1' }, undefined]) {
      await expect(
        client.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: other })),
      ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    }
  });

  it('refuses another key than the blob names (IncorrectKeyException), an HMAC key, and an unknown key', async () => {
    const client = await start();
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId: tokenKeyArn, Plaintext: Buffer.from('hello'), EncryptionContext: context }),
    );
    await expect(
      client.send(new DecryptCommand({ KeyId: dataKeyArn, CiphertextBlob, EncryptionContext: context })),
    ).rejects.toMatchObject({ name: 'IncorrectKeyException' });
    await expect(
      client.send(new EncryptCommand({ KeyId: historyKeyArn, Plaintext: Buffer.from('hello') })),
    ).rejects.toMatchObject({
      name: 'InvalidKeyUsageException',
      message: expect.stringContaining('which is not valid for Encrypt'),
    });
    const unknown = `arn:aws:kms:${ENV.region}:${ENV.account}:key/00000000-0000-0000-0000-000000000000`;
    await expect(
      client.send(new EncryptCommand({ KeyId: unknown, Plaintext: Buffer.from('hello') })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('refuses an empty or oversized plaintext with ValidationException', async () => {
    const client = await start();
    for (const size of [0, 4097]) {
      await expect(
        client.send(new EncryptCommand({ KeyId: tokenKeyArn, Plaintext: new Uint8Array(size) })),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    }
  });

  it('keeps the key material in the state folder: a blob sealed before a restart still opens', async () => {
    const stateDir = newStateDir();
    const sealed = await new KmsTaskTokenSeal({ client: await start(stateDir), keyId: tokenKeyArn }).seal(
      'appr-1',
      TOKEN,
    );
    await stopAll();
    const tokens = new KmsTaskTokenSeal({ client: await start(stateDir), keyId: tokenKeyArn });
    expect(await tokens.open('appr-1', sealed)).toBe(TOKEN);
  });
});

describe('local KMS: key material', () => {
  it('keeps the material in the state folder (0600): a second start on it gives the same MAC', async () => {
    const stateDir = newStateDir();
    const first = await generateMac(await start(stateDir));
    await stopAll();
    const second = await generateMac(await start(stateDir));
    expect(Buffer.from(second.Mac ?? []).equals(Buffer.from(first.Mac ?? []))).toBe(true);
    expect(statSync(keyMaterialPath(stateDir)).mode & 0o777).toBe(0o600);
    expect(statSync(join(stateDir, 'kms')).mode & 0o777).toBe(0o700);
  });

  it('agrees with an instance still running on the same folder', async () => {
    const stateDir = newStateDir();
    const a = await start(stateDir);
    const b = await start(stateDir);
    const [fromA, fromB] = await Promise.all([generateMac(a), generateMac(b)]);
    expect(Buffer.from(fromA.Mac ?? []).equals(Buffer.from(fromB.Mac ?? []))).toBe(true);
  });

  it('gives another state folder, or none, other material', async () => {
    const one = await generateMac(await start(newStateDir()));
    const other = await generateMac(await start(newStateDir()));
    const inMemory = await generateMac(await start());
    expect(Buffer.from(other.Mac ?? []).equals(Buffer.from(one.Mac ?? []))).toBe(false);
    expect(Buffer.from(inMemory.Mac ?? []).equals(Buffer.from(one.Mac ?? []))).toBe(false);
  });
});
