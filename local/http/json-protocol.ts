/**
 * A small server for AWS's JSON RPC protocols (`awsJson1_0`, `awsJson1_1`).
 *
 * Step Functions (1.0, `AWSStepFunctions.*`) and EventBridge (1.1,
 * `AWSEvents.*`) speak the same wire format: `POST /` with an
 * `X-Amz-Target: <Prefix>.<Operation>` header and a JSON body; errors come back
 * as a 4xx/5xx JSON body `{ "__type": "<Code>", "message": "..." }`, from which
 * the real AWS SDK v3 builds the named exception (`ExecutionAlreadyExists`,
 * `ValidationException`, ...). Timestamps travel as epoch seconds.
 *
 * Request signatures are not checked: the local endpoints accept any
 * credentials and listen on the loopback interface only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { z } from 'zod';
import { AwfError } from '../../core/errors.js';
import type { LocalService } from '../ports.js';

/**
 * An error an operation answers with, in AWS's error shape: `code` becomes the
 * `__type` the SDK turns into a named exception.
 */
export class AwsServiceError extends AwfError {
  constructor(
    /** The AWS error code, such as `ExecutionDoesNotExist`. */
    readonly code: string,
    message: string,
    /** HTTP status: 400 for the caller's mistakes, 500 for ours. */
    readonly statusCode: number = 400,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AwsServiceError';
  }
}

/** One operation: takes the parsed request body, returns the response body. */
export type JsonOperation = (input: unknown) => unknown;

/** How to start a JSON protocol server. */
export interface JsonProtocolServerOptions {
  /** Short service name for logs and {@link LocalService.name}, such as `sfn`. */
  readonly name: string;
  /** The `X-Amz-Target` prefix, such as `AWSStepFunctions`. */
  readonly targetPrefix: string;
  /** `1.0` (Step Functions) or `1.1` (EventBridge): the response content type. */
  readonly jsonVersion: '1.0' | '1.1';
  /** Operations by name (`StartExecution`, `PutEvents`, ...). */
  readonly operations: Readonly<Record<string, JsonOperation>>;
  /**
   * TCP port on 127.0.0.1.
   * @default 0 - any free port; read it back from `endpoint`
   */
  readonly port?: number;
  /**
   * Called with errors that are not {@link AwsServiceError}s (bugs), which the
   * client sees as `InternalFailure`.
   * @default - written to stderr with the operation's name
   */
  readonly onInternalError?: (error: unknown, operation: string) => void;
}

/** A listening JSON protocol server. */
export interface JsonProtocolServer extends LocalService {
  readonly port: number;
}

/** Requests larger than this are refused; AWS's own limits (256 KiB payloads) are far below it. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * Parses an operation's request with a zod schema.
 * @throws AwsServiceError `ValidationException` naming each bad field and what was wrong.
 */
export function parseRequest<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(request)';
    return `${path}: ${issue.message}`;
  });
  throw new AwsServiceError('ValidationException', `invalid request: ${problems.join('; ')}`);
}

/** JSON with `Date` values as epoch seconds, the JSON protocols' default timestamp format. */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, v: unknown) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : v;
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AwsServiceError('SerializationException', `request body exceeds ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseBody(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new AwsServiceError('SerializationException', `request body is not JSON: ${String(error)}`);
  }
}

/**
 * Starts a JSON protocol server on 127.0.0.1.
 *
 * @example
 * const server = await startJsonProtocolServer({
 *   name: 'sfn', targetPrefix: 'AWSStepFunctions', jsonVersion: '1.0',
 *   operations: { ListStateMachines: () => ({ stateMachines: [] }) },
 * });
 * const sfn = new SFNClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
 * await server.stop();
 */
export async function startJsonProtocolServer(
  options: JsonProtocolServerOptions,
): Promise<JsonProtocolServer> {
  const contentType = `application/x-amz-json-${options.jsonVersion}`;

  const send = (response: ServerResponse, status: number, body: string, requestId: string): void => {
    response.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': requestId,
    });
    response.end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const target = request.headers['x-amz-target'];
    const operationName =
      typeof target === 'string' && target.startsWith(`${options.targetPrefix}.`)
        ? target.slice(options.targetPrefix.length + 1)
        : undefined;
    try {
      if (request.method !== 'POST') {
        throw new AwsServiceError('UnknownOperationException', `expected POST, got ${request.method}`);
      }
      const operation = operationName === undefined ? undefined : options.operations[operationName];
      if (operation === undefined) {
        throw new AwsServiceError(
          'UnknownOperationException',
          `unknown operation ${JSON.stringify(target)}; this local ${options.name} endpoint supports ${Object.keys(
            options.operations,
          )
            .map((op) => `${options.targetPrefix}.${op}`)
            .join(', ')}`,
        );
      }
      const input = parseBody(await readBody(request));
      const output = (await operation(input)) ?? {};
      send(response, 200, toAwsJson(output), requestId);
    } catch (error) {
      if (error instanceof AwsServiceError) {
        send(
          response,
          error.statusCode,
          toAwsJson({ __type: error.code, message: error.message }),
          requestId,
        );
        return;
      }
      const operation = operationName ?? String(target);
      if (options.onInternalError) options.onInternalError(error, operation);
      else
        process.stderr.write(
          `local ${options.name}: ${operation} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
        );
      const message = error instanceof Error ? error.message : String(error);
      send(response, 500, toAwsJson({ __type: 'InternalFailure', message }), requestId);
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
  if (address === null || typeof address === 'string') {
    throw new AwfError(`local ${options.name} endpoint did not get a TCP address, got ${String(address)}`);
  }
  const { port } = address;

  let stopped: Promise<void> | undefined;
  return {
    name: options.name,
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        // The SDK keeps connections alive; close them or `close` waits for their idle timeout.
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
