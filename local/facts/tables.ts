/**
 * The grounding tables of the packs in DynamoDB Local: the customer tables a
 * spec's facts read (`grounding.facts.<name>.source.table`), created when
 * missing and seeded with each fact's `localFixture`. In AWS these tables are
 * the customer's and awf creates and writes none of them.
 *
 * A table given by ARN is created under its table name: DynamoDB Local, like
 * DynamoDB, accepts a table ARN as `TableName` and finds the table by the
 * ARN's name (whatever account and region the ARN names), so the step Lambdas
 * pass the ARN unchanged, locally as in AWS.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { toDocumentClient } from '../../adapters/aws-clients.js';
import { tableNameOf } from '../../adapters/memory-fact-reader.js';
import { canonicalJson } from '../../core/canonical-json.js';
import type { WorkflowSpec } from '../../core/workflow/spec.js';
import type { LocatedWorkflowPack } from '../../workflows/discover.js';
import { LocalDynamoDbError } from '../dynamodb/error.js';
import { loadFactFixtures } from './fixtures.js';

/** One grounding table as DynamoDB Local creates it. */
export interface FactTable {
  /** The table name (an ARN's last part). */
  readonly tableName: string;
  /** The facts that read it, as `<workflow>.<fact>`, for messages. */
  readonly readBy: readonly string[];
  readonly input: CreateTableCommandInput;
}

/** What {@link prepareFactTables} did. */
export interface FactTables {
  /** Tables created now. */
  readonly created: readonly string[];
  /** Tables that already existed (a data directory kept them); their fixtures were put again. */
  readonly existing: readonly string[];
  /** Items put, by table name. */
  readonly seeded: Readonly<Record<string, number>>;
}

/** The schema under optional, nullable and default wrappers. */
function baseSchemaOf(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodDefault
  ) {
    current = current.def.innerType as z.ZodType;
  }
  return current;
}

/** `N` when the fact's attributes declare the key attribute a number, else `S`. */
function keyAttributeType(attributes: z.ZodObject, attribute: string): 'N' | 'S' {
  return baseSchemaOf(attributes.shape[attribute] as z.ZodType | undefined) instanceof z.ZodNumber
    ? 'N'
    : 'S';
}

function sameKeySchema(a: CreateTableCommandInput, b: CreateTableCommandInput): boolean {
  return (
    JSON.stringify([a.KeySchema, a.AttributeDefinitions]) ===
    JSON.stringify([b.KeySchema, b.AttributeDefinitions])
  );
}

function describeKey(input: CreateTableCommandInput): string {
  const types = new Map(input.AttributeDefinitions?.map((d) => [d.AttributeName, d.AttributeType]));
  return (input.KeySchema ?? [])
    .map((k) => `${k.AttributeName} (${types.get(k.AttributeName)}, ${k.KeyType})`)
    .join(', ');
}

/**
 * The grounding tables of `specs`, one per table name: the key schema from
 * the fact's `source.key` (HASH for the first attribute, RANGE for the
 * second), on-demand billing.
 * @throws LocalDynamoDbError when two facts read one table with different keys, naming both.
 */
export function factTablesOf(specs: readonly WorkflowSpec[]): FactTable[] {
  const tables = new Map<string, FactTable>();
  for (const spec of specs) {
    for (const [name, fact] of Object.entries(spec.grounding.facts)) {
      const tableName = tableNameOf(fact.source.table);
      const keyAttributes = Object.keys(fact.source.key);
      const input: CreateTableCommandInput = {
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keyAttributes.map((attribute) => ({
          AttributeName: attribute,
          AttributeType: keyAttributeType(fact.attributes, attribute),
        })),
        KeySchema: keyAttributes.map((attribute, i) => ({
          AttributeName: attribute,
          KeyType: i === 0 ? 'HASH' : 'RANGE',
        })),
      };
      const reader = `${spec.id}.${name}`;
      const known = tables.get(tableName);
      if (known === undefined) {
        tables.set(tableName, { tableName, readBy: [reader], input });
      } else if (!sameKeySchema(known.input, input)) {
        throw new LocalDynamoDbError(
          `grounding table "${tableName}" is read with different keys: ${known.readBy.join(', ')} by ${describeKey(known.input)}, ${reader} by ${describeKey(input)}`,
        );
      } else {
        tables.set(tableName, { ...known, readBy: [...known.readBy, reader] });
      }
    }
  }
  return [...tables.values()];
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

/** BatchWriteItem's limit of items per call. */
const BATCH_SIZE = 25;
/** Rounds of resending what DynamoDB left unprocessed before giving up. */
const MAX_UNPROCESSED_ROUNDS = 8;

/** The key attribute names of a table, from DynamoDB itself. */
async function keyAttributesOf(client: DynamoDBClient, tableName: string): Promise<string[]> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return (Table?.KeySchema ?? []).flatMap((k) => (k.AttributeName === undefined ? [] : [k.AttributeName]));
}

/**
 * Puts `items` into a grounding table of a running local cloud (or any
 * DynamoDB Local), replacing items with the same key, as one `PutItem` each
 * would (the last of two items with one key wins): what tests and the
 * benchmark use to give the facts of the events they send. `table` may be a
 * name or an ARN (its table name is used).
 *
 * @example
 * const dynamodb = new DynamoDBClient(localClientConfig(cloud.state.endpoints.dynamodb, cloud.state.region));
 * await seedFactItems(dynamodb, 'acme-orders', [{ orderId: 'ord_1', total: 120, status: 'DELIVERED' }]);
 * @throws LocalDynamoDbError naming the table when it does not exist or DynamoDB refuses an item
 *   (a missing or mistyped key attribute).
 */
export async function seedFactItems(
  client: DynamoDBClient,
  table: string,
  items: readonly Readonly<Record<string, unknown>>[],
): Promise<void> {
  if (items.length === 0) return;
  const tableName = tableNameOf(table);
  const documents = toDocumentClient(client);
  try {
    const keyAttributes = await keyAttributesOf(client, tableName);
    // BatchWriteItem refuses two requests for one key in a call: keep the last, as sequential puts would.
    const byKey = new Map<string, Readonly<Record<string, unknown>>>();
    for (const item of items) byKey.set(canonicalJson(keyAttributes.map((a) => item[a] ?? null)), item);
    const unique = [...byKey.values()];
    for (let start = 0; start < unique.length; start += BATCH_SIZE) {
      let requests = unique
        .slice(start, start + BATCH_SIZE)
        .map((item) => ({ PutRequest: { Item: { ...item } } }));
      for (let round = 0; requests.length > 0; round += 1) {
        if (round === MAX_UNPROCESSED_ROUNDS) {
          throw new Error(`${requests.length} item(s) still unprocessed after ${round} rounds`);
        }
        const result = await documents.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
        );
        requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
    }
  } catch (cause) {
    throw new LocalDynamoDbError(
      `cannot put items into grounding table "${tableName}": ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * Creates the grounding tables of every pack that are missing and puts each
 * fact's fixture items into them. Idempotent: a restart (or a kept data
 * directory) puts the same items again.
 *
 * @throws LocalDynamoDbError naming the workflow, the fixture file and the
 *   problem when a fixture cannot be read or an item cannot be put, or the
 *   table when it cannot be created.
 */
export async function prepareFactTables(
  client: DynamoDBClient,
  packs: readonly LocatedWorkflowPack[],
): Promise<FactTables> {
  const fixtures = packs.map(({ dir, pack }) => {
    try {
      // loadFactFixtures gives one fixture per fact, in the spec's order.
      const facts = Object.entries(pack.spec.grounding.facts);
      return { workflowId: pack.spec.id, facts, fixtures: loadFactFixtures(pack.spec, dir) };
    } catch (cause) {
      throw new LocalDynamoDbError(
        `workflow "${pack.spec.id}" (${dir}): ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
  });
  const tables = factTablesOf(packs.map(({ pack }) => pack.spec));
  const existing = await existingTables(client);
  const created: string[] = [];
  const kept: string[] = [];
  for (const { tableName, input } of tables) {
    if (existing.has(tableName)) {
      kept.push(tableName);
      continue;
    }
    try {
      await client.send(new CreateTableCommand(input));
    } catch (cause) {
      throw new LocalDynamoDbError(
        `grounding table "${tableName}" could not be created: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    created.push(tableName);
  }
  const seeded: Record<string, number> = {};
  for (const { workflowId, facts, fixtures: list } of fixtures) {
    for (const [index, { table, items }] of list.entries()) {
      if (items.length === 0) continue;
      const [name = '', fact] = facts[index] ?? [];
      try {
        await seedFactItems(client, table, items);
      } catch (cause) {
        throw new LocalDynamoDbError(
          `workflow "${workflowId}": grounding.facts.${name}.localFixture: the items of ${fact?.localFixture ?? 'the fixture'} cannot be put: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        );
      }
      const tableName = tableNameOf(table);
      seeded[tableName] = (seeded[tableName] ?? 0) + items.length;
    }
  }
  return { created, existing: kept, seeded };
}
