/**
 * `npm run bench`: how fast the local cloud runs governed workflows.
 *
 * Starts the local cloud in memory, then:
 * 1. warm-up: a fresh local cloud first compiles the same SDK and step code in
 *    each Lambda environment, and DynamoDB Local's JVM compiles its request
 *    path twice (C1, then C2 for the hot code), so the rate climbs for several
 *    hundred runs: on a 2-core machine, five batches of 200 ran at about 11,
 *    22, 24, 28 and 30 runs/s, and 2,000 warm-up runs gained no more than noise
 *    over 1,000 in the burst that followed. The bench puts `--warmup` copies of the
 *    autonomous small-refund example on the bus in batches of 200, waits for
 *    each batch to end and prints every batch's rate, so that what follows
 *    measures the rate the cloud sustains rather than its start-up;
 * 2. the measured burst: puts `--events` copies at once through the real
 *    EventBridge client (each with its own order and customer id, so each is
 *    its own run with its own refund history), waits for every execution to
 *    end, and prints the sustained runs per second, orchestration latency per
 *    run (execution start to end, p50/p95/p99), state transitions per run
 *    (StateEntered history events), CPU time and peak memory (this process
 *    with its Lambda worker threads, and DynamoDB Local's Java process);
 * 3. a few events one at a time, for the latency of a run that waits behind
 *    no other, and what each such run uses of every billed service (states
 *    entered, Lambda invocations and GB-seconds, model calls and tokens, custom
 *    events) priced per 1,000 runs with the DynamoDB units of step 3b
 *    (`bench/run-profile.ts`, prices in `core/cost/prices.ts`);
 *    3b. the metered batch: DynamoDB requests, write and read units per run;
 * 4. after the cloud stops: the approval path (`bench/approval-path.ts`), each
 *    step bundle's size and cold import (`bench/cold-start.ts`), the policy
 *    decision's latency (`bench/cedar-decision.ts`), whether each pack's
 *    prompt prefix is long enough to cache (`bench/prompt-prefix.ts`), the
 *    pack runner's examples per second, and the anchored lineage
 *    verification's records per second in memory
 *    (`bench/lineage-verification.ts`, which also runs on its own);
 * 5. the lineage table on DynamoDB Local (`bench/lineage-dynamodb.ts`, which
 *    also runs on its own): records read and verified end to end per second,
 *    and the latency of a run's trail and of a workflow's time window at
 *    10,000 records and at `--lineage-records`.
 *
 * The report names the Node.js flags the bench ran with (`node --<flag>
 * --import tsx bench/run.ts` to try one) and the machine. `results.json`
 * leads with the headline figures (`runsPerSecond`, `loneRunLatencyMs`,
 * `transitionsPerRun`, `modelCallsPerRun`, `dynamodbRequestsPerRun`,
 * `wruPerRun`, per step `bundleBytes` and `coldImportMs`, `cedarDecisionMs`,
 * `awsCostPer1000Runs`, `approvalPath`, `machine`), then each part in full.
 *
 * Options: `--events <n>` (default 1000), `--warmup <n>` (default 1000; 0 for
 * none, to measure a cold cloud), `--json` (one JSON document instead of the text),
 * `--max-concurrency-per-function <n>` (Lambda worker threads),
 * `--lineage-records <n>` (the larger lineage table the query latencies are
 * measured at; default 1,000,000, which loads in about 4 minutes on 2 cores;
 * a smaller size for a quicker run), `--metered-runs <n>` (default 100; 0
 * for none: after the lone runs, that many more runs go through a proxy in
 * front of DynamoDB Local that counts their requests, write and read units
 * per run, by kind, `bench/dynamodb-per-run.ts`; apart from the burst, whose
 * CPU figures the proxy's hop would inflate).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { arch, availableParallelism, cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { runIdFor } from '../core/ids.js';
import type { StepName } from '../lib/steps.js';
import { DEFAULT_MAX_CONCURRENCY_PER_FUNCTION, type LocalCloud, startLocalCloud } from '../local/cloud.js';
import { seedFactItems } from '../local/facts/tables.js';
import { localClientConfig } from '../local/process/aws-env.js';
import { executionOutcome } from '../local/progress.js';
import type { ExecutionDescription, LocalExecution } from '../local/stepfunctions/index.js';
import { type ExampleEvent, loadExampleEvents, WORKFLOWS_DIR } from '../workflows/discover.js';
import { benchApprovalPath } from './approval-path.js';
import { benchCedarDecisions, describeCedarDecisions } from './cedar-decision.js';
import { benchColdStarts, describeColdStarts } from './cold-start.js';
import { cpuMsPerRun, nodeCpuSeconds } from './cpu-by-thread.js';
import { describeDynamoDbPerRun, meterDynamoDbPerRun, UNCOUNTED_METERING_RUNS } from './dynamodb-per-run.js';
import {
  benchLineageDynamoDb,
  DEFAULT_LARGE_TABLE_RECORDS,
  describeLineageDynamoDb,
  lineageRecordsOption,
} from './lineage-dynamodb.js';
import { benchLineageVerification, describeLineageVerification } from './lineage-verification.js';
import { benchPackRunner } from './pack-runner.js';
import { benchPromptPrefixes, describePromptPrefixes } from './prompt-prefix.js';
import {
  describeRunProfile,
  lambdaUsageOf,
  type MeasuredRun,
  modelUsageOf,
  runProfileOf,
} from './run-profile.js';

/** The reference pack's orders table (its `order` grounding fact). */
const ORDERS_TABLE = 'acme-orders';

/** Where the figures are written, beside this file. */
const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results.json');

const WORKFLOW = 'refund-triage';
const BASE_EXAMPLE = 'autonomous-small-refund';
/** The reference pack's example with one approval: the approval path. */
const APPROVAL_EXAMPLE = 'approval-large-refund';
/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_CALL = 10;
/** PutEvents calls in flight at once, as a busy producer would have. */
const PUTS_IN_FLIGHT = 4;
/** Runs put before the measured burst, while a fresh local cloud compiles its code. */
const DEFAULT_WARMUP_RUNS = 1000;
/** Warm-up runs put at once; each batch's rate is reported, to show the climb. */
const WARMUP_BATCH_RUNS = 200;
/** Runs whose DynamoDB requests are counted, after the lone runs. */
const DEFAULT_METERED_RUNS = 100;
/** Runs started one after the other, after the burst, for the latency of an unhurried run. */
const LONE_RUNS = 20;
const MEMORY_SAMPLE_MS = 250;
const RUN_TIMEOUT_MS = 10 * 60_000;
/** Linux reports process CPU times in clock ticks of 1/100 s (USER_HZ). */
const CLOCK_TICKS_PER_SECOND = 100;

const argsSchema = z.object({
  events: z.coerce.number().int().min(1).max(100_000),
  warmup: z.coerce.number().int().min(0).max(100_000),
  json: z.boolean(),
  maxConcurrencyPerFunction: z.coerce.number().int().min(1).max(64).optional(),
  lineageRecords: lineageRecordsOption,
  meteredRuns: z.coerce.number().int().min(0).max(100_000),
});

type BenchOptions = z.infer<typeof argsSchema>;

function parseOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: String(DEFAULT_WARMUP_RUNS) },
      json: { type: 'boolean', default: false },
      'max-concurrency-per-function': { type: 'string' },
      'lineage-records': { type: 'string', default: String(DEFAULT_LARGE_TABLE_RECORDS) },
      'metered-runs': { type: 'string', default: String(DEFAULT_METERED_RUNS) },
    },
  });
  const parsed = argsSchema.safeParse({
    events: values.events,
    warmup: values.warmup,
    json: values.json,
    maxConcurrencyPerFunction: values['max-concurrency-per-function'],
    lineageRecords: values['lineage-records'],
    meteredRuns: values['metered-runs'],
  });
  if (!parsed.success) throw new Error(`bench: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  return parsed.data;
}

/** A kB figure from `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in bytes; undefined when unreadable. */
function procStatusBytes(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used, from `/proc/<pid>/stat`; undefined when unreadable. */
function procCpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** One batch of warm-up runs, put at once. */
interface WarmupBatch {
  readonly runs: number;
  readonly seconds: number;
  readonly runsPerSecond: number;
}

function rate(runs: number, inSeconds: number): number {
  return inSeconds === 0 ? 0 : Number((runs / inSeconds).toFixed(1));
}

/** The value at quantile `q` (0..1) of sorted numbers, nearest rank. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

function seconds(fromMs: number): number {
  return Number(((performance.now() - fromMs) / 1000).toFixed(2));
}

/** The example's detail with ids of its own: `ord_bench000042`, `cus_bench000042`, `req_bench000042` (index 42). */
function detailFor(example: ExampleEvent, index: number): Record<string, unknown> {
  const id = String(index).padStart(6, '0');
  return {
    ...example.detail,
    requestId: `req_bench${id}`,
    orderId: `ord_bench${id}`,
    customerId: `cus_bench${id}`,
  };
}

function entryFor(example: ExampleEvent, index: number, eventBus: string): PutEventsRequestEntry {
  return {
    EventBusName: eventBus,
    Source: example.source,
    DetailType: example['detail-type'],
    Detail: JSON.stringify(detailFor(example, index)),
  };
}

/**
 * The orders the bench's events are about, as the order system would hold
 * them (the event's total and currency, delivered): each run's grounding read
 * finds its order, as in production.
 */
async function seedOrders(cloud: LocalCloud, example: ExampleEvent, count: number): Promise<void> {
  const client = new DynamoDBClient(localClientConfig(cloud.dynamodb.endpoint, cloud.state.region));
  try {
    const orders = Array.from({ length: count }, (_, index) => {
      const detail = detailFor(example, index);
      return {
        orderId: detail.orderId,
        total: detail.orderTotal,
        currency: detail.currency,
        status: 'delivered',
      };
    });
    await seedFactItems(client, ORDERS_TABLE, orders);
  } finally {
    client.destroy();
  }
}

/** One ended execution, as the bench reads it. */
interface Finished {
  readonly description: ExecutionDescription;
  readonly statesEntered: number;
  readonly tasksFailed: number;
  readonly history: LocalExecution['history'];
}

function latenciesMs(finished: readonly Finished[]): number[] {
  return finished
    .map(({ description: d }) => (d.stopDate ?? d.startDate).getTime() - d.startDate.getTime())
    .sort((a, b) => a - b);
}

/** Collects every execution that ends from now on; `next(n)` resolves once `n` more have ended. */
class FinishedExecutions {
  readonly all: Finished[] = [];
  #waiter: { count: number; wake: () => void } | undefined;

  constructor(cloud: LocalCloud) {
    cloud.stepFunctions.stepFunctions.on('execution', (execution: LocalExecution) => {
      void execution.settled.then((description) => {
        this.all.push({
          description,
          statesEntered: execution.history.filter((e) => e.type?.endsWith('StateEntered')).length,
          history: execution.history,
          tasksFailed: execution.history.filter(
            (e) => e.type === 'LambdaFunctionFailed' || e.type === 'TaskFailed',
          ).length,
        });
        if (this.#waiter && this.all.length >= this.#waiter.count) this.#waiter.wake();
      });
    });
  }

  /** Resolves once `count` executions in all have ended. @throws when they take longer than the bench allows */
  async reach(count: number): Promise<void> {
    if (this.all.length >= count) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((wake) => {
          this.#waiter = { count, wake };
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `bench: only ${this.all.length} of ${count} runs ended within ${RUN_TIMEOUT_MS / 1000} s`,
                ),
              ),
            RUN_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.#waiter = undefined;
    }
  }
}

async function putAll(client: EventBridgeClient, entries: readonly PutEventsRequestEntry[]): Promise<void> {
  const batches: PutEventsRequestEntry[][] = [];
  for (let i = 0; i < entries.length; i += ENTRIES_PER_CALL)
    batches.push(entries.slice(i, i + ENTRIES_PER_CALL));
  let next = 0;
  const producer = async () => {
    while (next < batches.length) {
      const batch = batches[next];
      next += 1;
      const response = await client.send(new PutEventsCommand({ Entries: batch }));
      if (response.FailedEntryCount) {
        throw new Error(
          `bench: the bus refused ${response.FailedEntryCount} entries: ${JSON.stringify(response.Entries)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: PUTS_IN_FLIGHT }, producer));
}

async function bench(cloud: LocalCloud, example: ExampleEvent, options: BenchOptions) {
  const { state } = cloud;
  const client = new EventBridgeClient(localClientConfig(state.endpoints.eventbridge, state.region));
  const finished = new FinishedExecutions(cloud);
  let peakOwnRss = process.memoryUsage().rss;
  let peakJavaRss = procStatusBytes(cloud.dynamodb.pid, 'VmRSS') ?? 0;
  const sampler = setInterval(() => {
    peakOwnRss = Math.max(peakOwnRss, process.memoryUsage().rss);
    peakJavaRss = Math.max(peakJavaRss, procStatusBytes(cloud.dynamodb.pid, 'VmRSS') ?? 0);
  }, MEMORY_SAMPLE_MS);
  const entries = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => entryFor(example, from + i, state.eventBus));
  // Every run the bench starts finds its order, the lone and metered ones too: each takes the autonomous path.
  const meteringRuns = options.meteredRuns === 0 ? 0 : UNCOUNTED_METERING_RUNS + options.meteredRuns;
  await seedOrders(cloud, example, options.warmup + options.events + LONE_RUNS + meteringRuns);
  try {
    const warmupBatches: WarmupBatch[] = [];
    let warmed = 0;
    const warmUp = async (runs: number) => {
      const batchStarted = performance.now();
      await putAll(client, entries(warmed, runs));
      warmed += runs;
      await finished.reach(warmed);
      const batchSeconds = seconds(batchStarted);
      warmupBatches.push({ runs, seconds: batchSeconds, runsPerSecond: rate(runs, batchSeconds) });
    };
    while (warmed < options.warmup) await warmUp(Math.min(WARMUP_BATCH_RUNS, options.warmup - warmed));
    const warmupRuns = finished.all.slice(0, warmed);

    const started = performance.now();
    const cpuBefore = { node: process.cpuUsage(), java: procCpuSeconds(cloud.dynamodb.pid) ?? 0 };
    const threadsBefore = nodeCpuSeconds(cloud.lambda.host.environmentThreads());
    await putAll(client, entries(warmed, options.events));
    const putSeconds = seconds(started);
    const burstEnd = warmed + options.events;
    await finished.reach(burstEnd);
    const burstSeconds = seconds(started);
    const nodeCpu = process.cpuUsage(cpuBefore.node);
    const threadsAfter = nodeCpuSeconds(cloud.lambda.host.environmentThreads());
    const cpuSeconds = {
      node: Number(((nodeCpu.user + nodeCpu.system) / 1e6).toFixed(1)),
      dynamodbLocal: Number(((procCpuSeconds(cloud.dynamodb.pid) ?? 0) - cpuBefore.java).toFixed(1)),
    };
    const burst = finished.all.slice(warmed, burstEnd);

    // The custom events a run puts on the bus (AWS's own service events are free).
    let customEvents = 0;
    const countEvent = ({ event }: { event: { source: string } }) => {
      if (!event.source.startsWith('aws.')) customEvents += 1;
    };
    cloud.eventBridge.eventBridge.on('event', countEvent);
    for (let i = 0; i < LONE_RUNS; i += 1) {
      await putAll(client, entries(burstEnd + i, 1));
      await finished.reach(burstEnd + i + 1);
    }
    cloud.eventBridge.eventBridge.off('event', countEvent);
    const loneRuns = finished.all.slice(burstEnd);
    const lone = latenciesMs(loneRuns);
    const measuredLoneRuns = await measureRuns(cloud, loneRuns);

    let metered = burstEnd + LONE_RUNS;
    const dynamodbPerRun = await meterDynamoDbPerRun(cloud, options.meteredRuns, async (runs) => {
      await putAll(client, entries(metered, runs));
      metered += runs;
      await finished.reach(metered);
    });

    const latencies = latenciesMs(burst);
    const transitions = burst.map((f) => f.statesEntered);
    const autonomousPath = runProfileOf(
      measuredLoneRuns,
      { wru: dynamodbPerRun.wruPerRun?.total ?? 0, rru: dynamodbPerRun.rruPerRun?.total ?? 0 },
      customEvents / Math.max(1, loneRuns.length),
    );
    return {
      autonomousPath,
      warmup: {
        runs: warmupRuns.length,
        batches: warmupBatches,
        outcomes: outcomesOf(warmupRuns),
      },
      runs: burst.length,
      seconds: burstSeconds,
      putSeconds,
      runsPerSecond: rate(burst.length, burstSeconds),
      latencyMs: {
        p50: quantile(latencies, 0.5),
        p95: quantile(latencies, 0.95),
        p99: quantile(latencies, 0.99),
        max: latencies.at(-1) ?? Number.NaN,
      },
      loneRunLatencyMs: { runs: lone.length, p50: quantile(lone, 0.5), p95: quantile(lone, 0.95) },
      stateTransitionsPerRun: {
        mean: Number((transitions.reduce((a, b) => a + b, 0) / Math.max(1, transitions.length)).toFixed(1)),
        min: Math.min(...transitions),
        max: Math.max(...transitions),
      },
      failedTaskAttempts: burst.reduce((sum, f) => sum + f.tasksFailed, 0),
      outcomes: outcomesOf(burst),
      cpuSeconds,
      cpuMsPerRun: {
        node: Math.round((cpuSeconds.node * 1000) / burst.length),
        dynamodbLocal: Math.round((cpuSeconds.dynamodbLocal * 1000) / burst.length),
      },
      cpuMsPerRunByThread: cpuMsPerRun(threadsAfter, threadsBefore, burst.length, (name) =>
        stepOfFunction(cloud, name),
      ),
      ...dynamodbPerRun,
      peakMemoryBytes: {
        // VmHWM is the kernel's own high-water mark; the samples stand in when it cannot be read.
        node: Math.max(peakOwnRss, procStatusBytes('self', 'VmHWM') ?? 0),
        dynamodbLocal: Math.max(peakJavaRss, procStatusBytes(cloud.dynamodb.pid, 'VmHWM') ?? 0),
      },
      cores: availableParallelism(),
      nodeFlags: nodeFlags(),
      lambdaWorkersPerFunction: options.maxConcurrencyPerFunction ?? DEFAULT_MAX_CONCURRENCY_PER_FUNCTION,
    };
  } finally {
    clearInterval(sampler);
    client.destroy();
  }
}

/** Each run's measured usage: its execution's history, and its lineage chain for the model calls. */
async function measureRuns(cloud: LocalCloud, runs: readonly Finished[]): Promise<MeasuredRun[]> {
  const { state } = cloud;
  const dynamodb = new DynamoDBClient(localClientConfig(state.endpoints.dynamodb, state.region));
  const steps = cloud.topology.workflows[WORKFLOW]?.functions ?? {};
  const stepOf = (functionArn: string) =>
    (Object.entries(steps).find(([, name]) => functionArn.endsWith(`:${name}`))?.[0] as
      | StepName
      | undefined) ?? undefined;
  try {
    return await Promise.all(
      runs.map(async (run) => {
        const eventId = z.object({ id: z.string() }).parse(JSON.parse(run.description.input ?? '{}')).id;
        const lambda = lambdaUsageOf(run.history, stepOf);
        return {
          transitions: run.statesEntered,
          lambdaInvocations: lambda.invocations,
          lambdaGbSeconds: lambda.gbSeconds,
          ...(await modelUsageOf(dynamodb, cloud.topology.lineageTable, runIdFor(WORKFLOW, eventId))),
        };
      }),
    );
  } finally {
    dynamodb.destroy();
  }
}

/** A function's step (`act`) when it is one of the bench workflow's steps, else its name. */
function stepOfFunction(cloud: LocalCloud, functionName: string): string {
  const steps = cloud.topology.workflows[WORKFLOW]?.functions ?? {};
  return Object.entries(steps).find(([, name]) => name === functionName)?.[0] ?? functionName;
}

/** The machine the figures were taken on. */
function machineOf() {
  const [cpu] = cpus();
  return {
    cores: availableParallelism(),
    cpu: cpu?.model ?? 'unknown',
    memoryBytes: totalmem(),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
  };
}

/** This process's Node.js flags, without the TypeScript loader's `--require`/`--import` pairs. */
function nodeFlags(): string[] {
  const flags: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] ?? '';
    const loads = flag === '--require' || flag === '--import' || flag === '--loader';
    if (loads && argv[i + 1]?.includes('tsx')) i += 1;
    else if (!flag.includes('tsx')) flags.push(flag);
  }
  return flags;
}

/** How many runs ended with each outcome (`COMPLETED`, `ESCALATED`, an execution failure, ...). */
function outcomesOf(runs: readonly Finished[]): Record<string, number> {
  const outcomes: Record<string, number> = {};
  for (const { description } of runs) {
    const { outcome } = executionOutcome(description);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  return outcomes;
}

function describeOutcomes(outcomes: Readonly<Record<string, number>>): string {
  return Object.entries(outcomes)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function describeWarmup(warmup: Awaited<ReturnType<typeof bench>>['warmup']): string {
  const label = 'warm-up                 ';
  if (warmup.runs === 0) return `${label}none (--warmup 0): the burst includes compiling a fresh local cloud`;
  const rates = warmup.batches.map((b) => b.runsPerSecond).join(', ');
  return `${label}${warmup.runs} runs first, in batches of up to ${WARMUP_BATCH_RUNS} at ${rates} runs/s while a fresh local cloud compiles its code (${describeOutcomes(warmup.outcomes)})`;
}

function report(result: Awaited<ReturnType<typeof bench>>): string[] {
  const r = result;
  const { warmup } = r;
  return [
    '',
    describeWarmup(warmup),
    `runs                    ${r.runs} put at once, all ended in ${r.seconds} s (events put in ${r.putSeconds} s)`,
    `throughput              ${r.runsPerSecond} runs/s sustained`,
    `orchestration latency   p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms (execution start to end, queued behind the burst)`,
    `lone run latency        p50 ${r.loneRunLatencyMs.p50} ms, p95 ${r.loneRunLatencyMs.p95} ms (${r.loneRunLatencyMs.runs} runs one at a time)`,
    `state transitions/run   ${r.stateTransitionsPerRun.mean} (min ${r.stateTransitionsPerRun.min}, max ${r.stateTransitionsPerRun.max})`,
    `outcomes                ${describeOutcomes(r.outcomes)}; failed task attempts ${r.failedTaskAttempts}`,
    `CPU per run             node ${r.cpuMsPerRun.node} ms (all threads), DynamoDB Local ${r.cpuMsPerRun.dynamodbLocal} ms, on ${r.cores} cores`,
    `  node by thread        main ${r.cpuMsPerRunByThread.mainThread} ms, Lambda workers ${r.cpuMsPerRunByThread.lambdaWorkers} ms, other (GC, JIT, libuv) ${r.cpuMsPerRunByThread.otherThreads} ms`,
    `  Lambda by function    ${Object.entries(r.cpuMsPerRunByThread.lambdaByFunction)
      .map(([fn, ms]) => `${fn} ${ms} ms`)
      .join(', ')}`,
    ...describeDynamoDbPerRun(r),
    `node flags              ${r.nodeFlags.join(' ') || 'none'}`,
    `peak memory             node ${mb(r.peakMemoryBytes.node)} (incl. ${r.lambdaWorkersPerFunction} Lambda worker threads per function), DynamoDB Local ${mb(r.peakMemoryBytes.dynamodbLocal)}`,
  ];
}

async function main(): Promise<void> {
  const options = parseOptions();
  const example = loadExampleEvents(join(WORKFLOWS_DIR, WORKFLOW)).find((e) => e.name === BASE_EXAMPLE);
  if (!example) throw new Error(`bench: no example "${BASE_EXAMPLE}" in workflows/${WORKFLOW}/events`);
  const log = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  const stateDir = await mkdtemp(join(tmpdir(), 'awf-bench-'));
  let result: Awaited<ReturnType<typeof bench>>;
  try {
    const cloud = await startLocalCloud({
      inMemory: true,
      stateDir,
      log,
      ...(options.maxConcurrencyPerFunction === undefined
        ? {}
        : { maxConcurrencyPerFunction: options.maxConcurrencyPerFunction }),
    });
    try {
      log(
        `bench: putting ${options.warmup} warm-up and then ${options.events} measured "${BASE_EXAMPLE}" events, each its own run...`,
      );
      result = await bench(cloud, example, options);
    } finally {
      await cloud.stop();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
  // After the cloud has stopped, so the two figures do not share the cores.
  log('bench: running each approval example through `awf packs test` for the approval path...');
  const approvalPath = await benchApprovalPath(WORKFLOW, APPROVAL_EXAMPLE, result.autonomousPath);
  log('bench: importing each step bundle cold, in fresh processes...');
  const coldStarts = await benchColdStarts({ workflowId: WORKFLOW });
  log('bench: timing policy decisions...');
  const cedarDecisions = await benchCedarDecisions();
  const promptPrefixes = await benchPromptPrefixes();
  log('bench: running every pack example through `awf packs test`...');
  const packRunner = await benchPackRunner();
  log('bench: verifying 200,000 synthetic lineage records against a signed checkpoint...');
  const lineageVerification = await benchLineageVerification();
  const lineageDynamoDb = await benchLineageDynamoDb(options.lineageRecords, log);
  const { autonomousPath } = result;
  const summary = {
    runsPerSecond: result.runsPerSecond,
    loneRunLatencyMs: { p50: result.loneRunLatencyMs.p50, p95: result.loneRunLatencyMs.p95 },
    transitionsPerRun: autonomousPath.transitionsPerRun,
    modelCallsPerRun: autonomousPath.modelCallsPerRun,
    dynamodbRequestsPerRun: result.dynamodbRequestsPerRun?.total,
    wruPerRun: result.wruPerRun?.total,
    rruPerRun: result.rruPerRun?.total,
    cpuMsPerRun: { ...result.cpuMsPerRun, ...result.cpuMsPerRunByThread },
    steps: Object.fromEntries(
      coldStarts.steps.map(({ step, bundleBytes, coldImportMs }) => [step, { bundleBytes, coldImportMs }]),
    ),
    cedarDecisionMs: cedarDecisions.cedarDecisionMs,
    awsCostPer1000Runs: autonomousPath.awsCostPer1000Runs,
    approvalPath: {
      example: `${approvalPath.workflow}/${approvalPath.example}`,
      transitionsPerRun: approvalPath.profile.transitionsPerRun,
      modelCallsPerRun: approvalPath.profile.modelCallsPerRun,
      awsCostPer1000Runs: approvalPath.profile.awsCostPer1000Runs,
    },
    promptCache: promptPrefixes,
    machine: machineOf(),
  };
  const results = {
    ...summary,
    localCloud: result,
    approvalPath: { ...summary.approvalPath, profile: approvalPath.profile },
    coldStarts,
    cedarDecisions,
    packRunner,
    lineageVerification,
    lineageDynamoDb,
  };
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else {
    for (const line of report(result)) log(line);
    for (const line of describeRunProfile('autonomous path', autonomousPath)) log(line);
    for (const line of describeRunProfile(
      `approval path, ${approvalPath.workflow}/${approvalPath.example} (modelled: see bench/approval-path.ts)`,
      approvalPath.profile,
    ))
      log(line);
    for (const line of describeColdStarts(coldStarts)) log(line);
    log(describeCedarDecisions(cedarDecisions));
    log(describePromptPrefixes(promptPrefixes));
    log(`machine                 ${JSON.stringify(summary.machine)}`);
    log(
      `pack runner             ${packRunner.examplesPerSecond} examples/s (${packRunner.examples} examples in ${packRunner.seconds} s, in process, virtual clock; ${packRunner.mismatches} not as expected)`,
    );
    log(describeLineageVerification(lineageVerification));
    for (const line of describeLineageDynamoDb(lineageDynamoDb)) log(line);
    log(`written to ${relative(process.cwd(), RESULTS_FILE)}`);
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
