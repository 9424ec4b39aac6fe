/**
 * The local Lambda service: runs every `AWS::Lambda::Function` of the
 * synthesized stacks from its bundle in `cdk.out`, each execution environment
 * in its own worker thread with exactly the environment the template gives the
 * function, plus what Lambda's runtime adds and the endpoints of the local cloud.
 *
 * Lambdas hosted in one thread would share `process.env` and module state, so
 * a function could read another's configuration; a worker thread per
 * environment keeps them apart, as Lambda does. Environments start on first
 * use (the cold start), are reused by later invocations, run one invocation at
 * a time, and are discarded after a timeout, a crash or a failed init.
 *
 * Failures come back as Lambda reports them: `{ errorType, errorMessage, trace }`,
 * and through {@link LambdaHost.invoke} as an `Error` named after `errorType`,
 * which is what Step Functions' Retry and Catch match on. A function that runs
 * past its `Timeout` fails with `Sandbox.Timedout`, the `errorType` Lambda's
 * current Node.js runtimes report for a timeout (and Step Functions surfaces).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { transformSync } from 'esbuild';
import * as z from 'zod';
import { AwfError } from '../../core/errors.js';
import type { LambdaInvoker } from '../ports.js';
import { type LocalEndpoints, localAwsEnvironment } from '../process/aws-env.js';
import { type LocalTemplate, TemplateError, type TemplateResource } from '../template/index.js';
import type { InvokeMessage, LambdaErrorPayload, WorkerInit, WorkerMessage } from './worker.js';

/** A function failed (threw, timed out, crashed); `name` is Lambda's `errorType`. */
export class LambdaFunctionError extends AwfError {
  readonly errorType: string;
  readonly trace: readonly string[];

  constructor(payload: LambdaErrorPayload) {
    super(payload.errorMessage);
    this.errorType = payload.errorType;
    this.trace = payload.trace;
    // Step Functions' Retry and Catch match on this name.
    this.name = payload.errorType;
  }
}

/**
 * The Lambda service itself refused the invocation (unknown function, host
 * stopped). `name` is what Step Functions would report (`Lambda.<code>`).
 */
export class LambdaServiceError extends AwfError {
  constructor(
    /** Lambda's error code, such as `ResourceNotFoundException`. */
    readonly code: string,
    message: string,
    /** HTTP status of the Invoke API's answer. */
    readonly statusCode: number,
  ) {
    super(message);
    this.name = `Lambda.${code}`;
  }
}

/** One function of the template, as the host runs it. */
export interface LocalFunction {
  readonly stackName: string;
  readonly logicalId: string;
  readonly functionName: string;
  readonly functionArn: string;
  /** `<module>.<export>`, such as `index.handler`. */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  /** The template's `Environment.Variables`, resolved. */
  readonly environment: Readonly<Record<string, string>>;
}

/** One line a function wrote to stdout or stderr. */
export interface FunctionLogLine {
  readonly functionName: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

/** The raw result of an invocation, as the Invoke API returns it. */
export interface InvocationOutcome {
  readonly requestId: string;
  readonly function: LocalFunction;
  /** The result as JSON text or, when `functionError` is set, Lambda's error document as JSON text. */
  readonly payload: string;
  /** `Unhandled` when the function failed, as Lambda's `X-Amz-Function-Error` header says. */
  readonly functionError?: 'Unhandled';
}

/** How to build a {@link LambdaHost}. */
export interface LambdaHostOptions {
  readonly template: LocalTemplate;
  /**
   * Endpoints of the local services, given to every function as `AWS_ENDPOINT_URL_*`.
   * @default - none until {@link LambdaHost.setEndpoints} is called
   */
  readonly endpoints?: LocalEndpoints;
  /**
   * Variables added to every function's environment after the template's.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Receives every line functions write to stdout and stderr.
   * @default - lines are written to this process's stderr, prefixed with the function name
   */
  readonly onLog?: (line: FunctionLogLine) => void;
  /**
   * Most execution environments one function runs at once; further invocations wait for one.
   * @default 10
   */
  readonly maxConcurrencyPerFunction?: number;
  /**
   * How long a cold start (importing the bundle) may take, as Lambda's 10 s init limit.
   * @default 10_000
   */
  readonly initTimeoutMs?: number;
}

const functionPropertiesSchema = z.object({
  Handler: z.string().min(1).default('index.handler'),
  Runtime: z.string().default(''),
  Timeout: z.coerce.number().int().positive().default(3),
  MemorySize: z.coerce.number().int().positive().default(128),
  Environment: z
    .object({ Variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}) })
    .default({ Variables: {} }),
});

const DEFAULT_MAX_CONCURRENCY = 10;
const DEFAULT_INIT_TIMEOUT_MS = 10_000;

let workerSource: URL | undefined;

/**
 * The worker's code, transpiled once per process and loaded from a `data:` URL
 * so that no TypeScript loader runs inside the Lambdas' threads.
 */
function workerUrl(): URL {
  if (!workerSource) {
    const source = readFileSync(new URL('./worker.ts', import.meta.url), 'utf8');
    const { code } = transformSync(source, { loader: 'ts', format: 'esm', target: 'node20' });
    workerSource = new URL(`data:text/javascript,${encodeURIComponent(code)}`);
  }
  return workerSource;
}

function describeFunction(template: LocalTemplate, resource: TemplateResource): LocalFunction {
  const { stackName, logicalId } = resource;
  const raw = resource.properties;
  const resolved = {
    Handler: template.resolve(raw.Handler, stackName),
    Runtime: template.resolve(raw.Runtime, stackName),
    Timeout: template.resolve(raw.Timeout, stackName),
    MemorySize: template.resolve(raw.MemorySize, stackName),
    Environment: template.resolve(raw.Environment, stackName),
  };
  const parsed = functionPropertiesSchema.safeParse(resolved);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new TemplateError(
      `function "${stackName}/${logicalId}" has properties the host cannot run: ${problems}`,
    );
  }
  const properties = parsed.data;
  return {
    stackName,
    logicalId,
    functionName: template.physicalName(logicalId, stackName),
    functionArn: template.arnOf(logicalId, stackName),
    handler: properties.Handler,
    runtime: properties.Runtime,
    timeoutSeconds: properties.Timeout,
    memorySizeMb: properties.MemorySize,
    environment: Object.fromEntries(
      Object.entries(properties.Environment.Variables).map(([name, value]) => [name, String(value)]),
    ),
  };
}

function defaultLog({ functionName, stream, line }: FunctionLogLine): void {
  process.stderr.write(`[${functionName}${stream === 'stderr' ? ' !' : ''}] ${line}\n`);
}

function logStreamName(): string {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return `${day}/[$LATEST]${randomUUID().replace(/-/g, '')}`;
}

type RunResult = { readonly payload: string } | { readonly error: LambdaErrorPayload };

/** One execution environment: a worker thread running one function, one invocation at a time. */
class ExecutionEnvironment {
  readonly ready: Promise<LambdaErrorPayload | undefined>;
  /** The worker's thread id in the operating system, once it is ready (Linux). */
  osThreadId: number | undefined;
  #dead = false;
  #pending: { requestId: string; settle: (result: RunResult) => void; timer: NodeJS.Timeout } | undefined;
  readonly #worker: Worker;

  constructor(
    readonly generation: number,
    init: WorkerInit,
    environment: Record<string, string>,
    memorySizeMb: number,
    initTimeoutMs: number,
    onLog: (line: FunctionLogLine) => void,
  ) {
    this.#worker = new Worker(workerUrl(), {
      workerData: init,
      env: environment,
      // The function's MemorySize bounds its heap, so a leak fails here as it would on Lambda.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(memorySizeMb, 64) },
      stdout: true,
      stderr: true,
      execArgv: [],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: this.#worker[stream] }).on('line', (line) =>
        onLog({ functionName: init.functionName, stream, line }),
      );
    }
    let settleReady: (error: LambdaErrorPayload | undefined) => void = () => {};
    this.ready = new Promise((resolve) => {
      settleReady = resolve;
    });
    const initTimer = setTimeout(() => {
      settleReady({
        errorType: 'Sandbox.Timedout',
        errorMessage: `Error: INIT phase timed out after ${(initTimeoutMs / 1000).toFixed(2)} seconds`,
        trace: [],
      });
      void this.terminate();
    }, initTimeoutMs);
    const failAll = (error: LambdaErrorPayload) => {
      clearTimeout(initTimer);
      this.#dead = true;
      settleReady(error);
      this.#settle({ error });
    };

    this.#worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          this.osThreadId = message.osThreadId;
          clearTimeout(initTimer);
          settleReady(undefined);
          return;
        case 'init-error':
          failAll(message.error);
          void this.terminate();
          return;
        case 'result':
          this.#settle({ payload: message.payload });
          return;
        case 'error':
          if (message.fatal) {
            this.#dead = true;
            void this.terminate();
          }
          this.#settle({ error: message.error });
          return;
      }
    });
    this.#worker.on('error', (error: Error & { code?: string }) => {
      const requestId = this.#pending?.requestId ?? '';
      failAll(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? {
              errorType: 'Runtime.OutOfMemory',
              errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
              trace: [],
            }
          : {
              errorType: error.name || 'Error',
              errorMessage: error.message,
              trace: (error.stack ?? '').split('\n'),
            },
      );
    });
    this.#worker.on('exit', (code) => {
      const requestId = this.#pending?.requestId ?? '';
      failAll({
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${code}`,
        trace: [],
      });
    });
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Runs one invocation; resolves (never rejects) with the result or the error Lambda would report. */
  run(requestId: string, payload: string, timeoutSeconds: number): Promise<RunResult> {
    const timeoutMs = timeoutSeconds * 1000;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#dead = true;
        this.#settle({
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
            trace: [],
          },
        });
        void this.terminate();
      }, timeoutMs);
      this.#pending = { requestId, settle: resolve, timer };
      const message: InvokeMessage = { type: 'invoke', requestId, payload, deadline: Date.now() + timeoutMs };
      this.#worker.postMessage(message);
    });
  }

  #settle(result: RunResult): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    pending.settle(result);
  }

  async terminate(): Promise<void> {
    this.#dead = true;
    await this.#worker.terminate();
  }
}

/** The environments of one function. */
class FunctionPool {
  readonly #idle: ExecutionEnvironment[] = [];
  readonly #all = new Set<ExecutionEnvironment>();
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly fn: LocalFunction,
    private readonly create: () => ExecutionEnvironment,
    private readonly maxConcurrency: number,
    private readonly currentGeneration: () => number,
  ) {}

  async acquire(): Promise<ExecutionEnvironment> {
    for (;;) {
      const idle = this.#idle.pop();
      if (idle) {
        if (!idle.dead && idle.generation === this.currentGeneration()) return idle;
        this.#discard(idle);
        continue;
      }
      if (this.#all.size < this.maxConcurrency) {
        const environment = this.create();
        this.#all.add(environment);
        return environment;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  release(environment: ExecutionEnvironment): void {
    if (environment.dead || environment.generation !== this.currentGeneration()) this.#discard(environment);
    else this.#idle.push(environment);
    this.#waiting.shift()?.();
  }

  #discard(environment: ExecutionEnvironment): void {
    this.#all.delete(environment);
    void environment.terminate();
  }

  /** Terminates the idle environments (busy ones retire when they finish, being of an old generation). */
  /** The operating system thread ids of the environments that are ready and not discarded. */
  osThreadIds(): number[] {
    return [...this.#all].flatMap((environment) =>
      environment.dead || environment.osThreadId === undefined ? [] : [environment.osThreadId],
    );
  }

  async recycleIdle(): Promise<void> {
    const idle = this.#idle.splice(0);
    for (const environment of idle) this.#all.delete(environment);
    await Promise.all(idle.map((environment) => environment.terminate()));
    this.#waiting.splice(0).forEach((wake) => {
      wake();
    });
  }

  async stop(): Promise<void> {
    const all = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(all.map((environment) => environment.terminate()));
    this.#waiting.splice(0).forEach((wake) => {
      wake();
    });
  }
}

/**
 * Runs the template's Lambda functions locally.
 *
 * @example
 * const host = new LambdaHost({ template: loadCloudAssembly('cdk.out'), endpoints: { dynamodb: ddb.endpoint } });
 * const result = await host.invoke('AwfWorkflows-RefundTriageAdmit', { event, executionId });
 * await host.stop();
 */
export class LambdaHost implements LambdaInvoker {
  readonly #template: LocalTemplate;
  readonly #pools = new Map<string, FunctionPool>();
  readonly #byArn = new Map<string, FunctionPool>();
  readonly #options: LambdaHostOptions;
  #endpoints: LocalEndpoints;
  #generation = 0;
  #stopped = false;

  /** @throws TemplateError naming a function whose properties cannot be resolved or run. */
  constructor(options: LambdaHostOptions) {
    this.#options = options;
    this.#template = options.template;
    this.#endpoints = { ...options.endpoints };
    for (const resource of options.template.resourcesOfType('AWS::Lambda::Function')) {
      const fn = describeFunction(options.template, resource);
      const pool = new FunctionPool(
        fn,
        () => this.#createEnvironment(fn),
        options.maxConcurrencyPerFunction ?? DEFAULT_MAX_CONCURRENCY,
        () => this.#generation,
      );
      this.#pools.set(fn.functionName, pool);
      this.#byArn.set(fn.functionArn, pool);
    }
  }

  /** Every function the host can run. */
  get functions(): readonly LocalFunction[] {
    return [...this.#pools.values()].map((pool) => pool.fn);
  }

  /**
   * The live execution environments' threads by function: their operating
   * system thread ids (Linux; none elsewhere), to read each one's CPU time from `/proc`.
   */
  environmentThreads(): { readonly functionName: string; readonly osThreadId: number }[] {
    return [...this.#pools.values()].flatMap((pool) =>
      pool.osThreadIds().map((osThreadId) => ({ functionName: pool.fn.functionName, osThreadId })),
    );
  }

  /** The endpoints functions are given. */
  get endpoints(): LocalEndpoints {
    return { ...this.#endpoints };
  }

  /**
   * Adds or changes endpoints of local services. Environments started before
   * keep their variables, so idle ones are discarded and busy ones retire when
   * they finish; the next invocation starts fresh with the new endpoints.
   */
  async setEndpoints(endpoints: LocalEndpoints): Promise<void> {
    this.#endpoints = { ...this.#endpoints, ...endpoints };
    this.#generation += 1;
    await Promise.all([...this.#pools.values()].map((pool) => pool.recycleIdle()));
  }

  /**
   * The function for a name, a full ARN or an ARN with the `$LATEST` qualifier.
   * @throws LambdaServiceError `ResourceNotFoundException` naming the function.
   */
  findFunction(functionNameOrArn: string): LocalFunction {
    return this.#pool(functionNameOrArn).fn;
  }

  /**
   * Invokes a function synchronously and resolves with its result.
   * @throws LambdaFunctionError named after the function's `errorType` when it fails.
   * @throws LambdaServiceError when the function does not exist or the host is stopped.
   */
  async invoke(functionNameOrArn: string, payload: unknown): Promise<unknown> {
    const outcome = await this.invokeRaw(functionNameOrArn, JSON.stringify(payload) ?? '{}');
    const result: unknown = JSON.parse(outcome.payload);
    if (outcome.functionError) throw new LambdaFunctionError(errorDocument(result));
    return result;
  }

  /**
   * Invokes a function with a JSON payload and returns what Lambda's Invoke API
   * would: the result, or the error document flagged as a function error.
   * @throws LambdaServiceError when the function does not exist or the host is stopped.
   */
  async invokeRaw(functionNameOrArn: string, payload: string): Promise<InvocationOutcome> {
    const pool = this.#pool(functionNameOrArn);
    const requestId = randomUUID();
    const problem = this.#bundleProblem(pool.fn);
    if (problem)
      return { requestId, function: pool.fn, payload: JSON.stringify(problem), functionError: 'Unhandled' };
    const environment = await pool.acquire();
    try {
      if (this.#stopped)
        throw new LambdaServiceError('ServiceException', 'the local Lambda host is stopped', 500);
      const initError = await environment.ready;
      const result = initError
        ? { error: initError }
        : await environment.run(requestId, payload, pool.fn.timeoutSeconds);
      return 'payload' in result
        ? { requestId, function: pool.fn, payload: result.payload }
        : { requestId, function: pool.fn, payload: JSON.stringify(result.error), functionError: 'Unhandled' };
    } finally {
      pool.release(environment);
    }
  }

  /** Terminates every execution environment. Later invocations fail; safe to call twice. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#pools.values()].map((pool) => pool.stop()));
  }

  #pool(functionNameOrArn: string): FunctionPool {
    if (this.#stopped)
      throw new LambdaServiceError('ServiceException', 'the local Lambda host is stopped', 500);
    const unqualified = functionNameOrArn.replace(/:\$LATEST$/, '');
    const pool = this.#pools.get(unqualified) ?? this.#byArn.get(unqualified);
    if (pool) return pool;
    throw new LambdaServiceError(
      'ResourceNotFoundException',
      `Function not found: ${functionNameOrArn} (local functions: ${[...this.#pools.keys()].join(', ') || 'none'})`,
      404,
    );
  }

  /** Why the function cannot start here, as the error Lambda would report; undefined when it can. */
  #bundleProblem(fn: LocalFunction): LambdaErrorPayload | undefined {
    if (fn.runtime !== '' && !fn.runtime.startsWith('nodejs')) {
      return {
        errorType: 'Runtime.InvalidRuntime',
        errorMessage: `runtime "${fn.runtime}" of ${fn.functionName} is not supported by the local Lambda host (Node.js only)`,
        trace: [],
      };
    }
    try {
      this.#template.assetPath(fn.logicalId, fn.stackName);
      return undefined;
    } catch (error) {
      return {
        errorType: 'Runtime.ImportModuleError',
        errorMessage: error instanceof Error ? error.message : String(error),
        trace: [],
      };
    }
  }

  #createEnvironment(fn: LocalFunction): ExecutionEnvironment {
    const region = fn.functionArn.split(':')[3] ?? 'us-east-1';
    const firstDot = fn.handler.indexOf('.', fn.handler.lastIndexOf('/') + 1);
    const modulePart = firstDot > 0 ? fn.handler.slice(0, firstDot) : fn.handler;
    const exportName = firstDot > 0 ? fn.handler.slice(firstDot + 1) : 'handler';
    const assetDir = this.#template.assetPath(fn.logicalId, fn.stackName);
    const init: WorkerInit = {
      modulePath: join(assetDir, modulePart),
      exportName,
      functionName: fn.functionName,
      functionArn: fn.functionArn,
      memorySizeMb: fn.memorySizeMb,
      logGroupName: `/aws/lambda/${fn.functionName}`,
      logStreamName: logStreamName(),
    };
    const environment: Record<string, string> = {
      ...fn.environment,
      ...this.#options.environment,
      ...localAwsEnvironment(this.#endpoints, region),
      // Set by Lambda's runtime; functions and Powertools read them.
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
      AWS_LAMBDA_LOG_GROUP_NAME: init.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: init.logStreamName,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime || 'nodejs'}`,
      LAMBDA_TASK_ROOT: assetDir,
      _HANDLER: fn.handler,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      // There is no X-Ray daemon locally: with AWS_EXECUTION_ENV set, the Powertools
      // tracer would otherwise trace and the X-Ray SDK complain of missing context.
      POWERTOOLS_TRACE_ENABLED: 'false',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    };
    return new ExecutionEnvironment(
      this.#generation,
      init,
      environment,
      fn.memorySizeMb,
      this.#options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS,
      this.#options.onLog ?? defaultLog,
    );
  }
}

const errorDocumentSchema = z.object({
  errorType: z.string().default('Error'),
  errorMessage: z.string().default(''),
  trace: z.array(z.string()).default([]),
});

function errorDocument(value: unknown): LambdaErrorPayload {
  const parsed = errorDocumentSchema.safeParse(value);
  return parsed.success
    ? parsed.data
    : { errorType: 'Lambda.Unknown', errorMessage: JSON.stringify(value), trace: [] };
}
