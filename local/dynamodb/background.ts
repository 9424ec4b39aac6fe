/**
 * What DynamoDB does in the background that DynamoDB Local does not: deleting
 * expired items (`ttl.ts`) and feeding streams to their functions
 * (`streams.ts`), as one service of the local cloud.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { LambdaInvoker, LocalService } from '../ports.js';
import { localClientConfig } from '../process/aws-env.js';
import type { LocalTemplate } from '../template/index.js';
import { StreamMappings, streamMappingsOf } from './streams.js';
import { TtlDeletionLog, TtlSweeper, ttlTablesOf } from './ttl.js';

/** Options of {@link startTableBackground}. */
export interface TableBackgroundOptions {
  readonly template: LocalTemplate;
  /** DynamoDB Local's endpoint (its streams are served there too). */
  readonly endpoint: string;
  readonly region: string;
  /** Invokes the functions the stream mappings name. */
  readonly invoker: LambdaInvoker;
  /** The local cloud's clock, which TTL is judged by. */
  readonly now: () => Date;
  /**
   * Wall-clock milliseconds between TTL sweeps; 0 sweeps only on `ttl.sweep()`.
   * @default 30_000
   */
  readonly ttlIntervalMs?: number;
  /** Receives failures of sweeps and deliveries. @default - ignored */
  readonly onError?: (message: string, error: unknown) => void;
}

/** TTL and streams at work. */
export interface LocalTableBackground extends LocalService {
  readonly ttl: TtlSweeper;
  readonly streams: StreamMappings;
}

/**
 * Starts the TTL sweeper and the stream mappings of the template.
 * @throws TemplateError when a mapping's table has no stream or its filter is not JSON.
 */
export async function startTableBackground(options: TableBackgroundOptions): Promise<LocalTableBackground> {
  const config = localClientConfig(options.endpoint, options.region);
  const dynamodb = new DynamoDBClient(config);
  const streamsClient = new DynamoDBStreamsClient(config);
  const deletions = new TtlDeletionLog();
  const ttl = new TtlSweeper({
    client: dynamodb,
    tables: ttlTablesOf(options.template),
    now: options.now,
    deletions,
    intervalMs: options.ttlIntervalMs ?? 30_000,
    onError: (error) => options.onError?.('a TTL sweep failed', error),
  });
  let streams: StreamMappings;
  try {
    streams = await StreamMappings.start({
      mappings: streamMappingsOf(options.template),
      dynamodb,
      streams: streamsClient,
      invoker: options.invoker,
      deletions,
      region: options.region,
      ...(options.onError !== undefined && { onError: options.onError }),
    });
  } catch (error) {
    await ttl.stop();
    dynamodb.destroy();
    streamsClient.destroy();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    name: 'dynamodb-background',
    endpoint: options.endpoint,
    ttl,
    streams,
    stop() {
      stopping ??= (async () => {
        await Promise.all([ttl.stop(), streams.stop()]);
        dynamodb.destroy();
        streamsClient.destroy();
      })();
      return stopping;
    },
  };
}
