/**
 * The lineage store against the in-memory fake and the DynamoDB adapter on
 * real DynamoDB Local: conditional puts, head and chain reads, concurrent
 * appends, and the auditor's indexes.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDbClient, dynamoDbDocumentClient } from '../../adapters/aws-clients.js';
import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../../adapters/dynamodb-runs-store.js';
import { appendLineage } from '../../core/lineage/chain.js';
import type { LineageRecord, LineageStore } from '../../core/lineage/record.js';
import { verifyChain } from '../../core/lineage/verify.js';
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from '../support/dynamodb-local.js';
import { fixedClock, InMemoryLineageStore, steppingClock } from '../support/in-memory-stores.js';
import { aLineageDraft, aRecordData, aValidChain } from '../support/lineage-builders.js';

let ddb: DynamoDbLocal;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
});
afterAll(async () => {
  await ddb?.stop();
});

let counter = 0;
const freshChain = () => `run-lineage-${++counter}`;

const stores: [string, () => LineageStore][] = [
  ['InMemoryLineageStore', () => new InMemoryLineageStore()],
  [
    'DynamoDbLineageStore',
    () => new DynamoDbLineageStore({ client: ddb.client, tableName: ddb.lineageTableName }),
  ],
];

describe.each(stores)('%s', (_name, make) => {
  it('has no head for a chain without records', async () => {
    expect(await make().head(freshChain())).toBeUndefined();
  });

  it('puts a record once and refuses a second record at the same seq', async () => {
    const store = make();
    const chainId = freshChain();
    const [record] = aValidChain(chainId) as [LineageRecord];
    expect(await store.putIfAbsent(record)).toBe(true);
    expect(await store.putIfAbsent({ ...record, actor: 'human:mallory' })).toBe(false);
    expect(await store.chain(chainId)).toEqual([record]);
  });

  it('returns the highest seq as head and the whole chain in seq order', async () => {
    const store = make();
    const chainId = freshChain();
    const chain = aValidChain(chainId);
    for (const record of [...chain].reverse()) await store.putIfAbsent(record);
    expect(await store.head(chainId)).toEqual(chain[chain.length - 1]);
    expect(await store.chain(chainId)).toEqual(chain);
  });

  it('lands 20 parallel appends to one chain at seq 0..19, and the chain verifies', async () => {
    const store = make();
    const chainId = freshChain();
    await Promise.all(
      Array.from({ length: 20 }, (_, branch) =>
        appendLineage(
          store,
          fixedClock('2026-11-02T14:21:00.000Z'),
          chainId,
          aLineageDraft({ data: { branch } }),
        ),
      ),
    );
    const chain = await store.chain(chainId);
    expect(chain.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(new Set(chain.map((r) => r.data.branch)).size).toBe(20);
    expect(verifyChain(chain)).toEqual({ ok: true, problems: [] });
  });

  it('round-trips values so stored records still hash to their hash', async () => {
    const store = make();
    const chainId = freshChain();
    await appendLineage(
      store,
      fixedClock('2026-11-02T14:21:00.000Z'),
      chainId,
      aLineageDraft({
        data: {
          amount: 45.5,
          tiny: 0.1 + 0.2,
          empty: '',
          nested: { list: [1, 'two', null, { deep: true }] },
        },
        usage: { inputTokens: 812, outputTokens: 64, costUsd: 0.000_97 },
      }),
    );
    expect(verifyChain(await store.chain(chainId)).ok).toBe(true);
  });
});

describe('DynamoDbLineageStore indexes', () => {
  it('finds records by workflow, the runs of an entity, and decisions by kind, in time order', async () => {
    const store = new DynamoDbLineageStore({ client: ddb.client, tableName: ddb.lineageTableName });
    const clock = steppingClock('2026-11-05T09:00:00.000Z', 60_000);
    const workflowId = 'wf-indexed';
    await appendLineage(
      store,
      clock,
      'run-idx-1',
      aLineageDraft({ workflowId, entityId: 'ord_a', actor: 'awf:admit' }),
    );
    await appendLineage(
      store,
      clock,
      'run-idx-2',
      aLineageDraft({ workflowId, entityId: 'ord_b', actor: 'awf:admit' }),
    );
    await appendLineage(
      store,
      clock,
      'run-idx-1',
      aLineageDraft({
        workflowId,
        entityId: 'ord_a',
        actor: 'human:auditor-index@acme.example',
        type: 'approval.decided',
        data: aRecordData('approval.decided', { decision: 'APPROVED' }),
      }),
    );

    const query = async (indexName: string, name: string, value: string) =>
      (
        await ddb.documentClient.send(
          new QueryCommand({
            TableName: ddb.lineageTableName,
            IndexName: indexName,
            KeyConditionExpression: '#k = :v',
            ExpressionAttributeNames: { '#k': name },
            ExpressionAttributeValues: { ':v': value },
          }),
        )
      ).Items ?? [];

    expect((await query('byWorkflow', 'workflowId', workflowId)).map((i) => [i.chainId, i.seq])).toEqual([
      ['run-idx-1', 0],
      ['run-idx-2', 0],
      ['run-idx-1', 1],
    ]);
    // Sparse: only a chain's opening record, keys only.
    expect(
      (await query('runsByEntity', 'runEntityKey', `${workflowId}#ord_a`)).map((i) => [i.chainId, i.seq]),
    ).toEqual([['run-idx-1', 0]]);
    // Sparse: only decisions, whole records (the deciding actor among them).
    expect(
      (await query('byDecision', 'decisionKind', 'approval'))
        .filter((i) => i.workflowId === workflowId)
        .map((i) => [i.chainId, i.actor]),
    ).toEqual([['run-idx-1', 'human:auditor-index@acme.example']]);
  });
});

describe('DynamoDbLineageStore', () => {
  it('refuses a document client, which would convert every item twice, with a message that says so', () => {
    expect(
      () => new DynamoDbLineageStore({ client: ddb.documentClient as never, tableName: 'lineage' }),
    ).toThrow(
      'DynamoDbLineageStore needs a plain DynamoDBClient, not a DynamoDBDocumentClient: it converts items itself',
    );
  });
});

describe('aws-clients', () => {
  it('reaches DynamoDB through AWS_ENDPOINT_URL_DYNAMODB without an endpoint in code, with both clients', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    });
    try {
      const documents = dynamoDbDocumentClient();
      expect(dynamoDbDocumentClient()).toBe(documents);
      const runs = new DynamoDbRunsStore({ client: documents, tableName: ddb.runsTableName });
      expect(await runs.getRun('run-none')).toBeUndefined();

      // The plain client resolves each command's middleware once: every call must still send its own input.
      const client = dynamoDbClient();
      expect(dynamoDbClient()).toBe(client);
      const store = new DynamoDbLineageStore({ client, tableName: ddb.lineageTableName });
      const clock = fixedClock('2026-11-02T14:21:00.000Z');
      const [first, second] = [freshChain(), freshChain()];
      for (const chainId of [first, second, first, second, first]) {
        await appendLineage(store, clock, chainId, aLineageDraft({ data: { chainId } }));
      }
      const chain = await store.chain(first);
      expect(chain.map((r) => [r.seq, r.data.chainId])).toEqual([
        [0, first],
        [1, first],
        [2, first],
      ]);
      expect(verifyChain(chain).ok).toBe(true);
      expect(await store.head(second)).toMatchObject({ chainId: second, seq: 1 });
    } finally {
      process.env = saved;
    }
  });
});
