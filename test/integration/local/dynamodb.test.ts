import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DEFAULT_JVM_OPTIONS,
  type LocalDynamoDb,
  startLocalDynamoDb,
  templateTable,
} from '../../../local/dynamodb/index.js';
import { localClientConfig } from '../../../local/process/aws-env.js';
import { isProcessRunning } from '../../../local/process/process-running.js';
import { loadCloudAssembly } from '../../../local/template/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/local');
const ASSEMBLY = join(FIXTURES, 'assembly');
const RUNS = 'AwfLocalData-RunsTable';
const LINEAGE = 'AwfLocalData-LineageTable';
const COUNTERS = 'AwfLocalData-counters';

describe('templateTable', () => {
  const template = loadCloudAssembly(ASSEMBLY);

  it('maps a provisioned table with its indexes, stream and TTL to CreateTable input', () => {
    const { input, timeToLiveAttribute } = templateTable(template, template.resource('LineageTable'));
    expect(timeToLiveAttribute).toBeUndefined();
    expect(input).toMatchObject({
      TableName: LINEAGE,
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      GlobalSecondaryIndexes: [
        expect.objectContaining({
          IndexName: 'byWorkflow',
          ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 },
        }),
      ],
      LocalSecondaryIndexes: [expect.objectContaining({ IndexName: 'byType' })],
    });
    expect(input).not.toHaveProperty('SSESpecification');
  });

  it('maps a global table to a table of the same name with its TTL attribute', () => {
    const { input, timeToLiveAttribute } = templateTable(template, template.resource('CountersTable'));
    expect(input).toMatchObject({ TableName: COUNTERS, BillingMode: 'PAY_PER_REQUEST' });
    expect(timeToLiveAttribute).toBe('ttl');
  });
});

/** Gone, or ended and waiting only to be reaped (a zombie holds no port and runs nothing). */
function hasEnded(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return !isProcessRunning(pid);
  const state = readFileSync(stat, 'utf8').split(') ')[1]?.[0];
  return state === 'Z' || state === 'X';
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

describe('startLocalDynamoDb', () => {
  const template = loadCloudAssembly(ASSEMBLY);

  it('fails with a one-line hint when java is missing', async () => {
    await expect(startLocalDynamoDb({ javaCommand: '/nonexistent/bin/java' })).rejects.toThrow(
      'DynamoDB Local needs a Java 17+ runtime and "/nonexistent/bin/java" was not found; install one (e.g. apt-get install openjdk-17-jre-headless)',
    );
  });

  describe('in memory, with the tables of a template', () => {
    let dynamodb: LocalDynamoDb;
    let client: DynamoDBClient;

    beforeAll(async () => {
      dynamodb = await startLocalDynamoDb({ template });
      client = new DynamoDBClient(localClientConfig(dynamodb.endpoint, 'eu-west-1'));
    });

    afterAll(async () => {
      client?.destroy();
      await dynamodb?.stop();
    });

    it('listens on 127.0.0.1 and reports the tables it created', () => {
      expect(dynamodb.endpoint).toBe(`http://127.0.0.1:${dynamodb.port}`);
      expect([...dynamodb.tables.created].sort()).toEqual([COUNTERS, LINEAGE, RUNS].sort());
      expect(dynamodb.tables.existing).toEqual([]);
    });

    it('runs the JVM with the serial collector and its default tiered compilation, the cheapest in CPU per request once warm', () => {
      const commandLine = readFileSync(`/proc/${dynamodb.pid}/cmdline`, 'utf8').split('\0');
      const jvmOptions = commandLine.slice(0, commandLine.indexOf('-jar'));
      expect(jvmOptions).toEqual(expect.arrayContaining([...DEFAULT_JVM_OPTIONS]));
      expect(jvmOptions).toContain('-XX:+UseSerialGC');
      // C1 alone (TieredStopAtLevel=1) costs DynamoDB Local half again as much CPU per request once warm.
      expect(jvmOptions.filter((option) => option.startsWith('-XX:TieredStopAtLevel'))).toEqual([]);
    });

    it("creates the runs table with the template's keys, GSI, on-demand billing and TTL", async () => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: RUNS }));
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(
        Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema, i.Projection?.ProjectionType]),
      ).toEqual([
        [
          'byWorkflow',
          [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          'ALL',
        ],
      ]);
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: RUNS }));
      expect(ttl.TimeToLiveDescription).toEqual({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    });

    it('creates the lineage table with its stream, included attributes and local index', async () => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: LINEAGE }));
      expect(Table?.StreamSpecification).toEqual({
        StreamEnabled: true,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      });
      expect(Table?.LatestStreamArn).toEqual(expect.stringContaining(LINEAGE));
      expect(Table?.GlobalSecondaryIndexes?.[0]?.Projection).toEqual({
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: ['type', 'actor'],
      });
      expect(Table?.LocalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byType']);
      expect(Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 5, WriteCapacityUnits: 5 });
    });

    it('creates a global table under its template name with stream and TTL', async () => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: COUNTERS }));
      expect(Table?.StreamSpecification?.StreamViewType).toBe('KEYS_ONLY');
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: COUNTERS }));
      expect(ttl.TimeToLiveDescription?.AttributeName).toBe('ttl');
    });

    it('shares one database across credentials and regions', async () => {
      const other = new DynamoDBClient({
        endpoint: dynamodb.endpoint,
        region: 'ap-southeast-2',
        credentials: { accessKeyId: 'someoneElse', secretAccessKey: 'x' },
      });
      try {
        const { Table } = await other.send(new DescribeTableCommand({ TableName: RUNS }));
        expect(Table?.TableName).toBe(RUNS);
      } finally {
        other.destroy();
      }
    });
  });

  it('stops Java when the Node.js process that started it is killed outright (SIGKILL, no exit handler)', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'dynamodb-then-hang.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        createInterface({ input: parent.stdout }).once('line', resolve);
        parent.once('exit', (code) => reject(new Error(`the fixture exited with ${code} before starting`)));
      });
      const { pid } = JSON.parse(firstLine) as { pid: number };
      expect(hasEnded(pid)).toBe(false);

      parent.kill('SIGKILL');

      expect(await waitUntil(() => hasEnded(pid), 15_000)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  }, 60_000);

  it('keeps tables and items in a data directory across restarts, and leaves no Java process behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'awf-dynamodb-'));
    try {
      const first = await startLocalDynamoDb({ template, dataDir });
      const firstClient = new DynamoDBClient(localClientConfig(first.endpoint, 'eu-west-1'));
      await firstClient.send(
        new PutItemCommand({
          TableName: RUNS,
          Item: { pk: { S: 'RUN#1' }, sk: { S: 'RUN' }, status: { S: 'RUNNING' } },
        }),
      );
      firstClient.destroy();
      await first.stop();
      expect(isProcessRunning(first.pid)).toBe(false);

      const second = await startLocalDynamoDb({ template, dataDir });
      const secondClient = new DynamoDBClient(localClientConfig(second.endpoint, 'eu-west-1'));
      try {
        expect(second.tables.created).toEqual([]);
        expect([...second.tables.existing].sort()).toEqual([COUNTERS, LINEAGE, RUNS].sort());
        const { Item } = await secondClient.send(
          new GetItemCommand({ TableName: RUNS, Key: { pk: { S: 'RUN#1' }, sk: { S: 'RUN' } } }),
        );
        expect(Item?.status).toEqual({ S: 'RUNNING' });
      } finally {
        secondClient.destroy();
        await second.stop();
      }
      expect(isProcessRunning(second.pid)).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
