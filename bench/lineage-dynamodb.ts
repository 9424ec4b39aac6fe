/**
 * The lineage table's figures for `npm run bench`, on DynamoDB Local (in memory):
 *
 * 1. end-to-end verification: {@link E2E_RECORDS} synthetic records written
 *    one by one through the real adapter (`DynamoDbLineageStore.putIfAbsent`,
 *    a conditional put each), a checkpoint built and signed from the table,
 *    then what `awf audit verify --all` does, timed: every chain id read (a
 *    Scan), every chain read by a consistent Query, {@link CHAINS_READ_AT_ONCE}
 *    at once, and verified against the checkpoint with every MAC checked;
 * 2. query latency as the table grows: a run's trail (its chain, the
 *    adapter's `chain`) and a workflow's records in a time window of about
 *    {@link WINDOW_RECORDS} records (`DynamoDbLineageQueries.records`, the
 *    `byWorkflow` index), measured at {@link SMALL_TABLE_RECORDS} records and
 *    again at `--lineage-records` (default {@link DEFAULT_LARGE_TABLE_RECORDS}).
 *    Key-addressed queries should not slow down as the table grows: the
 *    ratio of the two medians should stay near 1. The records are loaded as
 *    the adapter would store them (`lineageItemOf`), in BatchWriteItem calls
 *    of 25 pre-built items, several in flight.
 *
 * DynamoDB Local is one Java process on the same machine, so these are the
 * local engine's figures, not DynamoDB's; they show the shape (how reads and
 * verification scale), not AWS's latencies.
 *
 * Runs on its own (`tsx bench/lineage-dynamodb.ts [--lineage-records <n>]`)
 * and writes its figures into `bench/results.json`; `bench/run.ts` runs it last.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { ITEM_CONVERSION } from '../adapters/aws-clients.js';
import { DynamoDbLineageQueries } from '../adapters/dynamodb-lineage-queries.js';
import { DynamoDbLineageStore } from '../adapters/dynamodb-lineage-store.js';
import { InMemoryRecordKeys } from '../adapters/memory-record-keys.js';
import { verifyAnchored } from '../core/lineage/anchored-verify.js';
import { buildCheckpoint } from '../core/lineage/checkpoint-builder.js';
import { publicKeyId, publicKeyVerifier, signCheckpoint } from '../core/lineage/checkpoint-signature.js';
import { lineageItemOf } from '../core/storage/lineage-item.js';
import { startLocalDynamoDb } from '../local/dynamodb/index.js';
import { localClientConfig } from '../local/process/aws-env.js';
import { lineageTableDefinition } from '../test/support/dynamodb-local.js';
import { RECORDS_PER_RUN, SYNTHETIC_START, syntheticChain, syntheticRunId } from './lineage-verification.js';

/** Records written through the adapter and verified end to end. */
export const E2E_RECORDS = 20_000;
/** The table size the query latencies are first measured at. */
export const SMALL_TABLE_RECORDS = 10_000;
/**
 * The table size they are measured at again, unless `--lineage-records` says
 * otherwise: a million records loaded in about 4 minutes on a loaded 2-core
 * machine (about 4,000 records/s), within what a bench run may take.
 */
export const DEFAULT_LARGE_TABLE_RECORDS = 1_000_000;
/** What a workflow's time window returns, about. */
export const WINDOW_RECORDS = 100;
/** As `awf audit verify` reads chains. */
const CHAINS_READ_AT_ONCE = 8;
/** Conditional puts in flight while the adapter writes the end-to-end records. */
const PUTS_IN_FLIGHT = 16;
/** BatchWriteItem takes at most 25 items. */
const BATCH_ITEMS = 25;
/** BatchWriteItem calls in flight while loading. */
const BATCHES_IN_FLIGHT = 8;
/** Queries of each kind timed at each size. */
const SAMPLES = 300;
/** Untimed queries first: DynamoDB Local's JVM compiles each query path anew, and the small table is measured first. */
const WARMUP_QUERIES = 1000;
/** The runs take turns among these workflows, so each workflow's index partition holds a quarter of the table. */
const WORKFLOWS = ['refund-triage', 'claims-intake', 'order-review', 'kyc-refresh'] as const;
const REGION = 'us-east-1';

/** Median and tail of one kind of query, in milliseconds. */
export interface LatencyFigures {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** Records each query returned, on average. */
  readonly meanRecords: number;
}

/** The query latencies at one table size. */
export interface TableSizeFigures {
  readonly records: number;
  readonly trail: LatencyFigures;
  readonly workflowWindow: LatencyFigures;
}

/** What the DynamoDB Local bench measured. */
export interface LineageDynamoDbFigures {
  readonly endToEnd: {
    readonly records: number;
    readonly runs: number;
    /** Writing them one conditional put at a time, {@link PUTS_IN_FLIGHT} in flight. */
    readonly writeSeconds: number;
    readonly writesPerSecond: number;
    /** Reading every chain id and chain from the table. */
    readonly readSeconds: number;
    /** Verifying what was read against the checkpoint, MACs included. */
    readonly verifySeconds: number;
    /** Records read and verified per second, reading and verifying together. */
    readonly recordsPerSecond: number;
    readonly intact: boolean;
  };
  readonly queries: {
    readonly small: TableSizeFigures;
    readonly large: TableSizeFigures;
    /** How the large table's medians compare with the small one's (1 = no slower). */
    readonly p50Ratio: { readonly trail: number; readonly workflowWindow: number };
    /** Loading the records between the two sizes. */
    readonly loadSeconds: number;
    readonly loadRecordsPerSecond: number;
    /** The large size was the default, not set by `--lineage-records`. */
    readonly largeSizeIsDefault: boolean;
  };
  /** DynamoDB Local's peak resident memory (Linux `VmHWM`), in bytes; undefined where it cannot be read. */
  readonly dynamodbLocalPeakMemoryBytes?: number;
}

/** A process's peak resident memory from `/proc/<pid>/status`, in bytes; undefined when unreadable. */
async function peakMemoryBytes(pid: number): Promise<number | undefined> {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const secondsSince = (fromMs: number) => round((performance.now() - fromMs) / 1000, 2);

function quantile(sorted: readonly number[], q: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Runs `task(i)` for i in [0, count), `limit` at once. */
async function inParallel(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
}

/** The lineage table as `lib/` defines it, without its stream: nothing reads it here, and it would hold every write. */
async function createLineageTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { StreamSpecification: _stream, ...definition } = lineageTableDefinition(tableName);
  await client.send(new CreateTableCommand(definition));
}

/** An Ed25519 checkpoint signer and the verifier that trusts it. */
function checkpointKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = publicKeyId(publicKey);
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    keyId,
    verifier: publicKeyVerifier([pem]),
    signer: {
      algorithm: 'ed25519' as const,
      keyId: async () => keyId,
      publicKeyPem: async () => pem,
      sign: async (message: Uint8Array) => ({
        keyId,
        algorithm: 'ed25519' as const,
        signature: sign(null, message, privateKey).toString('base64'),
      }),
    },
  };
}

async function endToEnd(client: DynamoDBClient, keys: InMemoryRecordKeys) {
  const tableName = 'bench-lineage-e2e';
  await createLineageTable(client, tableName);
  const store = new DynamoDbLineageStore({ client, tableName });
  const runs = Math.ceil(E2E_RECORDS / RECORDS_PER_RUN);

  const written = performance.now();
  await inParallel(runs, PUTS_IN_FLIGHT, async (run) => {
    for (const record of syntheticChain(run, keys, { workflows: WORKFLOWS })) {
      if (!(await store.putIfAbsent(record)))
        throw new Error(`bench: ${record.chainId}/${record.seq} existed`);
    }
  });
  const writeSeconds = secondsSince(written);

  // The checkpointer's part, untimed: it runs on its schedule, not when an auditor verifies.
  const { keyId, signer, verifier } = checkpointKeys();
  const now = new Date(SYNTHETIC_START + 86_400_000);
  const { checkpoint, leaves } = await buildCheckpoint({
    origin: 'bench',
    source: store,
    clock: () => now,
    keyIds: [keyId],
    recordKeys: keys,
  });
  const signed = await signCheckpoint(checkpoint, [signer]);

  // What `awf audit verify --all` does: every chain id, every chain (8 at once), then the verification.
  const started = performance.now();
  const runIds = await store.chainIds();
  const chains = new Map<string, unknown[]>();
  await inParallel(runIds.length, CHAINS_READ_AT_ONCE, async (i) => {
    const runId = runIds[i] as string;
    chains.set(runId, await store.chain(runId));
  });
  const readSeconds = secondsSince(started);
  const verifyStarted = performance.now();
  const report = await verifyAnchored({
    chains,
    checkpoints: [{ signed, leaves }],
    verifier,
    now,
    recordKeys: keys,
  });
  const verifySeconds = secondsSince(verifyStarted);
  const records = report.summary.records;
  return {
    records,
    runs,
    writeSeconds,
    writesPerSecond: Math.round(records / Math.max(writeSeconds, 0.01)),
    readSeconds,
    verifySeconds,
    recordsPerSecond: Math.round(records / Math.max(secondsSince(started), 0.01)),
    intact: report.ok && report.summary.intact === runs,
  };
}

/** Loads runs [fromRun, toRun) as the adapter stores them, in batches of 25 pre-built items, several in flight. */
async function load(
  client: DynamoDBClient,
  tableName: string,
  keys: InMemoryRecordKeys,
  fromRun: number,
  toRun: number,
): Promise<void> {
  // Built a batch at a time, as the senders ask, so a million records are never all in memory at once.
  let run = fromRun;
  let pending: WriteRequest[] = [];
  const nextBatch = (): WriteRequest[] | undefined => {
    while (pending.length < BATCH_ITEMS && run < toRun) {
      for (const record of syntheticChain(run++, keys, { workflows: WORKFLOWS })) {
        const item = marshall(lineageItemOf(record), ITEM_CONVERSION.marshallOptions);
        pending.push({ PutRequest: { Item: item as Record<string, AttributeValue> } });
      }
    }
    if (pending.length === 0) return undefined;
    const batch = pending.slice(0, BATCH_ITEMS);
    pending = pending.slice(BATCH_ITEMS);
    return batch;
  };
  const sender = async () => {
    for (let batch = nextBatch(); batch !== undefined; batch = nextBatch()) {
      let requests: WriteRequest[] = batch;
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * 2 ** attempt)));
        const result = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
        );
        requests = result.UnprocessedItems?.[tableName] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: BATCHES_IN_FLIGHT }, sender));
}

/** {@link SAMPLES} timed calls of `query` (after {@link WARMUP_QUERIES} untimed ones), each on a random choice from `runs` runs. */
async function latencies(
  runs: number,
  query: (run: number) => Promise<number>,
  random: () => number,
): Promise<LatencyFigures> {
  const times: number[] = [];
  let returned = 0;
  for (let i = 0; i < WARMUP_QUERIES + SAMPLES; i++) {
    const run = Math.floor(random() * runs);
    const started = performance.now();
    const records = await query(run);
    if (i < WARMUP_QUERIES) continue;
    times.push(performance.now() - started);
    returned += records;
  }
  times.sort((a, b) => a - b);
  return {
    samples: times.length,
    p50Ms: round(quantile(times, 0.5), 2),
    p95Ms: round(quantile(times, 0.95), 2),
    meanRecords: round(returned / times.length, 1),
  };
}

/** A small deterministic generator (mulberry32), so both sizes query alike. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function measureQueries(client: DynamoDBClient, tableName: string, runs: number, records: number) {
  const store = new DynamoDbLineageStore({ client, tableName });
  const queries = new DynamoDbLineageQueries({ client, tableName });
  // Run r starts r seconds in; a workflow has a run every WORKFLOWS.length seconds, of RECORDS_PER_RUN records.
  const windowMs = (WINDOW_RECORDS / RECORDS_PER_RUN) * WORKFLOWS.length * 1000;
  const trail = await latencies(
    runs,
    async (run) => (await store.chain(syntheticRunId(run))).length,
    seeded(1),
  );
  const workflowWindow = await latencies(
    Math.max(1, runs - WINDOW_RECORDS),
    async (run) => {
      // Starts just before a run of the workflow, so the window holds whole runs.
      const since = SYNTHETIC_START + run * 1000 - 1;
      const found = await queries.records({
        workflowId: WORKFLOWS[run % WORKFLOWS.length] as string,
        since: new Date(since).toISOString(),
        until: new Date(since + windowMs - 1).toISOString(),
      });
      return found.length;
    },
    seeded(2),
  );
  return { records, trail, workflowWindow };
}

async function queryLatencies(client: DynamoDBClient, keys: InMemoryRecordKeys, largeRecords: number) {
  const tableName = 'bench-lineage-queries';
  await createLineageTable(client, tableName);
  const smallRuns = Math.ceil(SMALL_TABLE_RECORDS / RECORDS_PER_RUN);
  const largeRuns = Math.max(smallRuns, Math.ceil(largeRecords / RECORDS_PER_RUN));
  await load(client, tableName, keys, 0, smallRuns);
  const small = await measureQueries(client, tableName, smallRuns, smallRuns * RECORDS_PER_RUN);
  const loaded = performance.now();
  await load(client, tableName, keys, smallRuns, largeRuns);
  const loadSeconds = secondsSince(loaded);
  const large = await measureQueries(client, tableName, largeRuns, largeRuns * RECORDS_PER_RUN);
  return {
    small,
    large,
    p50Ratio: {
      trail: round(large.trail.p50Ms / small.trail.p50Ms, 2),
      workflowWindow: round(large.workflowWindow.p50Ms / small.workflowWindow.p50Ms, 2),
    },
    loadSeconds,
    loadRecordsPerSecond: Math.round(
      ((largeRuns - smallRuns) * RECORDS_PER_RUN) / Math.max(loadSeconds, 0.01),
    ),
  };
}

/**
 * Starts DynamoDB Local in memory, runs both measurements, and stops it.
 * @param largeRecords the table size the latencies are measured at after {@link SMALL_TABLE_RECORDS}.
 */
export async function benchLineageDynamoDb(
  largeRecords = DEFAULT_LARGE_TABLE_RECORDS,
  log: (line: string) => void = () => {},
): Promise<LineageDynamoDbFigures> {
  const engine = await startLocalDynamoDb({ startTimeoutMs: 60_000 });
  const client = new DynamoDBClient({ ...localClientConfig(engine.endpoint, REGION), maxAttempts: 10 });
  const keys = new InMemoryRecordKeys('awf-bench-record-keys');
  try {
    log(
      `bench: writing ${E2E_RECORDS} lineage records through the adapter, then reading and verifying them...`,
    );
    const e2e = await endToEnd(client, keys);
    log(
      `bench: query latencies at ${SMALL_TABLE_RECORDS} and ${largeRecords} lineage records (loading by BatchWriteItem)...`,
    );
    const queries = await queryLatencies(client, keys, largeRecords);
    const peak = await peakMemoryBytes(engine.pid);
    return {
      endToEnd: e2e,
      queries: { ...queries, largeSizeIsDefault: largeRecords === DEFAULT_LARGE_TABLE_RECORDS },
      ...(peak !== undefined && { dynamodbLocalPeakMemoryBytes: peak }),
    };
  } finally {
    client.destroy();
    await engine.stop();
  }
}

/** The bench's report lines. */
export function describeLineageDynamoDb(f: LineageDynamoDbFigures): string[] {
  const e = f.endToEnd;
  const q = f.queries;
  const size = (t: TableSizeFigures) =>
    `trail p50 ${t.trail.p50Ms} ms, p95 ${t.trail.p95Ms} ms (${t.trail.meanRecords} records); workflow window p50 ${t.workflowWindow.p50Ms} ms, p95 ${t.workflowWindow.p95Ms} ms (${t.workflowWindow.meanRecords} records)`;
  return [
    `lineage e2e verification ${e.recordsPerSecond} records/s read and verified from DynamoDB Local (${e.records} records of ${e.runs} runs: read in ${e.readSeconds} s, ${CHAINS_READ_AT_ONCE} chains at once, verified in ${e.verifySeconds} s; ${e.intact ? 'all intact' : 'DAMAGE FOUND'}); written by the adapter at ${e.writesPerSecond} records/s`,
    `lineage queries at ${q.small.records}  ${size(q.small)}`,
    `lineage queries at ${q.large.records}  ${size(q.large)}${q.largeSizeIsDefault ? '' : ' (set by --lineage-records)'}`,
    `lineage query ratio      p50 at ${q.large.records} / at ${q.small.records}: trail ${q.p50Ratio.trail}, workflow window ${q.p50Ratio.workflowWindow}; ${q.large.records - q.small.records} records loaded in ${q.loadSeconds} s (${q.loadRecordsPerSecond}/s, BatchWriteItem, in-memory DynamoDB Local${f.dynamodbLocalPeakMemoryBytes === undefined ? '' : ` peaking at ${Math.round(f.dynamodbLocalPeakMemoryBytes / 1024 / 1024)} MB`})`,
  ];
}

/** `--lineage-records <n>`: the large table size. */
export const lineageRecordsOption = z.coerce.number().int().min(SMALL_TABLE_RECORDS).max(10_000_000);

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results.json');

/** Measures, prints, and writes the figures into results.json, keeping the other figures. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'lineage-records': { type: 'string', default: String(DEFAULT_LARGE_TABLE_RECORDS) } },
  });
  const largeRecords = lineageRecordsOption.parse(values['lineage-records']);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const figures = await benchLineageDynamoDb(largeRecords, log);
  for (const line of describeLineageDynamoDb(figures)) log(line);
  let results: Record<string, unknown> = {};
  try {
    results = JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  await writeFile(RESULTS_FILE, `${JSON.stringify({ ...results, lineageDynamoDb: figures }, null, 2)}\n`);
  if (!figures.endToEnd.intact) process.exitCode = 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
