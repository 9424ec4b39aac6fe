/**
 * LineageStore on the lineage table: one partition per chain, `seq` as sort key.
 *
 * Records are only ever put, with `attribute_not_exists` on the key, so the
 * table never holds an update; the Lambdas' roles have no UpdateItem or
 * DeleteItem on it either.
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
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AwfError } from '../core/errors.js';
import type { LineageRecord, LineageRecordType, LineageStore } from '../core/lineage/record.js';
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
}

function toRecord(item: Record<string, AttributeValue>): LineageRecord {
  return unmarshall(item, ITEM_CONVERSION.unmarshallOptions) as LineageRecord;
}

/** The lineage table as a LineageStore. */
export class DynamoDbLineageStore implements LineageStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

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
          Item: marshall(record, ITEM_CONVERSION.marshallOptions),
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
