/**
 * What runs inside one Lambda execution environment of the local Lambda host:
 * a worker thread that imports the function's bundle once (the cold start),
 * then runs one invocation at a time, like Lambda's Node.js runtime.
 *
 * The host transpiles this file and starts it from a `data:` URL, so the
 * Lambda's thread carries no TypeScript loader and sees Node as Lambda gives
 * it. That is also why it may import Node built-ins only: relative imports do
 * not resolve from a `data:` URL. The types below are the protocol between the
 * host and this thread.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

/** What the host tells a new environment about the function it runs (`workerData`). */
export interface WorkerInit {
  /** Absolute path of the handler's module without extension (`<asset>/index` for `index.handler`). */
  readonly modulePath: string;
  /** Name of the handler export (`handler` for `index.handler`). */
  readonly exportName: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly memorySizeMb: number;
  readonly logGroupName: string;
  readonly logStreamName: string;
}

/** An error as Lambda reports it in an Invoke response with `X-Amz-Function-Error`. */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** Host -> worker: run one invocation. `payload` is the event as JSON text, as Lambda receives it. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly requestId: string;
  readonly payload: string;
  /** Epoch milliseconds at which the invocation times out, for `getRemainingTimeInMillis`. */
  readonly deadline: number;
}

/** Worker -> host. */
export type WorkerMessage =
  | {
      readonly type: 'ready';
      /** The thread's id in the operating system (Linux), so the host can tell its CPU time apart. */
      readonly osThreadId?: number;
    }
  | { readonly type: 'init-error'; readonly error: LambdaErrorPayload }
  | { readonly type: 'result'; readonly requestId: string; readonly payload: string }
  | {
      readonly type: 'error';
      readonly requestId: string;
      readonly error: LambdaErrorPayload;
      /** The environment is broken (an unhandled rejection); the host discards it. */
      readonly fatal: boolean;
    };

/** The extensions Lambda's Node.js runtime tries for a handler module, in order. */
const MODULE_EXTENSIONS = ['.mjs', '.js', '.cjs'];

type Handler = (
  event: unknown,
  context: unknown,
  callback: (error?: unknown, result?: unknown) => void,
) => unknown;

function errorPayload(error: unknown, fallbackType?: string): LambdaErrorPayload {
  if (error instanceof Error) {
    return {
      errorType: fallbackType ?? (error.name || 'Error'),
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  // Lambda reports a thrown non-Error by its type: `throw 'nope'` gives errorType "string".
  return { errorType: fallbackType ?? typeof error, errorMessage: String(error), trace: [] };
}

class InitError extends Error {
  constructor(
    readonly payload: LambdaErrorPayload,
    options?: { cause?: unknown },
  ) {
    super(payload.errorMessage, options);
    this.name = 'InitError';
  }
}

async function loadHandler(init: WorkerInit): Promise<Handler> {
  const file = MODULE_EXTENSIONS.map((ext) => `${init.modulePath}${ext}`).find((path) => existsSync(path));
  if (file === undefined) {
    throw new InitError({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: `Error: Cannot find module '${init.modulePath}' (tried ${MODULE_EXTENSIONS.join(', ')})`,
      trace: [],
    });
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    // An error thrown by the module's top level keeps its own name, as on Lambda.
    throw new InitError(errorPayload(error), { cause: error });
  }
  const fromDefault = module.default as Record<string, unknown> | undefined;
  const handler = module[init.exportName] ?? fromDefault?.[init.exportName];
  if (typeof handler !== 'function') {
    throw new InitError({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: `${file.split('/').pop()}.${init.exportName} is undefined or not exported`,
      trace: [],
    });
  }
  return handler as Handler;
}

function lambdaContext(init: WorkerInit, message: InvokeMessage) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: init.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: init.functionArn,
    memoryLimitInMB: String(init.memorySizeMb),
    awsRequestId: message.requestId,
    logGroupName: init.logGroupName,
    logStreamName: init.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Runs an async handler, or a callback-style one (three parameters) until it calls back. */
function runHandler(handler: Handler, event: unknown, context: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback = (error?: unknown, result?: unknown) => (error ? reject(error) : resolve(result));
    try {
      const returned = handler(event, context, callback);
      if (isThenable(returned)) returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

/** This thread's id in the operating system, from `/proc/thread-self` (Linux); undefined elsewhere. */
function osThreadId(): number | undefined {
  try {
    const id = Number.parseInt(readFileSync('/proc/thread-self/stat', 'utf8'), 10);
    return Number.isInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function serve(port: NonNullable<typeof parentPort>, init: WorkerInit): void {
  const post = (message: WorkerMessage) => port.postMessage(message);
  let current: string | undefined;
  // A worker ignores NODE_OPTIONS; honour the one option bundles commonly set there.
  if (process.env.NODE_OPTIONS?.includes('--enable-source-maps')) process.setSourceMapsEnabled(true);
  const loading = loadHandler(init);

  process.on('unhandledRejection', (reason) => {
    // Lambda's runtime fails the invocation and discards the environment.
    post({
      type: 'error',
      requestId: current ?? '',
      error: errorPayload(reason, 'Runtime.UnhandledPromiseRejection'),
      fatal: true,
    });
  });

  loading.then(
    () => post({ type: 'ready', osThreadId: osThreadId() }),
    (error: unknown) =>
      post({
        type: 'init-error',
        error: error instanceof InitError ? error.payload : errorPayload(error),
      }),
  );

  port.on('message', async (message: InvokeMessage) => {
    current = message.requestId;
    try {
      const handler = await loading;
      const event: unknown = JSON.parse(message.payload);
      const result = await runHandler(handler, event, lambdaContext(init, message));
      post({ type: 'result', requestId: message.requestId, payload: JSON.stringify(result) ?? 'null' });
    } catch (error) {
      post({ type: 'error', requestId: message.requestId, error: errorPayload(error), fatal: false });
    } finally {
      current = undefined;
    }
  });
}

if (parentPort) serve(parentPort, workerData as WorkerInit);
