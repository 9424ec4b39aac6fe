/**
 * LineageStore on the lineage table: one partition per chain, `seq` as sort key.
 *
 * Records are only ever put, with `attribute_not_exists` on the key, so the
 * table never holds an update; the Lambdas' roles have no UpdateItem or
 * DeleteItem on it either.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LineageRecord, LineageStore } from '../../core/lineage/record.js';
import { LINEAGE_TABLE_LAYOUT } from '../../core/storage/table-layout.js';
import { isConditionalCheckFailed } from './dynamodb-errors.js';

const { partitionKey, sortKey } = LINEAGE_TABLE_LAYOUT;

/** Where the lineage store writes. */
export interface DynamoDbLineageStoreProps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** The lineage table as a LineageStore. */
export class DynamoDbLineageStore implements LineageStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(props: DynamoDbLineageStoreProps) {
    this.client = props.client;
    this.tableName = props.tableName;
  }

  async head(chainId: string): Promise<LineageRecord | undefined> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :chainId',
        ExpressionAttributeNames: { '#pk': partitionKey },
        ExpressionAttributeValues: { ':chainId': chainId },
        ScanIndexForward: false,
        Limit: 1,
        // The next seq is derived from the head: a stale read would only lose the race, but costs a retry.
        ConsistentRead: true,
      }),
    );
    return result.Items?.[0] as LineageRecord | undefined;
  }

  async putIfAbsent(record: LineageRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
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
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :chainId',
          ExpressionAttributeNames: { '#pk': partitionKey },
          ExpressionAttributeValues: { ':chainId': chainId },
          ScanIndexForward: true,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...((page.Items ?? []) as LineageRecord[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}
