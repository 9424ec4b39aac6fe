/**
 * The anchored lineage verification's figure for `npm run bench`: how many
 * records per second an auditor verifies in memory against a signed
 * checkpoint: each record's hash recomputed, its MAC checked (HMAC under
 * in-process record keys, as the pack runner's), its link, its leaf and the
 * Merkle root rebuilt from the checkpoint's leaves, and the checkpoint's
 * Ed25519 signature. Building and signing the checkpoint is timed too.
 *
 * Runs on its own (`tsx bench/lineage-verification.ts`) and then writes its
 * figure into `bench/results.json` beside the others, without the heavy
 * local-cloud bench; `bench/run.ts` runs it after the rest.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryRecordKeys } from '../adapters/memory-record-keys.js';
import { verifyAnchored } from '../core/lineage/anchored-verify.js';
import { computeRecordHash } from '../core/lineage/chain.js';
import { buildCheckpoint } from '../core/lineage/checkpoint-builder.js';
import { publicKeyId, publicKeyVerifier, signCheckpoint } from '../core/lineage/checkpoint-signature.js';
import { GENESIS_HASH, type LineageRecord, type LineageRecordType } from '../core/lineage/record.js';
import { LINEAGE_REGISTRY } from '../core/lineage/registry.js';

/** Records per run: a run that grounds, plans and decides twice. */
export const RECORDS_PER_RUN = 10;
const DEFAULT_RECORDS = 200_000;
/** The bar issue 14 set: an auditor verifies a day's lineage in seconds. */
export const TARGET_RECORDS_PER_SECOND = 100_000;

const TYPES: readonly LineageRecordType[] = [
  'run.started',
  'context.grounded',
  'model.invoked',
  'actions.proposed',
  'policy.evaluated',
  'context.grounded',
  'model.invoked',
  'actions.proposed',
  'policy.evaluated',
  'run.completed',
];

/** What the verification bench measured. */
export interface LineageVerificationFigures {
  readonly records: number;
  readonly runs: number;
  /** Building the checkpoint (examining every chain, MACs included) and signing it. */
  readonly checkpointSeconds: number;
  readonly verifySeconds: number;
  readonly recordsPerSecond: number;
  /**
   * CPU seconds the verification took (this process, all its threads): on a
   * machine other work shares, the rate per CPU second is the steadier figure.
   */
  readonly verifyCpuSeconds: number;
  readonly recordsPerCpuSecond: number;
  readonly targetRecordsPerSecond: number;
  /** Whether the verification found every run intact (it must). */
  readonly intact: boolean;
}

/** Where and when synthetic runs happen. */
export interface SyntheticRunOptions {
  /**
   * The workflows the runs belong to, in turn (run `i` is of workflow `i mod n`).
   * @default ['refund-triage']
   */
  readonly workflows?: readonly string[];
}

/** The first synthetic run starts at this time; run `i` starts `i` seconds later, its records 1 ms apart. */
export const SYNTHETIC_START = Date.parse('2026-11-02T14:00:00Z');

/** The id of synthetic run `run`: `run-00000042`. */
export function syntheticRunId(run: number): string {
  return `run-${String(run).padStart(8, '0')}`;
}

/** Run `run`'s chain of {@link RECORDS_PER_RUN} records, hashed, linked and MACed as the steps do. */
export function syntheticChain(
  run: number,
  keys: InMemoryRecordKeys,
  options: SyntheticRunOptions = {},
): LineageRecord[] {
  const workflows = options.workflows ?? ['refund-triage'];
  const workflowId = workflows[run % workflows.length] as string;
  const chainId = syntheticRunId(run);
  const records: LineageRecord[] = [];
  TYPES.forEach((type, seq) => {
    const unhashed = {
      type,
      actor: `awf:${LINEAGE_REGISTRY[type].writer}`,
      workflowId,
      entityId: `ord_${run}`,
      versions: { workflowVersion: '1.0.0' },
      data: { iteration: seq, note: 'synthetic record of the verification bench' },
      chainId,
      seq,
      at: new Date(SYNTHETIC_START + run * 1000 + seq).toISOString(),
      entityKey: `${workflowId}#ord_${run}`,
      prevHash: records[seq - 1]?.hash ?? GENESIS_HASH,
    };
    const hash = computeRecordHash(unhashed);
    records.push({ ...unhashed, hash, mac: keys.macOf(LINEAGE_REGISTRY[type].writer, hash) });
  });
  return records;
}

/** `runs` synthetic chains, by run id. */
function syntheticChains(runs: number, keys: InMemoryRecordKeys): Map<string, LineageRecord[]> {
  const chains = new Map<string, LineageRecord[]>();
  for (let run = 0; run < runs; run++) chains.set(syntheticRunId(run), syntheticChain(run, keys));
  return chains;
}

const seconds = (fromMs: number) => Math.round((performance.now() - fromMs) / 10) / 100;

/** Builds, signs and verifies a checkpoint over `records` synthetic records (rounded to whole runs). */
export async function benchLineageVerification(
  records = DEFAULT_RECORDS,
): Promise<LineageVerificationFigures> {
  const keys = new InMemoryRecordKeys('awf-bench-record-keys');
  const runs = Math.ceil(records / RECORDS_PER_RUN);
  const chains = syntheticChains(runs, keys);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = publicKeyId(publicKey);
  const signer = {
    algorithm: 'ed25519' as const,
    keyId: async () => keyId,
    publicKeyPem: async () => publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: async (message: Uint8Array) => ({
      keyId,
      algorithm: 'ed25519' as const,
      signature: sign(null, message, privateKey).toString('base64'),
    }),
  };

  const built = performance.now();
  const { checkpoint, leaves } = await buildCheckpoint({
    origin: 'bench',
    source: { chainIds: async () => [...chains.keys()], chain: async (runId) => chains.get(runId) ?? [] },
    clock: () => new Date('2026-11-03T00:00:00Z'),
    keyIds: [keyId],
    recordKeys: keys,
  });
  const signed = await signCheckpoint(checkpoint, [signer]);
  const checkpointSeconds = seconds(built);

  const verifier = publicKeyVerifier([await signer.publicKeyPem()]);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const report = await verifyAnchored({
    chains,
    checkpoints: [{ signed, leaves }],
    verifier,
    now: new Date('2026-11-04T00:00:00Z'),
    recordKeys: keys,
  });
  const verifySeconds = seconds(started);
  const cpu = process.cpuUsage(cpuBefore);
  const verifyCpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
  const total = runs * RECORDS_PER_RUN;
  return {
    records: total,
    runs,
    checkpointSeconds,
    verifySeconds,
    recordsPerSecond: Math.round(total / Math.max(verifySeconds, 0.01)),
    verifyCpuSeconds,
    recordsPerCpuSecond: Math.round(total / Math.max(verifyCpuSeconds, 0.01)),
    targetRecordsPerSecond: TARGET_RECORDS_PER_SECOND,
    intact: report.ok && report.summary.intact === runs,
  };
}

/** One line for the bench's report. */
export function describeLineageVerification(f: LineageVerificationFigures): string {
  return `lineage verification    ${f.recordsPerSecond} records/s on one thread, ${f.recordsPerCpuSecond} per CPU second (${f.records} records of ${f.runs} runs in memory in ${f.verifySeconds} s, ${f.verifyCpuSeconds} CPU s: hashes, MACs, links, Merkle root, signature; target ${f.targetRecordsPerSecond}; ${f.intact ? 'all intact' : 'DAMAGE FOUND'}); checkpoint built and signed in ${f.checkpointSeconds} s`;
}

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results.json');

/** Measures, prints, and writes the figure into results.json, keeping the other figures. */
async function main(): Promise<void> {
  const figures = await benchLineageVerification();
  process.stdout.write(`${describeLineageVerification(figures)}\n`);
  let results: Record<string, unknown> = {};
  try {
    results = JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  await writeFile(RESULTS_FILE, `${JSON.stringify({ ...results, lineageVerification: figures }, null, 2)}\n`);
  if (!figures.intact) process.exitCode = 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
