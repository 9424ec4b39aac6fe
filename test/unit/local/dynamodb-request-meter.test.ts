import {
  consumedUnits,
  DynamoDbRequestMeter,
  describeRequest,
  readingPerRun,
  type TableNaming,
} from '../../../local/dynamodb/request-meter.js';

const naming: TableNaming = {
  partitionKeyOf: (table) => ({ 'runs-t': 'pk', 'lineage-t': 'chainId' })[table],
  labelOf: (table) => ({ 'runs-t': 'runs', 'lineage-t': 'lineage' })[table] ?? table,
};

const target = (operation: string) => `DynamoDB_20120810.${operation}`;

describe('describeRequest', () => {
  it('names a single-item request by operation, table label and partition key prefix', () => {
    expect(
      describeRequest(target('PutItem'), { TableName: 'runs-t', Item: { pk: { S: 'EXEC#k1' } } }, naming),
    ).toEqual({ operation: 'PutItem', kind: 'PutItem runs EXEC#' });
    expect(
      describeRequest(target('GetItem'), { TableName: 'runs-t', Key: { pk: { S: 'RUN#r1' } } }, naming).kind,
    ).toBe('GetItem runs RUN#');
  });

  it('names a table whose keys have no prefix by its label alone, and an unknown table by its name', () => {
    expect(
      describeRequest(target('PutItem'), { TableName: 'lineage-t', Item: { chainId: { S: 'r1' } } }, naming)
        .kind,
    ).toBe('PutItem lineage');
    expect(
      describeRequest(target('GetItem'), { TableName: 'acme-orders', Key: { orderId: { S: 'A#1' } } }, naming)
        .kind,
    ).toBe('GetItem acme-orders');
  });

  it('names a transaction by each table it touches and the item kinds in it, sorted', () => {
    const body = {
      TransactItems: [
        { Put: { TableName: 'runs-t', Item: { pk: { S: 'RUN#r1' } } } },
        { Put: { TableName: 'runs-t', Item: { pk: { S: 'APPROVAL#a1' } } } },
        { ConditionCheck: { TableName: 'lineage-t', Key: { chainId: { S: 'r1' } } } },
      ],
    };
    expect(describeRequest(target('TransactWriteItems'), body, naming).kind).toBe(
      'TransactWriteItems lineage, runs APPROVAL#+RUN#',
    );
  });

  it('names a batch by the tables and item kinds of its requests', () => {
    const body = {
      RequestItems: {
        'runs-t': [
          { PutRequest: { Item: { pk: { S: 'HISTORY#h' } } } },
          { DeleteRequest: { Key: { pk: { S: 'HISTORY#i' } } } },
        ],
      },
    };
    expect(describeRequest(target('BatchWriteItem'), body, naming).kind).toBe('BatchWriteItem runs HISTORY#');
    expect(
      describeRequest(
        target('BatchGetItem'),
        { RequestItems: { 'runs-t': { Keys: [{ pk: { S: 'SWITCH#w' } }] } } },
        naming,
      ).kind,
    ).toBe('BatchGetItem runs SWITCH#');
  });

  it('names a query by its index, or else by the prefix of its key condition value', () => {
    expect(
      describeRequest(
        target('Query'),
        {
          TableName: 'runs-t',
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'RUN#r1' } },
        },
        naming,
      ).kind,
    ).toBe('Query runs RUN#');
    expect(
      describeRequest(
        target('Query'),
        { TableName: 'lineage-t', IndexName: 'byWorkflow', KeyConditionExpression: '#w = :w' },
        naming,
      ).kind,
    ).toBe('Query lineage byWorkflow');
  });

  it('names stream reads as requests of the table "streams", and survives a body that is not JSON', () => {
    expect(describeRequest('DynamoDBStreams_20120810.GetRecords', { ShardIterator: 'x' }, naming)).toEqual({
      operation: 'GetRecords',
      kind: 'GetRecords streams',
    });
    expect(describeRequest(target('ListTables'), undefined, naming).kind).toBe('ListTables');
  });
});

describe('consumedUnits', () => {
  it('adds the index writes to the table write', () => {
    expect(
      consumedUnits('PutItem', {
        TableName: 'lineage-t',
        CapacityUnits: 4,
        Table: { CapacityUnits: 2 },
        GlobalSecondaryIndexes: { byWorkflow: { CapacityUnits: 2 } },
      }),
    ).toEqual({ writeUnits: 4, readUnits: 0 });
  });

  it('doubles the table part of a transaction, per table, but not its index writes', () => {
    expect(
      consumedUnits('TransactWriteItems', [
        {
          TableName: 'runs-t',
          CapacityUnits: 3,
          Table: { CapacityUnits: 2 },
          GlobalSecondaryIndexes: { g: { CapacityUnits: 1 } },
        },
        { TableName: 'lineage-t', CapacityUnits: 1, Table: { CapacityUnits: 1 } },
      ]),
    ).toEqual({ writeUnits: 2 * 2 + 1 + 2 * 1, readUnits: 0 });
  });

  it('counts reads as read units, halves included, and falls back to the total without a breakdown', () => {
    expect(consumedUnits('GetItem', { CapacityUnits: 0.5, Table: { CapacityUnits: 0.5 } })).toEqual({
      writeUnits: 0,
      readUnits: 0.5,
    });
    expect(consumedUnits('Query', { CapacityUnits: 1.5 })).toEqual({ writeUnits: 0, readUnits: 1.5 });
    expect(consumedUnits('DescribeTable', undefined)).toEqual({ writeUnits: 0, readUnits: 0 });
  });
});

describe('DynamoDbRequestMeter', () => {
  it('counts requests, units and refusals by kind, and divides a stretch between two readings by runs', () => {
    const meter = new DynamoDbRequestMeter();
    const put = { operation: 'PutItem', kind: 'PutItem lineage' };
    const get = { operation: 'GetItem', kind: 'GetItem runs RUN#' };
    meter.count(put, {
      ok: true,
      body: { ConsumedCapacity: { CapacityUnits: 9, Table: { CapacityUnits: 1 } } },
    });
    const before = meter.read();

    for (let run = 0; run < 2; run += 1) {
      meter.count(put, {
        ok: true,
        body: {
          ConsumedCapacity: {
            CapacityUnits: 4,
            Table: { CapacityUnits: 2 },
            GlobalSecondaryIndexes: { byWorkflow: { CapacityUnits: 2 } },
          },
        },
      });
      meter.count(get, {
        ok: true,
        body: { ConsumedCapacity: { CapacityUnits: 1, Table: { CapacityUnits: 1 } } },
      });
    }
    meter.count(put, {
      ok: false,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException' },
    });

    const reading = meter.read();
    expect(reading.requests).toEqual({ total: 6, byKind: { 'GetItem runs RUN#': 2, 'PutItem lineage': 4 } });
    expect(reading.writeUnits).toEqual({ total: 9, byKind: { 'PutItem lineage': 9 } });
    expect(reading.errors.byKind).toEqual({ 'PutItem lineage ConditionalCheckFailedException': 1 });

    expect(readingPerRun(reading, before, 2)).toEqual({
      requests: { total: 2.5, byKind: { 'GetItem runs RUN#': 1, 'PutItem lineage': 1.5 } },
      writeUnits: { total: 4, byKind: { 'PutItem lineage': 4 } },
      readUnits: { total: 1, byKind: { 'GetItem runs RUN#': 1 } },
      errors: { total: 0.5, byKind: { 'PutItem lineage ConditionalCheckFailedException': 0.5 } },
    });
  });

  it('refuses to divide by a number of runs that is not positive', () => {
    const reading = new DynamoDbRequestMeter().read();
    expect(() => readingPerRun(reading, reading, 0)).toThrow('runs must be a positive number, got 0');
  });
});
