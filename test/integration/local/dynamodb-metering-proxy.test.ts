import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../../local/dynamodb/index.js';
import { type MeteringProxy, startMeteringProxy } from '../../../local/dynamodb/metering-proxy.js';
import { localClientConfig } from '../../../local/process/aws-env.js';

const TABLE = 'metered-runs';
/** An attribute of this many bytes makes an item of a little over 1 KB: 2 WRU per write. */
const OVER_ONE_KB = 1100;

describe('the metering proxy in front of DynamoDB Local', () => {
  let dynamodb: LocalDynamoDb;
  let proxy: MeteringProxy;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb({});
    proxy = await startMeteringProxy({
      upstream: dynamodb.endpoint,
      naming: {
        partitionKeyOf: (t) => (t === TABLE ? 'pk' : undefined),
        labelOf: (t) => (t === TABLE ? 'runs' : t),
      },
    });
    client = new DynamoDBClient(localClientConfig(proxy.endpoint, 'us-east-1'));
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byG',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  });

  afterAll(async () => {
    client?.destroy();
    await proxy?.stop();
    await dynamodb?.stop();
  });

  it('counts writes with their index writes, transactions doubled, and answers clients as DynamoDB does', async () => {
    const before = proxy.meter.read();
    const put = await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: 'RUN#r1' }, g: { S: 'w' }, body: { S: 'x'.repeat(OVER_ONE_KB) } },
      }),
    );
    // The proxy asked for the capacity; the client, which did not, gets none.
    expect(put.ConsumedCapacity).toBeUndefined();
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { pk: { S: 'EXEC#e1' } } } },
          { Put: { TableName: TABLE, Item: { pk: { S: 'LEDGER#l1' } } } },
        ],
      }),
    );
    const refused = client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: 'EXEC#e1' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await expect(refused).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const get = await client.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { pk: { S: 'RUN#r1' } },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    // A client that asks gets its figures, untouched.
    expect(get.ConsumedCapacity?.CapacityUnits).toBe(1);
    expect(get.Item?.body?.S).toHaveLength(OVER_ONE_KB);

    const after = proxy.meter.read();
    // What this test asked for: the kinds whose counts changed, by how much.
    const delta = (counts: 'requests' | 'writeUnits' | 'readUnits' | 'errors') =>
      Object.fromEntries(
        Object.entries(after[counts].byKind)
          .map(([kind, n]) => [kind, n - (before[counts].byKind[kind] ?? 0)] as const)
          .filter(([, n]) => n !== 0),
      );
    expect(delta('requests')).toEqual({
      'PutItem runs RUN#': 1,
      'PutItem runs EXEC#': 1,
      'TransactWriteItems runs EXEC#+LEDGER#': 1,
      'GetItem runs RUN#': 1,
    });
    expect(delta('writeUnits')).toEqual({
      // A little over 1 KB is 2 units, in the table and in the index that projects it all.
      'PutItem runs RUN#': 4,
      // Two small items, each written twice as a transaction.
      'TransactWriteItems runs EXEC#+LEDGER#': 4,
    });
    expect(delta('readUnits')).toEqual({ 'GetItem runs RUN#': 1 });
    expect(delta('errors')).toEqual({ 'PutItem runs EXEC# ConditionalCheckFailedException': 1 });
  });
});
