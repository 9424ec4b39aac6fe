/**
 * The local cloud's grounding tables on real DynamoDB Local: created from the
 * packs' specs (key schema and types from the facts), seeded with their
 * fixtures, again on every start, and read back the way the step Lambdas read
 * them (by name or ARN).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { DynamoDbFactReader } from '../../adapters/dynamodb-fact-reader.js';
import { defineWorkflow, type WorkflowSpecInput } from '../../core/workflow/spec.js';
import { prepareFactTables, seedFactItems } from '../../local/facts/tables.js';
import type { LocatedWorkflowPack } from '../../workflows/discover.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local.js';
import { aWorkflowSpecInput } from '../support/workflow-builders.js';

const CUSTOMERS_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/acme-customers';
let ddb: DynamoDbLocal;
let reader: DynamoDbFactReader;
let root: string;

/** A spec of the ticket workflow with the given grounding facts. */
function specWith(id: string, facts: NonNullable<WorkflowSpecInput['grounding']>['facts']) {
  return defineWorkflow(
    aWorkflowSpecInput({
      id,
      actions: {
        routeTicket: {
          description: 'Assign the ticket to a team queue.',
          input: z.object({ ticketId: z.string(), team: z.enum(['billing', 'tech']) }),
          risk: 'low',
          connector: { type: 'eventbridge', detailType: 'TicketRouted' },
          bind: { ticketId: '$.detail.ticketId' },
        },
      },
      grounding: { facts },
    }),
  );
}

/** A pack folder holding `files` (path -> content), located with `spec`. */
function packWith(
  spec: ReturnType<typeof defineWorkflow>,
  files: Record<string, string>,
): LocatedWorkflowPack {
  const dir = join(root, spec.id);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  mkdirSync(dir, { recursive: true });
  return { dir, pack: { spec, prompt: 'Route the ticket.', policies: '' } };
}

const ordersFact = {
  source: {
    type: 'dynamodb' as const,
    table: 'acme-orders',
    key: { orderId: '$.detail.ticketId', placedAt: '$.detail.placedAt' },
  },
  attributes: z.object({ placedAt: z.number().int(), total: z.number(), status: z.string() }),
  localFixture: 'fixtures/orders.json',
};
const customersFact = {
  source: { type: 'dynamodb' as const, table: CUSTOMERS_ARN, key: { customerId: '$.detail.email' } },
  attributes: z.object({ tier: z.string() }),
  localFixture: 'fixtures/customers.json',
};
const ORDER_ITEMS = [
  { orderId: 'ord_1', placedAt: 1700000000, total: 120, status: 'DELIVERED' },
  { orderId: 'ord_1', placedAt: 1700000500, total: 80, status: 'SHIPPED' },
];

function ticketsPack(): LocatedWorkflowPack {
  return packWith(specWith('ticket-facts', { order: ordersFact, customer: customersFact }), {
    'fixtures/orders.json': JSON.stringify(ORDER_ITEMS),
    'fixtures/customers.json': JSON.stringify([{ customerId: 'cus_1', tier: 'gold' }]),
  });
}

async function dropTables(...names: string[]): Promise<void> {
  for (const TableName of names) await ddb.client.send(new DeleteTableCommand({ TableName })).catch(() => {});
}

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  reader = new DynamoDbFactReader(ddb.documentClient);
  root = mkdtempSync(join(tmpdir(), 'awf-fact-tables-'));
});
afterAll(async () => {
  await ddb?.stop();
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => dropTables('acme-orders', 'acme-customers'));

describe('prepareFactTables', () => {
  it('creates each fact table with the key of its source (a number key as N) and puts its fixture', async () => {
    const result = await prepareFactTables(ddb.client, [ticketsPack()]);
    expect(result).toEqual({
      created: ['acme-orders', 'acme-customers'],
      existing: [],
      seeded: { 'acme-orders': 2, 'acme-customers': 1 },
    });
    const { Table } = await ddb.client.send(new DescribeTableCommand({ TableName: 'acme-orders' }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'orderId', KeyType: 'HASH' },
      { AttributeName: 'placedAt', KeyType: 'RANGE' },
    ]);
    expect(Table?.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: 'placedAt', AttributeType: 'N' },
      ]),
    );
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(await reader.getItem('acme-orders', { orderId: 'ord_1', placedAt: 1700000500 })).toEqual(
      ORDER_ITEMS[1],
    );
  });

  it('creates a table given by ARN under its name, where a read by the ARN finds it', async () => {
    await prepareFactTables(ddb.client, [ticketsPack()]);
    expect(await reader.getItem(CUSTOMERS_ARN, { customerId: 'cus_1' })).toEqual({
      customerId: 'cus_1',
      tier: 'gold',
    });
  });

  it('is idempotent: a second start keeps the tables and puts the same items again', async () => {
    const pack = ticketsPack();
    await prepareFactTables(ddb.client, [pack]);
    await seedFactItems(ddb.client, 'acme-orders', [
      { orderId: 'ord_1', placedAt: 1700000000, total: 1, status: 'CHANGED' },
    ]);
    const again = await prepareFactTables(ddb.client, [pack]);
    expect(again).toEqual({
      created: [],
      existing: ['acme-orders', 'acme-customers'],
      seeded: { 'acme-orders': 2, 'acme-customers': 1 },
    });
    expect(await reader.getItem('acme-orders', { orderId: 'ord_1', placedAt: 1700000000 })).toEqual(
      ORDER_ITEMS[0],
    );
  });

  it('creates a table without items for a fact with no fixture, and one table for two facts reading it', async () => {
    const { localFixture: _none, ...withoutFixture } = ordersFact;
    const first = packWith(specWith('first-facts', { order: withoutFixture }), {});
    const second = packWith(specWith('second-facts', { orderAgain: withoutFixture }), {});
    expect(await prepareFactTables(ddb.client, [first, second])).toEqual({
      created: ['acme-orders'],
      existing: [],
      seeded: {},
    });
  });

  it('fails naming both facts when two read one table with different keys', async () => {
    const other = {
      ...ordersFact,
      source: { ...ordersFact.source, key: { orderId: '$.detail.ticketId' } },
      localFixture: undefined,
    };
    const pack = packWith(specWith('conflicting-facts', { order: ordersFact, summary: other }), {
      'fixtures/orders.json': '[]',
    });
    await expect(prepareFactTables(ddb.client, [pack])).rejects.toMatchObject({
      name: 'LocalDynamoDbError',
      message:
        'grounding table "acme-orders" is read with different keys: conflicting-facts.order by orderId (S, HASH), placedAt (N, RANGE), conflicting-facts.summary by orderId (S, HASH)',
    });
  });
});

describe('a bad fixture', () => {
  const packWithOrders = (content: string) =>
    packWith(specWith('bad-fixture', { order: ordersFact }), { 'fixtures/orders.json': content });

  it('fails naming the workflow, the fact, the file and that it is not JSON', async () => {
    const pack = packWithOrders('[{ "orderId": ');
    await expect(prepareFactTables(ddb.client, [pack])).rejects.toMatchObject({
      name: 'LocalDynamoDbError',
      message: expect.stringMatching(
        /^workflow "bad-fixture" \(.*bad-fixture\): grounding\.facts\.order\.localFixture: cannot read fixtures\/orders\.json as JSON \(/,
      ),
    });
  });

  it('fails naming the file and the item that lacks a key attribute', async () => {
    const content = JSON.stringify([ORDER_ITEMS[0], { orderId: 'ord_2', total: 3 }]);
    await expect(prepareFactTables(ddb.client, [packWithOrders(content)])).rejects.toMatchObject({
      message: expect.stringContaining(
        'grounding.facts.order.localFixture: item 1 of fixtures/orders.json has no string or number key attribute "placedAt"',
      ),
    });
  });

  it('fails naming the file and what DynamoDB refused when a key attribute has the wrong type', async () => {
    const content = JSON.stringify([{ orderId: 'ord_3', placedAt: '2026-01-01', total: 3, status: 'NEW' }]);
    await expect(prepareFactTables(ddb.client, [packWithOrders(content)])).rejects.toMatchObject({
      name: 'LocalDynamoDbError',
      message: expect.stringMatching(
        /^workflow "bad-fixture": grounding\.facts\.order\.localFixture: the items of fixtures\/orders\.json cannot be put: cannot put items into grounding table "acme-orders": .*[Tt]ype/,
      ),
    });
  });
});

describe('seedFactItems', () => {
  it('puts items into a fact table by name or ARN, the last of two with one key winning', async () => {
    await prepareFactTables(ddb.client, [ticketsPack()]);
    const many = Array.from({ length: 60 }, (_, i) => ({ customerId: `cus_${i}`, tier: 'silver' }));
    await seedFactItems(ddb.client, CUSTOMERS_ARN, [...many, { customerId: 'cus_7', tier: 'platinum' }]);
    expect(await reader.getItem('acme-customers', { customerId: 'cus_59' })).toEqual({
      customerId: 'cus_59',
      tier: 'silver',
    });
    expect(await reader.getItem('acme-customers', { customerId: 'cus_7' })).toEqual({
      customerId: 'cus_7',
      tier: 'platinum',
    });
  });

  it('fails naming the table when it does not exist', async () => {
    await expect(seedFactItems(ddb.client, 'acme-nowhere', [{ id: 'x' }])).rejects.toMatchObject({
      name: 'LocalDynamoDbError',
      message: expect.stringContaining('cannot put items into grounding table "acme-nowhere": '),
    });
  });
});
