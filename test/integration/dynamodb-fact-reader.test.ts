/**
 * The grounding reads on real DynamoDB Local: one item by key, by table name
 * or table ARN, with one or two key attributes.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbFactReader, FactTableNotFoundError } from '../../adapters/dynamodb-fact-reader.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local.js';

const ORDERS = 'acme-orders';
const SHIPMENTS = 'acme-shipments';
let ddb: DynamoDbLocal;
let reader: DynamoDbFactReader;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  reader = new DynamoDbFactReader(ddb.documentClient);
  await ddb.client.send(
    new CreateTableCommand({
      TableName: ORDERS,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
    }),
  );
  await ddb.client.send(
    new CreateTableCommand({
      TableName: SHIPMENTS,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: 'parcel', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'orderId', KeyType: 'HASH' },
        { AttributeName: 'parcel', KeyType: 'RANGE' },
      ],
    }),
  );
  for (const [table, item] of [
    [ORDERS, { orderId: 'ord_1', total: 120.5, status: 'DELIVERED', lines: [{ sku: 'A', qty: 2 }] }],
    [SHIPMENTS, { orderId: 'ord_1', parcel: 1, carrier: 'acme-post' }],
    [SHIPMENTS, { orderId: 'ord_1', parcel: 2, carrier: 'fast-freight' }],
  ] as const) {
    await ddb.documentClient.send(new PutCommand({ TableName: table, Item: item }));
  }
});
afterAll(async () => {
  await ddb?.stop();
});

describe('DynamoDbFactReader', () => {
  it('reads the item at the key, with its numbers and nested values as stored', async () => {
    expect(await reader.getItem(ORDERS, { orderId: 'ord_1' })).toEqual({
      orderId: 'ord_1',
      total: 120.5,
      status: 'DELIVERED',
      lines: [{ sku: 'A', qty: 2 }],
    });
  });

  it('reads a table given by ARN, as DynamoDB does', async () => {
    const arn = `arn:aws:dynamodb:us-east-1:123456789012:table/${ORDERS}`;
    expect(await reader.getItem(arn, { orderId: 'ord_1' })).toMatchObject({ orderId: 'ord_1', total: 120.5 });
  });

  it('reads the item of a composite key (string partition, number sort key)', async () => {
    expect(await reader.getItem(SHIPMENTS, { orderId: 'ord_1', parcel: 2 })).toEqual({
      orderId: 'ord_1',
      parcel: 2,
      carrier: 'fast-freight',
    });
  });

  it('answers undefined when no item has the key', async () => {
    expect(await reader.getItem(ORDERS, { orderId: 'ord_404' })).toBeUndefined();
    expect(await reader.getItem(SHIPMENTS, { orderId: 'ord_1', parcel: 3 })).toBeUndefined();
  });

  it('fails naming the table and the key when the table does not exist', async () => {
    const read = reader.getItem('acme-missing', { orderId: 'ord_1' });
    await expect(read).rejects.toBeInstanceOf(FactTableNotFoundError);
    await expect(read).rejects.toMatchObject({
      name: 'FactTableNotFoundError',
      message: 'grounding table acme-missing does not exist (reading the item with key {"orderId":"ord_1"})',
      cause: expect.objectContaining({ name: 'ResourceNotFoundException' }),
    });
  });

  it('lets any other error travel as DynamoDB raised it (a key that does not match the schema)', async () => {
    await expect(reader.getItem(SHIPMENTS, { orderId: 'ord_1' })).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});
