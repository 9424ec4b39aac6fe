/**
 * The step Lambdas' cold starts, as `cdk synth` built them: per step of a
 * workflow, how many bytes its bundle ships and how long importing its
 * handler module takes in a fresh Node.js process.
 *
 * The import is done the way the Lambda Node.js runtime does it: a fresh
 * process, an ESM `import()` of the handler file, with the function's
 * environment variables from the template (its `NODE_OPTIONS` included, so
 * source maps cost what they cost there) and the variables Lambda itself sets
 * (region, function name, `AWS_EXECUTION_ENV`, the X-Ray daemon when tracing is
 * active, which is what turns the Powertools tracer on). The time is taken
 * inside the child, from just before `await import()` to just after it
 * resolves, so Node.js's own start-up, which Lambda pays once in the runtime
 * and not per bundle, is left out. Beside it, the CPU time all the child's
 * threads spent meanwhile: what a function with less than one vCPU (Gate and
 * Act have 512 MB, under a third of one) pays in full, however many cores
 * this machine has to hide background work on. Each figure is the median of several
 * processes, run one step after the other in rounds so that a busy moment of
 * the machine spreads over all steps instead of landing on one.
 *
 * Runs on its own (`tsx bench/cold-start.ts [--workflow <id>] [--runs <n>]
 * [--cdk-out <dir>] [--no-synth] [--json]`) and prints the table; `bench/run.ts` can call
 * {@link benchColdStarts} and {@link describeColdStarts}.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { LambdaHost, type LocalFunction } from '../local/lambda/index.js';
import { PROJECT_ROOT, synthesizeIfStale } from '../local/process/synth.js';
import { type LocalTemplate, loadCloudAssembly, TemplateError } from '../local/template/index.js';
import { topologyOf } from '../local/topology.js';

/** The workflow measured unless told otherwise: the reference pack. */
export const DEFAULT_COLD_START_WORKFLOW = 'refund-triage';
/** Fresh processes per step unless told otherwise; the median of these is reported. */
export const DEFAULT_COLD_START_RUNS = 7;
/** How long one import may take before the bench gives up on it (Lambda's own init limit is 10 s). */
const IMPORT_TIMEOUT_MS = 30_000;
/** Where the child writes its figure: a descriptor of its own, so what the bundle logs cannot be mistaken for it. */
const RESULT_FD = 3;

/** How to run {@link benchColdStarts}. */
export interface ColdStartOptions {
  /** @default 'refund-triage' */
  readonly workflowId?: string;
  /** Fresh processes per step; the median is reported. @default 7 */
  readonly runs?: number;
  /** @default - `cdk.out` in the project root, as the local cloud uses */
  readonly cdkOut?: string;
  /**
   * Synthesize first when the cloud assembly is missing or older than the sources.
   * @default true
   */
  readonly synth?: boolean;
  /** Receives lines for people (`synthesizing ...`). @default - discarded */
  readonly log?: (line: string) => void;
}

/** One step's figures. */
export interface StepColdStart {
  /** The step name (`admit`, `gate`, `decide-approval`, ...). */
  readonly step: string;
  readonly functionName: string;
  /** The asset directory's name in the cloud assembly (`asset.<hash>`). */
  readonly asset: string;
  /** Bytes of every file the bundle ships: the handler module, its source map, cedar-wasm's module where there is one. */
  readonly bundleBytes: number;
  /** Bytes per file of the bundle, by file name. */
  readonly files: Readonly<Record<string, number>>;
  /** Median milliseconds from just before the handler module's `import()` to just after it resolved. */
  readonly coldImportMs: number;
  /**
   * Median CPU milliseconds all the process's threads spent during the import:
   * what a function with less than one vCPU pays in full, where work on
   * background threads (such as V8 compiling WebAssembly) cannot overlap.
   */
  readonly coldImportCpuMs: number;
  /** Every process's {@link coldImportMs} figure, in milliseconds, in the order they ran. */
  readonly samplesMs: readonly number[];
}

/** What {@link benchColdStarts} measured. */
export interface ColdStartFigures {
  readonly workflowId: string;
  readonly runs: number;
  /** The Node.js version the imports ran on (Lambda runs the template's runtime, such as `nodejs24.x`). */
  readonly nodeVersion: string;
  /** In the order the template's state machine and functions give them. */
  readonly steps: readonly StepColdStart[];
}

const optionsSchema = z.object({
  workflowId: z.string().min(1).default(DEFAULT_COLD_START_WORKFLOW),
  runs: z.coerce.number().int().min(1).max(1000).default(DEFAULT_COLD_START_RUNS),
});

/** One step's function, where its bundle is, and the environment Lambda would start it with. */
interface StepBundle {
  readonly step: string;
  readonly fn: LocalFunction;
  readonly assetDir: string;
  /** The handler file (`<assetDir>/index.mjs`) and its export (`handler`). */
  readonly modulePath: string;
  readonly exportName: string;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * The child's program: imports the handler module named by its first
 * argument, checks that the export named by its second is a function, and
 * writes the milliseconds the import took, and the CPU milliseconds all the
 * process's threads spent meanwhile, to descriptor {@link RESULT_FD}.
 */
const CHILD_PROGRAM = `
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [modulePath, exportName] = process.argv.slice(1);
const url = pathToFileURL(modulePath).href;
const started = performance.now();
const cpuBefore = process.cpuUsage();
const module = await import(url);
const importMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
writeSync(${RESULT_FD}, JSON.stringify({ importMs, cpuMs, exportType: typeof module[exportName] }));
process.exit(0);
`;

/** Bytes of each file of a bundle's directory (a flat folder, as the bundler writes it). */
function bundleFiles(assetDir: string): Record<string, number> {
  const files: Record<string, number> = {};
  for (const entry of readdirSync(assetDir, { withFileTypes: true })) {
    if (entry.isFile()) files[entry.name] = statSync(join(assetDir, entry.name)).size;
  }
  return files;
}

/**
 * The variables the Lambda service sets in every execution environment, on
 * top of the function's own: the runtime's (`AWS_EXECUTION_ENV`, the handler,
 * the task root), the function's identity and region, the credentials of its
 * role (placeholders here: importing signs nothing), and the X-Ray daemon when
 * active tracing is on.
 */
function lambdaEnvironment(
  fn: LocalFunction,
  assetDir: string,
  tracing: boolean,
): Readonly<Record<string, string>> {
  const region = fn.functionArn.split(':')[3] ?? 'us-east-1';
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime || 'nodejs'}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]coldstartbench',
    AWS_ACCESS_KEY_ID: 'coldstartbench',
    AWS_SECRET_ACCESS_KEY: 'coldstartbench',
    AWS_SESSION_TOKEN: 'coldstartbench',
    LAMBDA_TASK_ROOT: assetDir,
    _HANDLER: fn.handler,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    ...(tracing
      ? {
          AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
          AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
          _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
          _AWS_XRAY_DAEMON_PORT: '2000',
        }
      : {}),
  };
}

/** The extensions the Lambda Node.js runtime tries for a handler module, in its order. */
const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs'];

/** The handler module's file, found as the runtime finds it. @throws TemplateError when there is none. */
function handlerModulePath(assetDir: string, moduleName: string, functionName: string): string {
  const candidates = HANDLER_EXTENSIONS.map((extension) => join(assetDir, `${moduleName}${extension}`));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new TemplateError(`${functionName} has no handler module: none of ${candidates.join(', ')} exists`);
  }
  return found;
}

/** Whether the function's template turns active X-Ray tracing on. */
function activeTracing(template: LocalTemplate, fn: LocalFunction): boolean {
  const properties = template.resolvedProperties(template.resource(fn.logicalId, fn.stackName));
  const tracing = properties.TracingConfig;
  return typeof tracing === 'object' && tracing !== null && 'Mode' in tracing && tracing.Mode === 'Active';
}

/**
 * Every step function of a workflow in the template, with its bundle.
 * @throws TemplateError when the template has no such workflow (naming those it has).
 */
function stepBundles(template: LocalTemplate, workflowId: string): StepBundle[] {
  // The host only describes the functions here; it starts no execution environment.
  const functions = new LambdaHost({ template }).functions;
  const workflow = topologyOf(template, functions).workflows[workflowId];
  if (!workflow) {
    const known = Object.keys(topologyOf(template, functions).workflows);
    throw new TemplateError(
      `the cloud assembly has no workflow "${workflowId}" (workflows: ${known.join(', ') || 'none'})`,
    );
  }
  return Object.entries(workflow.functions).map(([step, functionName]) => {
    const fn = functions.find((candidate) => candidate.functionName === functionName);
    if (!fn)
      throw new TemplateError(`step "${step}" names function ${functionName}, which the template lacks`);
    const assetDir = template.assetPath(fn.logicalId, fn.stackName);
    // `index.handler`: the module before the last dot, the export after it (as Lambda reads `_HANDLER`).
    const dot = fn.handler.lastIndexOf('.');
    const moduleName = dot > 0 ? fn.handler.slice(0, dot) : fn.handler;
    const exportName = dot > 0 ? fn.handler.slice(dot + 1) : 'handler';
    return {
      step,
      fn,
      assetDir,
      modulePath: handlerModulePath(assetDir, moduleName, fn.functionName),
      exportName,
      environment: {
        ...fn.environment,
        ...lambdaEnvironment(fn, assetDir, activeTracing(template, fn)),
      },
    };
  });
}

/** One import: its time, and the CPU time of all the process's threads meanwhile. */
interface ImportSample {
  readonly importMs: number;
  readonly cpuMs: number;
}

/**
 * Imports one bundle's handler module in a fresh `node` process and resolves
 * with the milliseconds the import took inside it.
 * @throws Error naming the function when the child fails, times out, or the export is not a function.
 */
async function importOnce(bundle: StepBundle): Promise<ImportSample> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '--eval', CHILD_PROGRAM, bundle.modulePath, bundle.exportName],
    {
      cwd: bundle.assetDir,
      // Only what Lambda would set: nothing of this process's environment (a test runner's
      // NODE_OPTIONS, a TypeScript loader) may change what the import does.
      env: { ...bundle.environment },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    },
  );
  const collect = (stream: NodeJS.ReadableStream | null): (() => string) => {
    const chunks: string[] = [];
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => chunks.push(chunk));
    return () => chunks.join('');
  };
  const stderr = collect(child.stderr);
  const result = collect(child.stdio[RESULT_FD] as NodeJS.ReadableStream | null);
  const timer = setTimeout(() => child.kill('SIGKILL'), IMPORT_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => clearTimeout(timer));
  const label = `${bundle.fn.functionName} (${bundle.step})`;
  const written = result();
  if (code !== 0 || written === '') {
    const tail = stderr().trim().split('\n').slice(-3).join(' | ');
    throw new Error(`cold-start bench: importing ${label} failed (exit ${code})${tail ? `: ${tail}` : ''}`);
  }
  const { importMs, cpuMs, exportType } = z
    .object({ importMs: z.number().nonnegative(), cpuMs: z.number().nonnegative(), exportType: z.string() })
    .parse(JSON.parse(written));
  if (exportType !== 'function') {
    throw new Error(
      `cold-start bench: ${label} exports "${bundle.exportName}" as ${exportType}, not a function`,
    );
  }
  return { importMs, cpuMs };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return Math.round(value * 10) / 10;
}

/**
 * Measures every step bundle of a workflow: its bytes, and the median time of
 * importing its handler in `runs` fresh processes.
 *
 * @throws SynthError when the app must be synthesized and does not synthesize
 * @throws TemplateError when the cloud assembly has no such workflow
 * @throws Error when a bundle cannot be imported (naming its function)
 * @example
 * const figures = await benchColdStarts({ workflowId: 'refund-triage', runs: 7 });
 * for (const line of describeColdStarts(figures)) console.log(line);
 */
export async function benchColdStarts(options: ColdStartOptions = {}): Promise<ColdStartFigures> {
  const parsed = optionsSchema.safeParse({ workflowId: options.workflowId, runs: options.runs });
  if (!parsed.success)
    throw new Error(`cold-start bench: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  const { workflowId, runs } = parsed.data;
  const cdkOut = resolvePath(options.cdkOut ?? join(PROJECT_ROOT, 'cdk.out'));
  if (options.synth ?? true) await synthesizeIfStale({ cdkOut, ...(options.log && { onNote: options.log }) });
  const bundles = stepBundles(loadCloudAssembly(cdkOut), workflowId);
  const samples = bundles.map((): ImportSample[] => []);
  for (let round = 0; round < runs; round += 1) {
    for (const [index, bundle] of bundles.entries()) samples[index]?.push(await importOnce(bundle));
  }
  return {
    workflowId,
    runs,
    nodeVersion: process.version,
    steps: bundles.map((bundle, index) => {
      const files = bundleFiles(bundle.assetDir);
      const stepSamples = samples[index] ?? [];
      const importMs = stepSamples.map((sample) => Math.round(sample.importMs * 10) / 10);
      return {
        step: bundle.step,
        functionName: bundle.fn.functionName,
        asset: bundle.assetDir.split(/[\\/]/).pop() ?? bundle.assetDir,
        bundleBytes: Object.values(files).reduce((sum, bytes) => sum + bytes, 0),
        files,
        coldImportMs: median(importMs),
        coldImportCpuMs: median(stepSamples.map((sample) => sample.cpuMs)),
        samplesMs: importMs,
      };
    }),
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

/** The figures as a table, one line per step, with a heading line. */
export function describeColdStarts(figures: ColdStartFigures): string[] {
  const width = Math.max(4, ...figures.steps.map((s) => s.step.length));
  return [
    `cold starts             ${figures.workflowId}: handler import in a fresh process, median of ${figures.runs} (node ${figures.nodeVersion}, start-up excluded)`,
    ...figures.steps.map((s) => {
      const wasm = Object.entries(s.files)
        .filter(([name]) => name.endsWith('.wasm'))
        .map(([name, bytes]) => `, ${name} ${megabytes(bytes)}`)
        .join('');
      return `  ${s.step.padEnd(width)}  ${`${s.coldImportMs.toFixed(1)} ms`.padStart(9)} (CPU ${`${s.coldImportCpuMs.toFixed(1)} ms`.padStart(8)})  ${megabytes(s.bundleBytes).padStart(8)} (${Object.keys(s.files).length} files${wasm})`;
    }),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workflow: { type: 'string', default: DEFAULT_COLD_START_WORKFLOW },
      runs: { type: 'string', default: String(DEFAULT_COLD_START_RUNS) },
      'cdk-out': { type: 'string' },
      'no-synth': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const figures = await benchColdStarts({
    workflowId: values.workflow,
    runs: Number(values.runs),
    ...(values['cdk-out'] === undefined ? {} : { cdkOut: values['cdk-out'] }),
    synth: !values['no-synth'],
    log,
  });
  const lines = values.json ? [JSON.stringify(figures, null, 2)] : describeColdStarts(figures);
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolvePath(process.argv[1])) {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
