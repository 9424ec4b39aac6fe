/**
 * The local EventBridge Scheduler endpoint: AWS's REST JSON protocol on
 * 127.0.0.1 in front of {@link LocalScheduler}. Errors come back with their
 * code in `x-amzn-errortype` and a `{ "message" }` body, from which the real
 * SDK builds the named exception (`ConflictException`,
 * `ResourceNotFoundException`, ...); timestamps travel as epoch seconds.
 * Signatures are not checked: the endpoint listens on the loopback interface only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TimeSource } from '../clock/time-source.js';
import { AwsServiceError, toAwsJson } from '../http/json-protocol.js';
import type { LambdaInvoker, LocalService } from '../ports.js';
import { type RestOperation, schedulerOperations } from './api.js';
import { LocalScheduler } from './engine.js';

export {
  dueTimeOf,
  type FiringOutcome,
  type LocalSchedule,
  LocalScheduler,
  type ScheduleDeadLetter,
} from './engine.js';

/** How to start the local scheduler. */
export interface LocalSchedulerServiceOptions {
  readonly lambda: LambdaInvoker;
  readonly time: TimeSource;
  readonly region: string;
  readonly accountId: string;
  /** @default 1 */
  readonly retryDelayScale?: number;
  /** @default 0 - any free port */
  readonly port?: number;
}

/** The running local scheduler. */
export interface LocalSchedulerService extends LocalService {
  readonly scheduler: LocalScheduler;
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AwsServiceError('ValidationException', `request body exceeds ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The operation a method and path name, and the path's `Name`. */
function route(
  operations: Readonly<Record<string, RestOperation>>,
  method: string,
  path: string,
): { operation: RestOperation; name?: string } {
  const single = /^\/schedules\/([^/]+)$/.exec(path);
  const key = single ? `${method} /schedules/{Name}` : path === '/schedules' ? `${method} /schedules` : '';
  const operation = operations[key];
  if (operation === undefined) {
    throw new AwsServiceError(
      'UnknownOperationException',
      `no operation ${method} ${path}; this local scheduler serves ${Object.keys(operations).join(', ')}`,
      404,
    );
  }
  return single?.[1] === undefined ? { operation } : { operation, name: decodeURIComponent(single[1]) };
}

/**
 * Starts the local scheduler on 127.0.0.1.
 * @example
 * const service = await startLocalScheduler({ lambda: host, time, region, accountId });
 * const client = new SchedulerClient(localClientConfig(service.endpoint, region));
 */
export async function startLocalScheduler(
  options: LocalSchedulerServiceOptions,
): Promise<LocalSchedulerService> {
  const scheduler = new LocalScheduler({
    lambda: options.lambda,
    time: options.time,
    region: options.region,
    accountId: options.accountId,
    retryDelayScale: options.retryDelayScale ?? 1,
  });
  const operations = schedulerOperations(scheduler);

  const send = (
    response: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ) => {
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-amzn-requestid': randomUUID(),
      ...headers,
    });
    response.end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = (request.method ?? 'GET').toUpperCase();
    try {
      const { operation, name } = route(operations, method, url.pathname);
      const text = await readBody(request);
      let body: unknown = {};
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch (error) {
          throw new AwsServiceError('ValidationException', `request body is not JSON: ${String(error)}`);
        }
      }
      const output = operation({
        method,
        ...(name === undefined ? {} : { name }),
        query: url.searchParams,
        body,
      });
      send(response, 200, toAwsJson(output ?? {}));
    } catch (error) {
      if (error instanceof AwsServiceError) {
        send(response, error.statusCode, toAwsJson({ message: error.message }), {
          'x-amzn-errortype': error.code,
        });
        return;
      }
      process.stderr.write(
        `local scheduler: ${method} ${url.pathname} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      send(response, 500, toAwsJson({ message: error instanceof Error ? error.message : String(error) }), {
        'x-amzn-errortype': 'InternalServerException',
      });
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let stopped: Promise<void> | undefined;
  return {
    name: 'scheduler',
    endpoint: `http://127.0.0.1:${port}`,
    scheduler,
    stop() {
      stopped ??= (async () => {
        await scheduler.stop();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return stopped;
    },
  };
}
