/**
 * Tamper alarms in the local cloud: the template's stream mapping runs the
 * data stack's tamper function on DynamoDB Local's stream; a changed or
 * deleted lineage record puts `LineageTampered` on the platform bus, and a
 * record the TTL sweeper expires on the local clock does not.
 */
import { DeleteItemCommand, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { appendLineage } from '../../core/lineage/chain.js';
import { LINEAGE_TAMPER_EVENT } from '../../core/lineage/tamper.js';
import { localClientConfig } from '../../local/process/aws-env.js';
import { aLineageDraft, aRecordData } from '../support/lineage-builders.js';
import { type E2eCloud, startE2eCloud } from '../support/local-cloud.js';

let e2e: E2eCloud;
let ddb: DynamoDBClient;

beforeAll(async () => {
  e2e = await startE2eCloud();
  ddb = new DynamoDBClient(localClientConfig(e2e.cloud.state.endpoints.dynamodb, e2e.cloud.state.region));
}, 240_000);

afterAll(async () => {
  ddb?.destroy();
  await e2e?.stop();
});

it('puts LineageTampered for an update and a delete of a record, and nothing for a TTL expiry', async () => {
  const tableName = e2e.cloud.state.tables.lineage;
  // Expired the moment they are written: at is a year ago, retention 1 day + 30.
  const store = new DynamoDbLineageStore({
    client: ddb,
    tableName,
    expiry: { retentionDays: 1, marginDays: 30 },
  });
  const longAgo = () => new Date(Date.now() - 365 * 86_400_000);
  const now = () => new Date();
  await appendLineage(
    store,
    longAgo,
    'run-e2e-ttl',
    aLineageDraft({ type: 'run.started', data: aRecordData('run.started') }),
  );
  await appendLineage(
    store,
    now,
    'run-e2e-tamper',
    aLineageDraft({ type: 'run.started', data: aRecordData('run.started') }),
  );
  await appendLineage(store, now, 'run-e2e-tamper', aLineageDraft());

  const key = (seq: number) => ({ chainId: { S: 'run-e2e-tamper' }, seq: { N: String(seq) } });
  await ddb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: key(1),
      UpdateExpression: 'SET actor = :a',
      ExpressionAttributeValues: { ':a': { S: 'human:mallory' } },
    }),
  );
  await ddb.send(new DeleteItemCommand({ TableName: tableName, Key: key(0) }));
  expect(await e2e.cloud.tableBackground.ttl.sweep()).toBeGreaterThanOrEqual(1);
  await e2e.cloud.tableBackground.streams.drain();
  await e2e.cloud.eventBridge.eventBridge.whenIdle();

  const tampered = e2e.cloud.eventBridge.eventBridge.sink
    .query({ source: LINEAGE_TAMPER_EVENT.source, detailType: LINEAGE_TAMPER_EVENT.detailType })
    .map((record) => record.event.detail);
  expect(tampered.map((d) => [d.eventName, d.chainId, d.seq]).sort()).toEqual([
    ['MODIFY', 'run-e2e-tamper', 1],
    ['REMOVE', 'run-e2e-tamper', 0],
  ]);
  expect(tampered.find((d) => d.eventName === 'MODIFY')).toMatchObject({ table: tableName });
}, 120_000);
