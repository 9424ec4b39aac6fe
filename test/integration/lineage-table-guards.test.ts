/**
 * The lineage table on DynamoDB Local, as the local cloud runs it: records
 * stored with their expiry and sparse index keys outside their hash; TTL
 * deletions on the local clock reach the stream marked as DynamoDB's own,
 * so only real changes become tamper findings; and no record costs more
 * than three writes.
 */
import { DeleteItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { appendLineage } from '../../core/lineage/chain.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import {
  type LineageTamperFinding,
  lineageStreamEventSchema,
  lineageTamperFindings,
} from '../../core/lineage/tamper.js';
import { verifyChain } from '../../core/lineage/verify.js';
import { lineageItemOf } from '../../core/storage/lineage-item.js';
import { LINEAGE_TABLE_LAYOUT } from '../../core/storage/table-layout.js';
import { StreamMappings } from '../../local/dynamodb/streams.js';
import { TtlDeletionLog, TtlSweeper } from '../../local/dynamodb/ttl.js';
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from '../support/dynamodb-local.js';
import { aLineageDraft, aRecordData, aValidChain } from '../support/lineage-builders.js';

let ddb: DynamoDbLocal;
let streams: DynamoDBStreamsClient;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  streams = new DynamoDBStreamsClient({
    endpoint: ddb.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}, 60_000);

afterAll(async () => {
  streams?.destroy();
  await ddb?.stop();
});

const expiry = { retentionDays: 1, marginDays: 30 };

it('stores records with their expiry and reads them back hashing as written', async () => {
  const store = new DynamoDbLineageStore({ client: ddb.client, tableName: ddb.lineageTableName, expiry });
  const clock = () => new Date('2026-11-02T10:00:00.000Z');
  await appendLineage(
    store,
    clock,
    'run-guard-1',
    aLineageDraft({ type: 'run.started', data: aRecordData('run.started') }),
  );
  await appendLineage(store, clock, 'run-guard-1', aLineageDraft());
  const raw = await ddb.client.send(new ScanCommand({ TableName: ddb.lineageTableName }));
  const stored = (raw.Items ?? []).filter((item) => item.chainId?.S === 'run-guard-1');
  expect(stored.map((item) => item.expiresAt?.N)).toEqual([
    String(Date.parse('2026-11-02T10:00:00.000Z') / 1000 + 31 * 86_400),
    String(Date.parse('2026-11-02T10:00:00.000Z') / 1000 + 31 * 86_400),
  ]);
  expect(stored[0]?.runEntityKey?.S).toBe('refund-triage#ord_4k8m2p');
  const chain = await store.chain('run-guard-1');
  expect(verifyChain(chain, { ended: false }).ok).toBe(true);
  expect(chain[0]).not.toHaveProperty('expiresAt');
});

it('costs each record at most three writes: the table, byWorkflow and at most one sparse index', async () => {
  const [, grounded] = aValidChain('run-cost-1', ['run.started', 'context.grounded']);
  const cases = [
    { type: 'run.started', seq: 0, data: aRecordData('run.started') },
    { type: 'context.grounded', seq: 1, data: aRecordData('context.grounded') },
    { type: 'policy.evaluated', seq: 2, data: aRecordData('policy.evaluated', { decision: 'DENY' }) },
    { type: 'approval.decided', seq: 3, data: aRecordData('approval.decided', { decision: 'REJECTED' }) },
    { type: 'run.escalated', seq: 4, data: aRecordData('run.escalated') },
  ] as const;
  for (const { type, seq, data } of cases) {
    const item = lineageItemOf(
      { ...(grounded as LineageRecord), chainId: 'run-cost-1', type, seq, data },
      expiry,
    );
    const put = await ddb.client.send(
      new PutItemCommand({
        TableName: ddb.lineageTableName,
        Item: marshall(item, { removeUndefinedValues: true }),
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
    const indexes = Object.keys(put.ConsumedCapacity?.GlobalSecondaryIndexes ?? {});
    expect({ type, writes: 1 + indexes.length }).toEqual({
      type,
      writes: type === 'context.grounded' ? 2 : 3,
    });
    expect(indexes).toContain(LINEAGE_TABLE_LAYOUT.indexes.byWorkflow.indexName);
  }
});

it('reports an update and a delete of a record as tampering, and TTL deletions on the local clock not', async () => {
  const store = new DynamoDbLineageStore({ client: ddb.client, tableName: ddb.lineageTableName, expiry });
  const batches: unknown[] = [];
  const deletions = new TtlDeletionLog();
  const mappings = await StreamMappings.start({
    mappings: [
      {
        tableName: ddb.lineageTableName,
        functionName: 'tamper',
        batchSize: 100,
        patterns: [{ eventName: ['MODIFY', 'REMOVE'] }],
        maximumRetryAttempts: 0,
      },
    ],
    dynamodb: ddb.client,
    streams,
    invoker: { invoke: async (_name, payload) => void batches.push(payload) },
    deletions,
    region: LOCAL_REGION,
    pollIntervalMs: 50,
  });
  let now = new Date('2026-11-02T10:00:00.000Z');
  const sweeper = new TtlSweeper({
    client: ddb.client,
    tables: [{ tableName: ddb.lineageTableName, attribute: 'expiresAt', keyNames: ['chainId', 'seq'] }],
    now: () => now,
    deletions,
    intervalMs: 0,
  });
  try {
    const clock = () => new Date('2026-11-02T10:00:00.000Z');
    for (const runId of ['run-tamper-1', 'run-ttl-1']) {
      await appendLineage(
        store,
        clock,
        runId,
        aLineageDraft({ type: 'run.started', data: aRecordData('run.started') }),
      );
      await appendLineage(store, clock, runId, aLineageDraft());
    }
    const key = (seq: number) => ({ chainId: { S: 'run-tamper-1' }, seq: { N: String(seq) } });
    await ddb.client.send(
      new UpdateItemCommand({
        TableName: ddb.lineageTableName,
        Key: key(1),
        UpdateExpression: 'SET #h = :h',
        ExpressionAttributeNames: { '#h': 'hash' },
        ExpressionAttributeValues: { ':h': { S: 'f'.repeat(64) } },
      }),
    );
    await ddb.client.send(new DeleteItemCommand({ TableName: ddb.lineageTableName, Key: key(0) }));
    expect(await sweeper.sweep()).toBe(0); // nothing has expired yet
    now = new Date('2027-01-01T00:00:00.000Z'); // past at + 1 + 30 days
    expect(await sweeper.sweep()).toBeGreaterThanOrEqual(3);
    await mappings.drain();

    const records = batches.flatMap((batch) => lineageStreamEventSchema.parse(batch).Records);
    expect(records.every((record) => record.eventName !== 'INSERT')).toBe(true);
    const findings: LineageTamperFinding[] = lineageTamperFindings(records);
    expect(findings.map((f) => [f.eventName, f.chainId, f.seq])).toEqual([
      ['MODIFY', 'run-tamper-1', 1],
      ['REMOVE', 'run-tamper-1', 0],
    ]);
    expect(findings[0]).toMatchObject({ newHash: 'f'.repeat(64), table: ddb.lineageTableName });
    const ttl = records.filter((record) => record.userIdentity?.principalId === 'dynamodb.amazonaws.com');
    expect(ttl.map((r) => `${r.dynamodb.Keys.chainId?.S}/${r.dynamodb.Keys.seq?.N}`).sort()).toEqual(
      expect.arrayContaining(['run-ttl-1/0', 'run-ttl-1/1', 'run-tamper-1/1']),
    );
  } finally {
    await sweeper.stop();
    await mappings.stop();
  }
}, 30_000);
