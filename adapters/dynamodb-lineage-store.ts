/**
 * LineageStore on the lineage table: one partition per chain, `seq` as sort key.
 *
 * Records are only ever put, with `attribute_not_exists` on the key, so the
 * table never holds an update; the Lambdas' roles have no UpdateItem or
 * DeleteItem on it either, and the table's resource policy denies both to everyone.
 *
 * Each item carries, outside the record's hash, its expiry and the keys of
 * the sparse indexes (`core/storage/lineage-item.ts`); reads strip them.
 *
 * It speaks to the plain DynamoDB client and converts items itself, with the
 * settings the document client uses elsewhere: every step appends and reads lineage several
 * times per run, and a plain client may resolve its middleware once
 * (`cacheMiddleware`), which the document client refuses.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AwfError } from '../core/errors.js';
import type { LineageRecord, LineageRecordType, LineageStore } from '../core/lineage/record.js';
import { type LineageExpiry, lineageItemOf, lineageRecordOf } from '../core/storage/lineage-item.js';
import { LINEAGE_TABLE_LAYOUT } from '../core/storage/table-layout.js';
import { ITEM_CONVERSION } from './aws-clients.js';
import { isConditionalCheckFailed } from './dynamodb-errors.js';

const { partitionKey, sortKey } = LINEAGE_TABLE_LAYOUT;
const byWorkflow = LINEAGE_TABLE_LAYOUT.indexes.byWorkflow;

/** Where the lineage store writes. */
export interface DynamoDbLineageStoreProps {
  /** A plain DynamoDB client (not a document client); `cacheMiddleware` may be on. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * How long the records this store puts are kept: each gets the table's TTL
   * attribute (`lineageExpiresAt`). Reading needs none.
   * @default - no expiry: records are kept until deleted by hand
   */
  readonly expiry?: LineageExpiry;
}

function toRecord(item: Record<string, AttributeValue>): LineageRecord {
  // The storage attributes are outside the hash: left in, the record would not verify.
  return lineageRecordOf(unmarshall(item, ITEM_CONVERSION.unmarshallOptions)) as unknown as LineageRecord;
}

/** The lineage table as a LineageStore. */
export class DynamoDbLineageStore implements LineageStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly expiry: LineageExpiry | undefined;

  /** @throws AwfError when handed a document client instead of a plain one. */
  constructor(props: DynamoDbLineageStoreProps) {
    // A document client would marshal the already-marshalled items again; TypeScript cannot tell the two apart.
    if (props.client instanceof DynamoDBDocumentClient) {
      throw new AwfError(
        'DynamoDbLineageStore needs a plain DynamoDBClient, not a DynamoDBDocumentClient: it converts items itself',
      );
    }
    this.client = props.client;
    this.tableName = props.tableName;
    this.expiry = props.expiry;
  }

  /** A consistent query of one chain, in `seq` order (`forward`) or from its end. */
  private chainQuery(chainId: string, forward: boolean): QueryCommandInput {
    return {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :chainId',
      ExpressionAttributeNames: { '#pk': partitionKey },
      ExpressionAttributeValues: { ':chainId': { S: chainId } },
      ScanIndexForward: forward,
      // The next seq is derived from what is read: a stale read would only lose the race, but costs a retry.
      ConsistentRead: true,
    };
  }

  async head(chainId: string): Promise<LineageRecord | undefined> {
    const result = await this.client.send(new QueryCommand({ ...this.chainQuery(chainId, false), Limit: 1 }));
    const [item] = result.Items ?? [];
    return item === undefined ? undefined : toRecord(item);
  }

  async putIfAbsent(record: LineageRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(lineageItemOf(record, this.expiry), ITEM_CONVERSION.marshallOptions),
          ConditionExpression: 'attribute_not_exists(#pk) AND attribute_not_exists(#sk)',
          ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async chain(chainId: string): Promise<LineageRecord[]> {
    const records: LineageRecord[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ ...this.chainQuery(chainId, true), ExclusiveStartKey: startKey }),
      );
      records.push(...(page.Items ?? []).map(toRecord));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  /**
   * Every chain id the table holds, sorted: a paginated Scan that reads only
   * the partition key. For `awf audit verify --all` and the checkpointer,
   * which must see every chain, a deleted one's absence included; everything
   * narrower is a Query (`dynamodb-lineage-queries.ts`).
   */
  async chainIds(): Promise<string[]> {
    const ids = new Set<string>();
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: '#pk',
          ExpressionAttributeNames: { '#pk': partitionKey },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const id = item[partitionKey]?.S;
        if (id !== undefined) ids.add(id);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return [...ids].sort();
  }

  /**
   * A workflow's records across its runs, in time order, from the byWorkflow
   * index: those at or after `since` (an ISO-8601 time), of one `type` when given.
   *
   * For reports: the index is eventually consistent, so a record appended a
   * moment ago may be missing. Verify chains from {@link chain}, never from this.
   */
  async recordsOfWorkflow(
    workflowId: string,
    options: { readonly since?: string; readonly type?: LineageRecordType } = {},
  ): Promise<LineageRecord[]> {
    const { since, type } = options;
    const records: LineageRecord[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: byWorkflow.indexName,
          KeyConditionExpression: since === undefined ? '#w = :w' : '#w = :w AND #at >= :since',
          ...(type !== undefined && { FilterExpression: '#type = :type' }),
          ExpressionAttributeNames: {
            '#w': byWorkflow.partitionKey,
            ...(since !== undefined && { '#at': byWorkflow.sortKey }),
            ...(type !== undefined && { '#type': 'type' }),
          },
          ExpressionAttributeValues: {
            ':w': { S: workflowId },
            ...(since !== undefined && { ':since': { S: since } }),
            ...(type !== undefined && { ':type': { S: type } }),
          },
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...(page.Items ?? []).map(toRecord));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}
