/**
 * The local cloud for end-to-end tests: started in memory by the tests
 * themselves in a temporary state folder, reached through the real AWS SDK
 * clients and the real `awf` CLI, and stopped for sure.
 *
 * @example
 * let e2e: E2eCloud;
 * beforeAll(async () => { e2e = await startE2eCloud(); }, 180_000);
 * afterAll(() => e2e.stop());
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { toDocumentClient } from '../../adapters/aws-clients.js';
import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../../adapters/dynamodb-runs-store.js';
import { buildProgram } from '../../cli/program.js';
import type { RunRecord } from '../../core/runs/records.js';
import type { RunStatus } from '../../core/steps/contracts.js';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../local/cloud.js';
import { seedFactItems } from '../../local/facts/tables.js';
import { localClientConfig } from '../../local/process/aws-env.js';
import type { ExecutionDescription, LocalExecution } from '../../local/stepfunctions/index.js';
import type { ExampleEvent } from '../../workflows/discover.js';
import { type CliResult, runAwf } from './awf-process.js';

/** A running local cloud with what the tests use to drive and inspect it. */
export interface E2eCloud {
  readonly cloud: LocalCloud;
  readonly stateDir: string;
  readonly eventBridge: EventBridgeClient;
  readonly sfn: SFNClient;
  readonly runs: DynamoDbRunsStore;
  readonly lineage: DynamoDbLineageStore;
  /** Puts items into a grounding table (by name or ARN), such as the order an event is about. */
  seedFacts(table: string, items: readonly Readonly<Record<string, unknown>>[]): Promise<void>;
  /** Puts an event on the platform bus through the real EventBridge client; resolves with its id. */
  putEvent(event: Pick<ExampleEvent, 'source' | 'detail-type' | 'detail'>): Promise<string>;
  /**
   * Puts a refund-triage case: first its order in the orders table as the
   * order system would hold it (the event's order total and currency,
   * delivered), then the event. Resolves with the event's id.
   */
  putCase(event: Pick<ExampleEvent, 'source' | 'detail-type' | 'detail'>): Promise<string>;
  /** The execution an event started (waits for it to start). */
  executionOf(eventId: string, timeoutMs?: number): Promise<LocalExecution>;
  /** How the execution an event started ended. */
  settledOf(eventId: string, timeoutMs?: number): Promise<ExecutionDescription>;
  /** Polls the runs table until the run has `status`. @throws naming the status it had instead */
  waitForRunStatus(runId: string, status: RunStatus, timeoutMs?: number): Promise<RunRecord>;
  /** Runs `awf <args>` in this process (`--state-dir` added) and returns what it printed on stdout. */
  cli(args: readonly string[]): Promise<string>;
  /** Runs the real `awf` program (`node bin/awf.js <args> --state-dir ...`) as a child process. */
  spawnCli(args: readonly string[]): Promise<CliResult>;
  /** Stops the cloud, destroys the clients, removes the state folder. */
  stop(): Promise<void>;
}

const DEFAULT_WAIT_MS = 60_000;

function timeoutError(what: string, timeoutMs: number): Error {
  return new Error(`${what} did not happen within ${timeoutMs} ms`);
}

/** Resolves with `promise`, or rejects after `timeoutMs` naming `what`. */
async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError(what, timeoutMs)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the local cloud in memory with Retry intervals
 * scaled to 0, in a fresh temporary state folder.
 */
export async function startE2eCloud(options: Partial<LocalCloudOptions> = {}): Promise<E2eCloud> {
  const stateDir = mkdtempSync(join(tmpdir(), 'awf-e2e-'));
  const cloud = await startLocalCloud({
    inMemory: true,
    retryIntervalScale: 0,
    stateDir,
    ...options,
  });
  const { state } = cloud;
  const eventBridge = new EventBridgeClient(localClientConfig(state.endpoints.eventbridge, state.region));
  const sfn = new SFNClient(localClientConfig(state.endpoints.sfn, state.region));
  const dynamodb = new DynamoDBClient(localClientConfig(state.endpoints.dynamodb, state.region));
  const documents = toDocumentClient(dynamodb);
  const runs = new DynamoDbRunsStore({ client: documents, tableName: state.tables.runs });
  const lineage = new DynamoDbLineageStore({ client: dynamodb, tableName: state.tables.lineage });

  // Every execution, by the id of the event in its input; waiters for those not started yet.
  const executions = new Map<string, LocalExecution>();
  const waiting = new Map<string, ((execution: LocalExecution) => void)[]>();
  cloud.stepFunctions.stepFunctions.on('execution', (execution) => {
    const eventId = (JSON.parse(execution.input) as { id?: unknown }).id;
    if (typeof eventId !== 'string' || executions.has(eventId)) return;
    executions.set(eventId, execution);
    for (const wake of waiting.get(eventId) ?? []) wake(execution);
    waiting.delete(eventId);
  });

  const executionOf = (eventId: string, timeoutMs = DEFAULT_WAIT_MS) => {
    const known = executions.get(eventId);
    if (known) return Promise.resolve(known);
    const arrival = new Promise<LocalExecution>((resolve) => {
      waiting.set(eventId, [...(waiting.get(eventId) ?? []), resolve]);
    });
    return within(arrival, timeoutMs, `an execution for event ${eventId}`);
  };

  const e2e: E2eCloud = {
    cloud,
    stateDir,
    eventBridge,
    sfn,
    runs,
    lineage,
    seedFacts: (table, items) => seedFactItems(dynamodb, table, items),
    async putCase(event) {
      await seedFactItems(dynamodb, ORDERS_TABLE, [orderOf(event.detail)]);
      return e2e.putEvent(event);
    },
    async putEvent(event) {
      const response = await eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: state.eventBus,
              Source: event.source,
              DetailType: event['detail-type'],
              Detail: JSON.stringify(event.detail),
            },
          ],
        }),
      );
      const entry = response.Entries?.[0];
      if (!entry?.EventId) throw new Error(`the bus refused the event: ${JSON.stringify(entry)}`);
      return entry.EventId;
    },
    executionOf,
    async settledOf(eventId, timeoutMs = DEFAULT_WAIT_MS) {
      const execution = await executionOf(eventId, timeoutMs);
      return within(execution.settled, timeoutMs, `the end of the execution for event ${eventId}`);
    },
    async waitForRunStatus(runId, status, timeoutMs = DEFAULT_WAIT_MS) {
      const deadline = Date.now() + timeoutMs;
      let run: RunRecord | undefined;
      while (Date.now() < deadline) {
        run = await runs.getRun(runId);
        if (run?.status === status) return run;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`run ${runId} is ${run?.status ?? 'missing'}, not ${status}, after ${timeoutMs} ms`);
    },
    async cli(args) {
      const chunks: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string | Uint8Array) => {
        chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      }) as typeof process.stdout.write;
      try {
        await buildProgram()
          .exitOverride()
          .parseAsync([...args, '--state-dir', stateDir], { from: 'user' });
      } finally {
        process.stdout.write = write;
      }
      return chunks.join('');
    },
    spawnCli(args) {
      return within(runAwf([...args, '--state-dir', stateDir]), DEFAULT_WAIT_MS, `awf ${args.join(' ')}`);
    },
    async stop() {
      try {
        await cloud.stop();
      } finally {
        eventBridge.destroy();
        sfn.destroy();
        dynamodb.destroy();
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  };
  return e2e;
}

/** The reference pack's orders table, which its `order` grounding fact reads. */
export const ORDERS_TABLE = 'acme-orders';

/** The order a refund request is about, as the order system would hold it: the event's total and currency, delivered. */
export function orderOf(detail: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    orderId: detail.orderId,
    total: detail.orderTotal,
    currency: detail.currency,
    status: 'delivered',
  };
}

/**
 * Gives an example fresh order, request and customer ids, so its run is a
 * request of its own about an entity of its own, with its own refund history.
 */
export function withIds(
  example: ExampleEvent,
  ids: { readonly orderId: string; readonly customerId?: string },
): ExampleEvent {
  return {
    ...example,
    detail: {
      ...example.detail,
      requestId: `req_${ids.orderId}`,
      orderId: ids.orderId,
      ...(ids.customerId === undefined ? {} : { customerId: ids.customerId }),
    },
  };
}

/**
 * Polls `condition` until it holds.
 * @throws Error naming `what` was awaited when it does not hold within `timeoutMs`.
 */
export async function waitFor(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
