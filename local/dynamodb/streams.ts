/**
 * Event source mappings on DynamoDB Local's streams: each
 * `AWS::Lambda::EventSourceMapping` of the template whose source is a
 * table's stream polls that stream through the real DynamoDB Streams client
 * and invokes its function with batches shaped as Lambda delivers them
 * (`Records[]`, `eventSourceARN`, `ApproximateCreationDateTime` in epoch
 * seconds), after the mapping's filter criteria (EventBridge pattern syntax,
 * `core/event-pattern`).
 *
 * A REMOVE the TTL sweeper made (`ttl.ts`) carries the `userIdentity` DynamoDB
 * gives its own TTL deletions, so functions tell them apart as in AWS.
 *
 * Shards open at start are read from their newest record (earlier starts
 * delivered what came before); shards that open later, from their first.
 * A batch whose invocation fails is retried up to the mapping's
 * `MaximumRetryAttempts`, then reported and skipped, as AWS sends it to the
 * on-failure destination.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { compilePattern, type EventMatcher } from '../../core/event-pattern/index.js';
import type { LambdaInvoker } from '../ports.js';
import { type LocalTemplate, TemplateError } from '../template/index.js';
import type { TtlDeletionLog } from './ttl.js';

/** The `userIdentity` of DynamoDB's own TTL deletions in stream records. */
const TTL_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

/** A stream mapping of the template. */
export interface StreamMappingConfig {
  readonly tableName: string;
  /** The function's name or ARN. */
  readonly functionName: string;
  readonly batchSize: number;
  /** Filter patterns; a record is delivered when any matches (none: every record). */
  readonly patterns: readonly unknown[];
  /** Retries of a failed batch; -1 retries until it succeeds. */
  readonly maximumRetryAttempts: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The template's event source mappings whose source is a table's stream.
 * @throws TemplateError naming a mapping whose filter pattern is not JSON.
 */
export function streamMappingsOf(template: LocalTemplate): StreamMappingConfig[] {
  return template.resourcesOfType('AWS::Lambda::EventSourceMapping').flatMap((resource) => {
    const source = resource.properties.EventSourceArn;
    const getAtt = isRecord(source) ? source['Fn::GetAtt'] : undefined;
    if (!Array.isArray(getAtt) || getAtt[1] !== 'StreamArn' || typeof getAtt[0] !== 'string') return [];
    const table = template.resource(getAtt[0], resource.stackName);
    if (table.type !== 'AWS::DynamoDB::Table' && table.type !== 'AWS::DynamoDB::GlobalTable') return [];
    // Property by property: the source's GetAtt names a stream the local template need not resolve.
    const property = (name: string): unknown =>
      template.resolve(resource.properties[name], resource.stackName);
    const criteria = property('FilterCriteria');
    const filters = isRecord(criteria) ? criteria.Filters : undefined;
    const patterns = (Array.isArray(filters) ? filters : []).map((filter, i) => {
      const text = isRecord(filter) ? filter.Pattern : undefined;
      try {
        return JSON.parse(String(text)) as unknown;
      } catch (cause) {
        throw new TemplateError(
          `event source mapping "${resource.stackName}/${resource.logicalId}" has a filter ${i} that is not JSON: ${String(text)}`,
          { cause },
        );
      }
    });
    return [
      {
        tableName: template.physicalName(table.logicalId, table.stackName),
        functionName: template.resolveString(resource.properties.FunctionName, resource.stackName),
        batchSize: Number(property('BatchSize') ?? 100),
        patterns,
        maximumRetryAttempts: Number(property('MaximumRetryAttempts') ?? -1),
      },
    ];
  });
}

/** Options of {@link StreamMappings}. */
export interface StreamMappingsOptions {
  readonly mappings: readonly StreamMappingConfig[];
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly invoker: LambdaInvoker;
  readonly deletions: TtlDeletionLog;
  /** The region the records name (`awsRegion`). */
  readonly region: string;
  /** @default 200 */
  readonly pollIntervalMs?: number;
  /** Receives failures: a batch dropped after its retries, a poll that failed. @default - ignored */
  readonly onError?: (message: string, error: unknown) => void;
}

/** Per shard: where reading goes on. */
interface ShardReader {
  readonly shardId: string;
  iterator: string | undefined;
  /** The last record read, to start again after it when an iterator is refused. */
  lastSequenceNumber?: string;
}

/** What GetRecords answers when an iterator can no longer be used; a fresh one is taken. */
const STALE_ITERATOR_ERRORS = new Set(['TrimmedDataAccessException', 'ExpiredIteratorException']);

/** One mapping at work. */
class StreamPoller {
  readonly #config: StreamMappingConfig;
  readonly #options: StreamMappingsOptions;
  readonly #matchers: readonly EventMatcher[];
  readonly #shards = new Map<string, ShardReader>();
  #streamArn: string | undefined;

  constructor(config: StreamMappingConfig, options: StreamMappingsOptions) {
    this.#config = config;
    this.#options = options;
    this.#matchers = config.patterns.map((pattern) => compilePattern(pattern));
  }

  /** Finds the stream and its open shards, read from their newest record. */
  async open(): Promise<void> {
    const table = await this.#options.dynamodb.send(
      new DescribeTableCommand({ TableName: this.#config.tableName }),
    );
    this.#streamArn = table.Table?.LatestStreamArn;
    if (this.#streamArn === undefined) {
      throw new TemplateError(
        `table "${this.#config.tableName}" has no stream, but an event source mapping reads one`,
      );
    }
    await this.#discover('LATEST');
  }

  async #discover(position: 'LATEST' | 'TRIM_HORIZON'): Promise<void> {
    const { streams } = this.#options;
    let start: string | undefined;
    do {
      const described = await streams.send(
        new DescribeStreamCommand({ StreamArn: this.#streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of described.StreamDescription?.Shards ?? []) {
        if (shard.ShardId === undefined || this.#shards.has(shard.ShardId)) continue;
        const { ShardIterator } = await streams.send(
          new GetShardIteratorCommand({
            StreamArn: this.#streamArn,
            ShardId: shard.ShardId,
            ShardIteratorType: position,
          }),
        );
        this.#shards.set(shard.ShardId, { shardId: shard.ShardId, iterator: ShardIterator });
      }
      start = described.StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  /** Reads every shard once and delivers what it found; resolves with how many records were read. */
  async poll(): Promise<number> {
    await this.#discover('TRIM_HORIZON');
    let read = 0;
    for (const reader of this.#shards.values()) {
      if (reader.iterator === undefined) continue;
      const page = await this.#getRecords(reader);
      // A closed shard has no next iterator: its children carry on.
      reader.iterator = page.NextShardIterator;
      const records = page.Records ?? [];
      const last = records.at(-1)?.dynamodb?.SequenceNumber;
      if (last !== undefined) reader.lastSequenceNumber = last;
      read += records.length;
      const delivered = records.map((record) => this.#lambdaRecord(record)).filter((r) => this.#matches(r));
      if (delivered.length > 0) await this.#deliver(delivered);
    }
    return read;
  }

  /**
   * One page of a shard. DynamoDB Local refuses an iterator now and then
   * (TrimmedDataAccessException on a shard whose records it trimmed, or an
   * expired one): reading goes on after the last record read, or from the
   * shard's oldest record when none was, as Lambda resumes from its checkpoint.
   */
  async #getRecords(reader: ShardReader) {
    const { streams } = this.#options;
    const get = (iterator: string | undefined) =>
      streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.#config.batchSize }));
    try {
      return await get(reader.iterator);
    } catch (error) {
      if (!STALE_ITERATOR_ERRORS.has((error as { name?: string }).name ?? '')) throw error;
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: this.#streamArn,
          ShardId: reader.shardId,
          ...(reader.lastSequenceNumber === undefined
            ? { ShardIteratorType: 'TRIM_HORIZON' }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: reader.lastSequenceNumber }),
        }),
      );
      return get(ShardIterator);
    }
  }

  #matches(record: Record<string, unknown>): boolean {
    return this.#matchers.length === 0 || this.#matchers.some((matches) => matches(record));
  }

  /** A record as Lambda hands it to a function. */
  #lambdaRecord(record: StreamRecord): Record<string, unknown> {
    const change = record.dynamodb ?? {};
    const created = change.ApproximateCreationDateTime;
    const ttl =
      record.eventName === 'REMOVE' &&
      this.#options.deletions.claim(this.#config.tableName, change.Keys ?? {});
    return {
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: record.eventVersion ?? '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.#options.region,
      eventSourceARN: this.#streamArn,
      ...(ttl && { userIdentity: { ...TTL_IDENTITY } }),
      dynamodb: {
        ...change,
        // Lambda delivers epoch seconds; the SDK parses them into a Date.
        ...(created instanceof Date && { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
      },
    };
  }

  async #deliver(records: readonly Record<string, unknown>[]): Promise<void> {
    const { maximumRetryAttempts, functionName } = this.#config;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#options.invoker.invoke(functionName, { Records: records });
        return;
      } catch (error) {
        if (maximumRetryAttempts >= 0 && attempt >= maximumRetryAttempts) {
          this.#options.onError?.(
            `${functionName} failed on ${records.length} record(s) of ${this.#config.tableName}'s stream ${attempt + 1} time(s); the batch is dropped (AWS sends it to the on-failure destination)`,
            error,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }
}

/**
 * The stream mappings of the local cloud, polling while it runs.
 *
 * @example
 * const streams = await StreamMappings.start({ mappings: streamMappingsOf(template), dynamodb, streams, invoker, deletions, region });
 * await streams.drain(); // every change so far delivered
 */
export class StreamMappings {
  readonly #pollers: readonly StreamPoller[];
  readonly #options: StreamMappingsOptions;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<number> | undefined;
  #stopped = false;

  private constructor(pollers: readonly StreamPoller[], options: StreamMappingsOptions) {
    this.#pollers = pollers;
    this.#options = options;
  }

  /** Opens every mapping's stream at its newest record, then polls. @throws TemplateError when a mapped table has no stream. */
  static async start(options: StreamMappingsOptions): Promise<StreamMappings> {
    const pollers = options.mappings.map((mapping) => new StreamPoller(mapping, options));
    for (const poller of pollers) await poller.open();
    const mappings = new StreamMappings(pollers, options);
    mappings.#schedule();
    return mappings;
  }

  #schedule(): void {
    if (this.#stopped || this.#pollers.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#pollOnce()
        .catch((error: unknown) => this.#options.onError?.('polling a DynamoDB stream failed', error))
        .finally(() => this.#schedule());
    }, this.#options.pollIntervalMs ?? 200);
    this.#timer.unref();
  }

  #pollOnce(): Promise<number> {
    this.#polling ??= (async () => {
      let read = 0;
      for (const poller of this.#pollers) read += await poller.poll();
      return read;
    })().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  /** Polls until a round reads nothing: every change made before the call has been delivered. */
  async drain(): Promise<void> {
    while ((await this.#pollOnce()) > 0) {
      // Keep reading: a full batch may have more behind it.
    }
  }

  /** Stops polling; waits for a poll in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling?.catch(() => {});
  }
}
