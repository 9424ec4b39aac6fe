/**
 * The auditor's questions of the lineage table, each answered by paginated
 * Queries, never a Scan:
 *
 * - a business entity: the sparse `runsByEntity` index (keys only; a chain's
 *   opening record carries `runEntityKey` = `<workflowId>#<entityId>`) names
 *   the entity's runs, then a consistent Query of each run's chain;
 * - otherwise: the `byWorkflow` index (`workflowId`, `at`).
 *
 * The time window is a key condition on `at` where the index's sort key is
 * the record's time; the actor and the record type are filters.
 *
 * The indexes are eventually consistent: a record appended a moment ago may
 * be missing. Chains are verified from the table itself (`DynamoDbLineageStore.chain`).
 */
import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LineageQuery } from '../core/lineage/query.js';
import type { LineageRecord } from '../core/lineage/record.js';
import { lineageRecordOf } from '../core/storage/lineage-item.js';
import { LINEAGE_TABLE_LAYOUT } from '../core/storage/table-layout.js';
import { ITEM_CONVERSION } from './aws-clients.js';

const { indexes, partitionKey } = LINEAGE_TABLE_LAYOUT;

/** Where the queries read. */
export interface DynamoDbLineageQueriesProps {
  /** A plain DynamoDB client (items are converted here). */
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** One Query: its index (none: the table), key condition and filters, with their names and values. */
interface QueryPlan {
  readonly indexName?: string;
  readonly keyCondition: string;
  readonly filters: readonly string[];
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
  readonly consistent?: boolean;
}

/** The time window as a condition on `#at`: `at` is the index's sort key, or a filter on the table. */
function window(query: Pick<LineageQuery, 'since' | 'until'>): {
  condition?: string;
  values: Record<string, AttributeValue>;
} {
  const { since, until } = query;
  if (since !== undefined && until !== undefined) {
    return {
      condition: '#at BETWEEN :since AND :until',
      values: { ':since': { S: since }, ':until': { S: until } },
    };
  }
  if (since !== undefined) return { condition: '#at >= :since', values: { ':since': { S: since } } };
  if (until !== undefined) return { condition: '#at <= :until', values: { ':until': { S: until } } };
  return { values: {} };
}

/** The actor and type filters of a query. */
function recordFilters(query: LineageQuery): Pick<QueryPlan, 'filters' | 'names' | 'values'> {
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  if (query.actor !== undefined) {
    names['#actor'] = 'actor';
    values[':actor'] = { S: query.actor };
    filters.push('#actor = :actor');
  }
  if (query.type !== undefined) {
    names['#type'] = 'type';
    values[':type'] = { S: query.type };
    filters.push('#type = :type');
  }
  return { filters, names, values };
}

/** A workflow's records in the window, from the byWorkflow index. */
export function workflowPlan(query: LineageQuery): QueryPlan {
  const index = indexes.byWorkflow;
  const time = window(query);
  const filters = recordFilters(query);
  return {
    indexName: index.indexName,
    keyCondition: time.condition === undefined ? '#pk = :pk' : `#pk = :pk AND ${time.condition}`,
    filters: filters.filters,
    names: {
      '#pk': index.partitionKey,
      ...(time.condition !== undefined && { '#at': index.sortKey }),
      ...filters.names,
    },
    values: { ':pk': { S: query.workflowId }, ...time.values, ...filters.values },
  };
}

/**
 * The runs of an entity, from the runsByEntity index: every run opened up to
 * `until` (a run opened before `since` may still have records in the window).
 */
export function entityRunsPlan(query: LineageQuery): QueryPlan {
  const index = indexes.runsByEntity;
  const until = query.until;
  return {
    indexName: index.indexName,
    keyCondition: until === undefined ? '#pk = :pk' : '#pk = :pk AND #at <= :until',
    filters: [],
    names: { '#pk': index.partitionKey, ...(until !== undefined && { '#at': index.sortKey }) },
    values: {
      ':pk': { S: `${query.workflowId}#${query.entityId}` },
      ...(until !== undefined && { ':until': { S: until } }),
    },
  };
}

/** One run's records that answer the query, read consistently from the table. */
export function chainPlan(query: LineageQuery, chainId: string): QueryPlan {
  const time = window(query);
  const filters = recordFilters(query);
  return {
    keyCondition: '#pk = :pk',
    filters: [...(time.condition === undefined ? [] : [time.condition]), ...filters.filters],
    names: { '#pk': partitionKey, ...(time.condition !== undefined && { '#at': 'at' }), ...filters.names },
    values: { ':pk': { S: chainId }, ...time.values, ...filters.values },
    consistent: true,
  };
}

function toRecord(item: Record<string, AttributeValue>): LineageRecord {
  // The storage attributes (expiry, index keys) are not part of the record.
  return lineageRecordOf(unmarshall(item, ITEM_CONVERSION.unmarshallOptions)) as unknown as LineageRecord;
}

/** The auditor's queries of one lineage table. */
export class DynamoDbLineageQueries {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(props: DynamoDbLineageQueriesProps) {
    this.#client = props.client;
    this.#tableName = props.tableName;
  }

  /** Every page of a plan's items, read with `projection` when given. */
  async *#pages(plan: QueryPlan, projection?: string): AsyncGenerator<Record<string, AttributeValue>[]> {
    const names = { ...plan.names, ...(projection !== undefined && { '#projected': projection }) };
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          ...(plan.indexName !== undefined && { IndexName: plan.indexName }),
          KeyConditionExpression: plan.keyCondition,
          ...(plan.filters.length > 0 && { FilterExpression: plan.filters.join(' AND ') }),
          ...(projection !== undefined && { ProjectionExpression: '#projected' }),
          ...(plan.consistent === true && { ConsistentRead: true }),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: plan.values,
          ExclusiveStartKey: startKey,
        }),
      );
      yield page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async #chainIdsOf(plan: QueryPlan): Promise<string[]> {
    const ids = new Set<string>();
    for await (const items of this.#pages(plan, partitionKey)) {
      for (const item of items) {
        const id = item[partitionKey]?.S;
        if (id !== undefined) ids.add(id);
      }
    }
    return [...ids].sort();
  }

  /**
   * The records that answer the query: in time order from the byWorkflow
   * index; for an entity, run by run in seq order.
   */
  async records(query: LineageQuery): Promise<LineageRecord[]> {
    const records: LineageRecord[] = [];
    const plans =
      query.entityId === undefined
        ? [workflowPlan(query)]
        : (await this.#chainIdsOf(entityRunsPlan(query))).map((id) => chainPlan(query, id));
    for (const plan of plans) {
      for await (const items of this.#pages(plan)) records.push(...items.map(toRecord));
    }
    return records;
  }

  /** The runs (chain ids) with a record that answers the query, sorted; reads only the chain ids. */
  async chainIds(query: LineageQuery): Promise<string[]> {
    if (query.entityId === undefined) return this.#chainIdsOf(workflowPlan(query));
    const ids: string[] = [];
    for (const id of await this.#chainIdsOf(entityRunsPlan(query))) {
      for await (const items of this.#pages(chainPlan(query, id), partitionKey)) {
        if (items.length > 0) {
          ids.push(id);
          break;
        }
      }
    }
    return ids;
  }
}
