/**
 * The tables of the synthesized template in DynamoDB Local: each
 * `AWS::DynamoDB::Table` and `AWS::DynamoDB::GlobalTable` mapped to
 * CreateTable's input from the template's own definition, created when
 * missing, with its time to live enabled.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import type { LocalTemplate, TemplateResource } from '../template/index.js';
import { LocalDynamoDbError } from './error.js';

/** What happened to the template's tables at start. */
export interface TemplateTables {
  /** Tables created now. */
  readonly created: readonly string[];
  /** Tables that already existed (a data directory kept them) and were left as they were. */
  readonly existing: readonly string[];
}

const keySchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })).min(1);
const projection = z.object({
  ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']).optional(),
  NonKeyAttributes: z.array(z.string()).optional(),
});
const throughput = z.object({ ReadCapacityUnits: z.coerce.number(), WriteCapacityUnits: z.coerce.number() });
const capacitySettings = z
  .object({
    ReadCapacityUnits: z.coerce.number().optional(),
    WriteCapacityUnits: z.coerce.number().optional(),
  })
  .optional();

const tablePropertiesSchema = z.object({
  AttributeDefinitions: z
    .array(z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) }))
    .min(1),
  KeySchema: keySchema,
  BillingMode: z.enum(['PROVISIONED', 'PAY_PER_REQUEST']).optional(),
  ProvisionedThroughput: throughput.optional(),
  GlobalSecondaryIndexes: z
    .array(
      z.object({
        IndexName: z.string(),
        KeySchema: keySchema,
        Projection: projection,
        ProvisionedThroughput: throughput.optional(),
      }),
    )
    .optional(),
  LocalSecondaryIndexes: z
    .array(z.object({ IndexName: z.string(), KeySchema: keySchema, Projection: projection }))
    .optional(),
  StreamSpecification: z
    .object({ StreamViewType: z.enum(['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']) })
    .optional(),
  TimeToLiveSpecification: z
    .object({ AttributeName: z.string().optional(), Enabled: z.boolean() })
    .optional(),
  // Global tables: provisioned capacity lives in these settings.
  WriteProvisionedThroughputSettings: capacitySettings,
  Replicas: z.array(z.object({ ReadProvisionedThroughputSettings: capacitySettings })).optional(),
});

/** DynamoDB Local needs numbers for provisioned tables; CloudFormation may leave them to auto scaling. */
const DEFAULT_CAPACITY = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

/** A table of the template, as DynamoDB Local creates it. */
export interface TemplateTable {
  readonly input: CreateTableCommandInput;
  /** The TTL attribute, when the template enables TTL. */
  readonly timeToLiveAttribute?: string;
}

/**
 * Maps a template's table resource to CreateTable's input: key schema,
 * attributes, indexes, billing mode and stream as the template defines them.
 * Encryption, point-in-time recovery, deletion protection, tags and replicas
 * have no local meaning and are left out.
 * @throws LocalDynamoDbError naming the table and the malformed property.
 */
export function templateTable(template: LocalTemplate, resource: TemplateResource): TemplateTable {
  const tableName = template.physicalName(resource.logicalId, resource.stackName);
  const parsed = tablePropertiesSchema.safeParse(template.resolvedProperties(resource));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new LocalDynamoDbError(
      `table "${resource.stackName}/${resource.logicalId}" cannot be created: ${problems}`,
    );
  }
  const p = parsed.data;
  // CloudFormation's default billing mode is PROVISIONED.
  const provisioned = (p.BillingMode ?? 'PROVISIONED') === 'PROVISIONED';
  const tableThroughput = p.ProvisionedThroughput ?? {
    ReadCapacityUnits:
      p.Replicas?.[0]?.ReadProvisionedThroughputSettings?.ReadCapacityUnits ??
      DEFAULT_CAPACITY.ReadCapacityUnits,
    WriteCapacityUnits:
      p.WriteProvisionedThroughputSettings?.WriteCapacityUnits ?? DEFAULT_CAPACITY.WriteCapacityUnits,
  };
  const input: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: p.AttributeDefinitions,
    KeySchema: p.KeySchema,
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { ProvisionedThroughput: tableThroughput } : {}),
    ...(p.GlobalSecondaryIndexes?.length
      ? {
          GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map((index) => ({
            IndexName: index.IndexName,
            KeySchema: index.KeySchema,
            Projection: index.Projection,
            ...(provisioned ? { ProvisionedThroughput: index.ProvisionedThroughput ?? tableThroughput } : {}),
          })),
        }
      : {}),
    ...(p.LocalSecondaryIndexes?.length ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes } : {}),
    ...(p.StreamSpecification
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType } }
      : {}),
  };
  const ttl = p.TimeToLiveSpecification;
  return ttl?.Enabled && ttl.AttributeName ? { input, timeToLiveAttribute: ttl.AttributeName } : { input };
}

async function existingTables(client: DynamoDBClient): Promise<Set<string>> {
  const names = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) names.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);
  return names;
}

async function ensureTimeToLive(
  client: DynamoDBClient,
  tableName: string,
  attributeName: string,
): Promise<void> {
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: attributeName, Enabled: true },
    }),
  );
}

/**
 * Creates every table of the template that does not exist yet, then enables
 * its time to live; tables that exist are kept as they are (with their data),
 * only their TTL is enabled if an earlier start stopped short of it.
 * @throws LocalDynamoDbError naming the table that could not be created.
 */
export async function createTemplateTables(
  client: DynamoDBClient,
  template: LocalTemplate,
): Promise<TemplateTables> {
  const resources = [
    ...template.resourcesOfType('AWS::DynamoDB::Table'),
    ...template.resourcesOfType('AWS::DynamoDB::GlobalTable'),
  ];
  const tables = resources.map((resource) => templateTable(template, resource));
  const existing = await existingTables(client);
  const created: string[] = [];
  const kept: string[] = [];
  for (const { input, timeToLiveAttribute } of tables) {
    const tableName = input.TableName ?? '';
    if (existing.has(tableName)) kept.push(tableName);
    else {
      try {
        await client.send(new CreateTableCommand(input));
      } catch (cause) {
        throw new LocalDynamoDbError(
          `table "${tableName}" could not be created: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        );
      }
      created.push(tableName);
    }
    if (timeToLiveAttribute) await ensureTimeToLive(client, tableName, timeToLiveAttribute);
  }
  return { created, existing: kept };
}
