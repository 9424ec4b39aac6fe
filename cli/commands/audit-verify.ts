/**
 * `awf audit verify`: every chain asked for (one run, a workflow's runs in a
 * time window, or all), checked against the signed checkpoints and the
 * trusted public keys, each record's MAC against its writer's key.
 *
 * Exit 0 when intact; 2 with a report naming each damaged run and its first
 * bad record. Malformed records and checkpoints are reported, never thrown on.
 */
import { DynamoDbLineageQueries } from '../../adapters/dynamodb-lineage-queries.js';
import { KmsRecordKeys } from '../../adapters/kms-record-keys.js';
import { AwfError } from '../../core/errors.js';
import { renderAnchoredReport } from '../../core/lineage/anchored-report.js';
import { verifyAnchored } from '../../core/lineage/anchored-verify.js';
import { publicKeyVerifier } from '../../core/lineage/checkpoint-signature.js';
import { lineageQueryOf } from '../../core/lineage/query.js';
import { type CheckpointSourceOptions, checkpointSource } from '../checkpoints.js';
import { type OutputOptions, print } from '../output.js';
import { progressLine } from '../progress-line.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';

/** Which runs to verify. */
export interface VerifyScopeOptions {
  readonly run?: string;
  readonly workflow?: string;
  readonly since?: string;
  readonly until?: string;
  readonly all?: boolean;
}

/** Options of `awf audit verify` (chains). */
export type AuditVerifyOptions = VerifyScopeOptions & CheckpointSourceOptions & OutputOptions;

/** Chains read at once. */
const CONCURRENCY = 8;

/**
 * The runs the options name: one run, a workflow's runs with a record in the
 * window (a Query of the byWorkflow index), or every chain of the table.
 */
async function runIdsOf(target: Target, options: VerifyScopeOptions): Promise<string[]> {
  const given = [options.run !== undefined, options.workflow !== undefined, options.all === true].filter(
    Boolean,
  );
  if (given.length > 1) throw new AwfError('give one of --run, --workflow or --all');
  if ((options.since !== undefined || options.until !== undefined) && options.workflow === undefined) {
    throw new AwfError('--since and --until narrow --workflow; give --workflow too');
  }
  if (options.run !== undefined) return [options.run];
  if (options.workflow !== undefined) {
    const queries = new DynamoDbLineageQueries({
      client: target.clients.dynamodb,
      tableName: target.lineageTable,
    });
    return queries.chainIds(lineageQueryOf(options));
  }
  return storesOf(target).lineage.chainIds();
}

/** Reads each chain as stored, a few at once, with a progress line on stderr for long reads. */
async function readChains(target: Target, runIds: readonly string[]): Promise<Map<string, unknown[]>> {
  const lineage = storesOf(target).lineage;
  const chains = new Map<string, unknown[]>();
  const progress = progressLine('reading chains', runIds.length);
  let next = 0;
  const worker = async () => {
    while (next < runIds.length) {
      const runId = runIds[next++] as string;
      chains.set(runId, await lineage.chain(runId));
      progress.tick(chains.size);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, runIds.length) }, worker));
  progress.finish();
  return chains;
}

/**
 * Verifies the chains the options name against the checkpoints; prints the
 * report (or JSON) and sets exit code 2 when anything is damaged.
 *
 * @throws AwfError for contradictory options, a run with no records that no
 *   checkpoint knows, or checkpoints and keys that cannot be found.
 */
export async function auditVerify(target: Target, options: AuditVerifyOptions): Promise<void> {
  const source = await checkpointSource(options, target);
  const runIds = await runIdsOf(target, options);
  const [chains, checkpoints] = await Promise.all([readChains(target, runIds), source.store.list()]);
  const verification = await verifyAnchored({
    chains,
    checkpoints,
    verifier: publicKeyVerifier(source.publicKeys),
    now: new Date(),
    ...(source.origin !== undefined && { origin: source.origin }),
    ...(Object.keys(target.recordKeys).length > 0 && {
      recordKeys: new KmsRecordKeys({ client: target.clients.kms, keyIds: target.recordKeys }),
    }),
    // Only --all reads every chain, so only --all may count one a checkpoint anchored but the table lost.
    onlyGivenRuns: options.run !== undefined || options.workflow !== undefined,
  });
  const only = options.run === undefined ? undefined : verification.runs.find((r) => r.runId === options.run);
  if (
    only !== undefined &&
    only.records === 0 &&
    only.anchoredThrough === undefined &&
    only.status !== 'damaged'
  ) {
    throw new AwfError(`no lineage records for ${options.run}, and no checkpoint anchored it`);
  }
  print(verification, options, renderAnchoredReport);
  if (!verification.ok) process.exitCode = 2;
}
