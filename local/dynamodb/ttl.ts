/**
 * Time to live for DynamoDB Local, which stores the TTL setting but never
 * deletes an expired item: a sweeper that deletes the items of the
 * template's TTL tables whose TTL attribute has passed on the local clock,
 * and notes each deletion, so the stream mappings (`streams.ts`) can mark its
 * REMOVE record as DynamoDB marks its own (`userIdentity` of the service).
 */

import type { KeySchemaElement } from '@aws-sdk/client-dynamodb';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { LocalTemplate } from '../template/index.js';
import { templateTable } from './tables.js';

/** A table whose items expire. */
export interface TtlTable {
  readonly tableName: string;
  readonly attribute: string;
  readonly keyNames: readonly string[];
}

/** The template's tables with TTL enabled. */
export function ttlTablesOf(template: LocalTemplate): TtlTable[] {
  return [
    ...template.resourcesOfType('AWS::DynamoDB::Table'),
    ...template.resourcesOfType('AWS::DynamoDB::GlobalTable'),
  ].flatMap((resource) => {
    const { input, timeToLiveAttribute } = templateTable(template, resource);
    if (timeToLiveAttribute === undefined || input.TableName === undefined) return [];
    const keyNames = (input.KeySchema ?? []).map((key: KeySchemaElement) => key.AttributeName ?? '');
    return [{ tableName: input.TableName, attribute: timeToLiveAttribute, keyNames }];
  });
}

/** The identity of an item by its key, as both the sweeper and a stream record's `Keys` give it. */
export function itemKeyId(tableName: string, keys: Readonly<Record<string, unknown>>): string {
  const sorted = Object.keys(keys)
    .sort()
    .map((name) => [name, keys[name]]);
  return `${tableName}\u0000${JSON.stringify(sorted)}`;
}

/** The deletions the sweeper made, until a stream mapping claims each one. */
export class TtlDeletionLog {
  readonly #pending = new Set<string>();

  /** Notes that the sweeper deletes this item. */
  note(tableName: string, keys: Readonly<Record<string, AttributeValue>>): void {
    this.#pending.add(itemKeyId(tableName, keys));
  }

  /** Whether the sweeper deleted this item; true once per deletion. */
  claim(tableName: string, keys: Readonly<Record<string, unknown>>): boolean {
    return this.#pending.delete(itemKeyId(tableName, keys));
  }
}

/** Options of {@link TtlSweeper}. */
export interface TtlSweeperOptions {
  readonly client: DynamoDBClient;
  readonly tables: readonly TtlTable[];
  /** The local cloud's clock: an item expires when its TTL (epoch seconds) is before it. */
  readonly now: () => Date;
  readonly deletions: TtlDeletionLog;
  /**
   * Wall-clock milliseconds between sweeps; 0 sweeps only when asked (`sweep()`).
   * @default 30_000 - DynamoDB itself deletes within days of expiry, never at once
   */
  readonly intervalMs?: number;
  /** Receives a sweep's failure; the next sweep tries again. @default - ignored */
  readonly onError?: (error: unknown) => void;
}

/** Deletes expired items of the TTL tables, as DynamoDB's TTL does. */
export class TtlSweeper {
  readonly #options: TtlSweeperOptions;
  readonly #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;

  constructor(options: TtlSweeperOptions) {
    this.#options = options;
    const interval = options.intervalMs ?? 30_000;
    if (interval > 0) {
      this.#timer = setInterval(() => {
        this.sweep().catch((error: unknown) => options.onError?.(error));
      }, interval);
      this.#timer.unref();
    }
  }

  /** Deletes every item expired by now; resolves with how many. A sweep already running is joined. */
  sweep(): Promise<number> {
    this.#sweeping ??= this.#sweepAll().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /** Stops sweeping; waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping?.catch(() => {});
  }

  async #sweepAll(): Promise<number> {
    let deleted = 0;
    for (const table of this.#options.tables) deleted += await this.#sweepTable(table);
    return deleted;
  }

  async #sweepTable(table: TtlTable): Promise<number> {
    const { client, deletions } = this.#options;
    const now = { N: String(Math.floor(this.#options.now().getTime() / 1000)) };
    const names = {
      '#ttl': table.attribute,
      ...Object.fromEntries(table.keyNames.map((n, i) => [`#k${i}`, n])),
    };
    let deleted = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: table.tableName,
          FilterExpression: '#ttl < :now',
          ProjectionExpression: table.keyNames.map((_, i) => `#k${i}`).join(', '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':now': now },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const key of page.Items ?? []) {
        deletions.note(table.tableName, key);
        try {
          await client.send(
            new DeleteItemCommand({
              TableName: table.tableName,
              Key: key,
              // An item whose TTL moved since the scan is not expired any more.
              ConditionExpression: '#ttl < :now',
              ExpressionAttributeNames: { '#ttl': table.attribute },
              ExpressionAttributeValues: { ':now': now },
            }),
          );
          deleted += 1;
        } catch (error) {
          deletions.claim(table.tableName, key);
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  }
}
