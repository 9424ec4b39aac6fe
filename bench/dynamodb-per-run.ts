/**
 * What a run asks of DynamoDB: requests, write request units (WRU) and read
 * request units (RRU) per run, each by kind, as the meter counts them
 * (`local/dynamodb/request-meter.ts`).
 *
 * The counting proxy sits between the Lambda functions and DynamoDB Local
 * only for a batch of runs of its own, after the measured burst: its extra
 * HTTP hop costs the main thread about as much CPU as the whole local cloud
 * otherwise does, so the burst's throughput and CPU figures are taken
 * without it. A run's requests do not depend on how many run at once, so
 * the batch's figures are the burst's.
 */
import type { LocalCloud } from '../local/cloud.js';
import { startMeteringProxy, tableNamingOf } from '../local/dynamodb/metering-proxy.js';
import { type CountsByKind, readingPerRun } from '../local/dynamodb/request-meter.js';

/** Runs through the proxy before counting starts, which start the functions' environments afresh. */
export const UNCOUNTED_METERING_RUNS = 1;

/** The per-run figures of the metered batch; all absent when none ran. */
export interface DynamoDbPerRun {
  /** How many runs were counted. */
  readonly meteredRuns?: number;
  readonly dynamodbRequestsPerRun?: CountsByKind;
  readonly wruPerRun?: CountsByKind;
  readonly rruPerRun?: CountsByKind;
  /** Requests DynamoDB refused (a lost conditional write, ...), by kind and error. */
  readonly dynamodbErrorsPerRun?: CountsByKind;
}

/**
 * Points the Lambda functions at a counting proxy, runs
 * {@link UNCOUNTED_METERING_RUNS} to start their environments afresh (they
 * take new endpoints only when they start), then `runs` runs through `runBatch`, and gives back what each run asked of
 * DynamoDB. The functions are pointed back at DynamoDB Local after.
 * @param runBatch starts `count` runs and resolves once they have ended
 */
export async function meterDynamoDbPerRun(
  cloud: LocalCloud,
  runs: number,
  runBatch: (count: number) => Promise<void>,
): Promise<DynamoDbPerRun> {
  if (runs === 0) return {};
  const labels = new Map([
    [cloud.topology.runsTable, 'runs'],
    [cloud.topology.lineageTable, 'lineage'],
  ]);
  const proxy = await startMeteringProxy({
    upstream: cloud.dynamodb.endpoint,
    naming: tableNamingOf(cloud.template, labels),
  });
  const { host } = cloud.lambda;
  try {
    await host.setEndpoints({ dynamodb: proxy.endpoint });
    await runBatch(UNCOUNTED_METERING_RUNS);
    const before = proxy.meter.read();
    await runBatch(runs);
    const perRun = readingPerRun(proxy.meter.read(), before, runs);
    return {
      meteredRuns: runs,
      dynamodbRequestsPerRun: perRun.requests,
      wruPerRun: perRun.writeUnits,
      rruPerRun: perRun.readUnits,
      dynamodbErrorsPerRun: perRun.errors,
    };
  } finally {
    await host.setEndpoints({ dynamodb: cloud.dynamodb.endpoint });
    await proxy.stop();
  }
}

/** `PutItem lineage 7, GetItem runs RUN# 3, ...`: largest first. */
function byKind(counts: CountsByKind): string {
  const kinds = Object.entries(counts.byKind).sort(([ka, a], [kb, b]) => b - a || ka.localeCompare(kb));
  return kinds.map(([kind, n]) => `${kind} ${n}`).join(', ');
}

/** Report lines for the per-run DynamoDB figures. */
export function describeDynamoDbPerRun(figures: DynamoDbPerRun): string[] {
  const {
    dynamodbRequestsPerRun: requests,
    wruPerRun: wru,
    rruPerRun: rru,
    dynamodbErrorsPerRun: errors,
  } = figures;
  if (requests === undefined || wru === undefined || rru === undefined) {
    return ['DynamoDB per run        not metered (--metered-runs 0)'];
  }
  return [
    `DynamoDB requests/run   ${requests.total} (${figures.meteredRuns} runs through a counting proxy): ${byKind(requests)}`,
    `DynamoDB WRU/run        ${wru.total}: ${byKind(wru)}`,
    `DynamoDB RRU/run        ${rru.total}: ${byKind(rru)}`,
    ...(errors && errors.total > 0 ? [`DynamoDB refusals/run   ${errors.total}: ${byKind(errors)}`] : []),
  ];
}
