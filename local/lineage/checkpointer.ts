/**
 * The local cloud's periodic checkpointer: a signed checkpoint of every
 * lineage chain right after start, then every few minutes of the cloud's
 * clock (faster with `--speed`), as the stack's checkpointer function does
 * in AWS on a schedule.
 *
 * A failed checkpoint is logged and tried again at the next tick: the cloud
 * keeps running, and `awf audit verify` reports what stopped the series.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { Ed25519CheckpointSigner } from '../../adapters/ed25519-checkpoint-signer.js';
import { createKmsClient } from '../../adapters/kms-keyed-hasher.js';
import { KmsRecordKeys, recordKeyIdsSchema } from '../../adapters/kms-record-keys.js';
import { writeNextCheckpoint } from '../../core/lineage/checkpointer.js';
import type { CancelTimer, TimeSource } from '../clock/time-source.js';
import type { LocalService } from '../ports.js';
import { localClientConfig } from '../process/aws-env.js';
import type { Topology } from '../topology.js';
import { localCheckpointOrigin, localCheckpointStore } from './checkpointing.js';

/** Minutes of the cloud's clock between two checkpoints unless told otherwise. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5 * 60 * 1000;

/** What the checkpointer reads, signs with and writes to. */
export interface LocalCheckpointerOptions {
  readonly stateDir: string;
  /**
   * The lineage table, its region, and each writer step's record key in the
   * local KMS: the MACs of new records are checked before they are anchored.
   */
  readonly topology: Pick<Topology, 'region' | 'lineageTable' | 'recordKeys'>;
  readonly endpoints: { readonly dynamodb: string; readonly kms: string };
  /** The cloud's clock: checkpoint times, and the interval. */
  readonly time: TimeSource;
  /** @default {@link DEFAULT_CHECKPOINT_INTERVAL_MS} */
  readonly intervalMs?: number;
  /** Receives a line per checkpoint failure. */
  readonly log?: (line: string) => void;
}

/** The running checkpointer. */
export interface LocalCheckpointer extends LocalService {
  /** Makes a checkpoint now (after any one in progress); resolves with its sequence number. */
  checkpointNow(): Promise<number>;
}

/**
 * Starts the checkpointer: the first checkpoint is made at once, the next
 * after each interval. Stopping waits for a checkpoint in progress.
 */
export function startLocalCheckpointer(options: LocalCheckpointerOptions): LocalCheckpointer {
  const config = (endpoint: string) => localClientConfig(endpoint, options.topology.region);
  const dynamodb = new DynamoDBClient(config(options.endpoints.dynamodb));
  const kms = createKmsClient(config(options.endpoints.kms));
  const source = new DynamoDbLineageStore({ client: dynamodb, tableName: options.topology.lineageTable });
  const recordKeys = new KmsRecordKeys({
    client: kms,
    keyIds: recordKeyIdsSchema.parse(options.topology.recordKeys),
  });
  const store = localCheckpointStore(options.stateDir);
  const signer = Ed25519CheckpointSigner.open(options.stateDir);
  // Awaited by each checkpoint, which reports its failure; marked handled so the wait is not an unhandled rejection.
  signer.catch(() => undefined);
  const intervalMs = options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
  const log = options.log ?? (() => {});

  // One checkpoint at a time: each extends the one before it.
  let queue: Promise<unknown> = Promise.resolve();
  const checkpointNow = (): Promise<number> => {
    const next = queue.then(async () => {
      const summary = await writeNextCheckpoint({
        store,
        source,
        signers: [await signer],
        clock: () => options.time.now(),
        origin: localCheckpointOrigin(options.topology.lineageTable),
        recordKeys,
      });
      return summary.sequence;
    });
    queue = next.catch(() => undefined);
    return next;
  };

  let stopped = false;
  let cancel: CancelTimer = () => undefined;
  const tick = () => {
    checkpointNow()
      .catch((error: unknown) =>
        log(`checkpoint failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        if (!stopped) cancel = options.time.setTimer(intervalMs, tick);
      });
  };
  tick();

  return {
    name: 'checkpointer',
    endpoint: '',
    checkpointNow,
    async stop() {
      stopped = true;
      cancel();
      await queue;
      dynamodb.destroy();
      kms.destroy();
    },
  };
}
