/**
 * The `dynamodb` connector's item updater on real DynamoDB Local.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbItemUpdater } from '../../adapters/dynamodb-item-updater.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local.js';

const TICKETS = 'acme-tickets';
let ddb: DynamoDbLocal;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  await ddb.client.send(
    new CreateTableCommand({
      TableName: TICKETS,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'ticketId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'ticketId', KeyType: 'HASH' }],
    }),
  );
  await ddb.documentClient.send(
    new PutCommand({ TableName: TICKETS, Item: { ticketId: 't-1', status: 'open', subject: 'Refund' } }),
  );
});
afterAll(async () => {
  await ddb?.stop();
});

const ticket = async (ticketId: string) =>
  (await ddb.documentClient.send(new GetCommand({ TableName: TICKETS, Key: { ticketId } }))).Item;

describe('DynamoDbItemUpdater', () => {
  it('sets the given fields of an existing item and keeps the others', async () => {
    await new DynamoDbItemUpdater(ddb.documentClient).update(
      TICKETS,
      { ticketId: 't-1' },
      { status: 'routed', team: 'billing', 'queue-name': 'tier 2' },
    );
    expect(await ticket('t-1')).toEqual({
      ticketId: 't-1',
      status: 'routed',
      team: 'billing',
      'queue-name': 'tier 2',
      subject: 'Refund',
    });
  });

  it('fails without creating anything when the item does not exist', async () => {
    await expect(
      new DynamoDbItemUpdater(ddb.documentClient).update(
        TICKETS,
        { ticketId: 't-404' },
        { status: 'routed' },
      ),
    ).rejects.toMatchObject({
      name: 'ConnectorUpdateError',
      message: `no item with key {"ticketId":"t-404"} in table ${TICKETS}; the connector only updates existing items`,
    });
    expect(await ticket('t-404')).toBeUndefined();
  });

  it('fails naming the key field an update tries to set', async () => {
    await expect(
      new DynamoDbItemUpdater(ddb.documentClient).update(TICKETS, { ticketId: 't-1' }, { ticketId: 't-2' }),
    ).rejects.toThrow(`update of table ${TICKETS} may not set its key field(s) ticketId`);
  });
});
