/**
 * A Lambda Invoke-compatible HTTP endpoint in front of the {@link LambdaHost},
 * so the real `@aws-sdk/client-lambda` `InvokeCommand` works locally (the CLI
 * decides approvals by invoking the decide-approval function this way, and the
 * functions themselves find it through `AWS_ENDPOINT_URL_LAMBDA`).
 *
 * It answers like Lambda: `POST /2015-03-31/functions/{name or ARN}/invocations`;
 * a function's error is still a 200, flagged by `X-Amz-Function-Error: Unhandled`
 * with the `{ errorType, errorMessage, trace }` document as the payload; the
 * service's own errors carry `x-amzn-ErrorType` so the SDK raises the named
 * exception (`ResourceNotFoundException`, ...).
 */
import { randomUUID } from 'node:crypto';
import {
  type LoopbackRequest,
  type LoopbackResponse,
  type LoopbackServer,
  RequestTooLargeError,
  readBody,
  startLoopbackServer,
} from '../http/loopback-server.js';
import type { LocalService } from '../ports.js';
import { type InvocationOutcome, LambdaHost, type LambdaHostOptions, LambdaServiceError } from './host.js';

/** What the Invoke API needs of the host. */
export interface LambdaInvocations {
  /** @throws LambdaServiceError `ResourceNotFoundException` for an unknown function. */
  findFunction(functionNameOrArn: string): unknown;
  invokeRaw(functionNameOrArn: string, payload: string): Promise<InvocationOutcome>;
}

/** Lambda's limit on a synchronous invocation's payload. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

function sendError(response: LoopbackResponse, status: number, code: string, message: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': code,
    'x-amzn-requestid': randomUUID(),
  });
  response.end(JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', Message: message, message }));
}

/** Lambda answers `DryRun` and `Event` before (or without) running the function. */
const INVOCATION_TYPES = ['RequestResponse', 'Event', 'DryRun'] as const;

/**
 * Handles one HTTP request of the Invoke API.
 * `onEventError` receives failures of asynchronous (`Event`) invocations, which no caller waits for.
 */
export function lambdaInvokeHandler(
  invocations: LambdaInvocations,
  onEventError: (error: unknown) => void = () => {},
) {
  return async (request: LoopbackRequest, response: LoopbackResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = INVOKE_PATH.exec(url.pathname);
    if (request.method !== 'POST' || !match?.[1]) {
      sendError(
        response,
        404,
        'UnknownOperationException',
        `the local Lambda endpoint serves only POST /2015-03-31/functions/{name}/invocations, got ${request.method} ${url.pathname}`,
      );
      return;
    }
    const qualifier = url.searchParams.get('Qualifier');
    const functionName = decodeURIComponent(match[1]);
    const target = qualifier && qualifier !== '$LATEST' ? `${functionName}:${qualifier}` : functionName;
    const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (!(INVOCATION_TYPES as readonly string[]).includes(invocationType)) {
      sendError(
        response,
        400,
        'InvalidParameterValueException',
        `X-Amz-Invocation-Type must be one of ${INVOCATION_TYPES.join(', ')}, got "${invocationType}"`,
      );
      return;
    }
    let payload: string;
    try {
      const body = (await readBody(request, MAX_PAYLOAD_BYTES)).toString('utf8');
      payload = body === '' ? '{}' : body;
      JSON.parse(payload);
    } catch (error) {
      if (error instanceof RequestTooLargeError) {
        sendError(
          response,
          413,
          'RequestTooLargeException',
          `request payload exceeds ${MAX_PAYLOAD_BYTES} bytes`,
        );
      } else {
        sendError(
          response,
          400,
          'InvalidRequestContentException',
          `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return;
    }
    try {
      invocations.findFunction(target);
      if (invocationType === 'RequestResponse') {
        const outcome = await invocations.invokeRaw(target, payload);
        response.writeHead(200, {
          'content-type': 'application/json',
          'x-amzn-requestid': outcome.requestId,
          'x-amz-executed-version': '$LATEST',
          ...(outcome.functionError ? { 'x-amz-function-error': outcome.functionError } : {}),
        });
        response.end(outcome.payload);
        return;
      }
      if (invocationType === 'Event') {
        // The function exists (checked above, as Lambda does); run it without waiting.
        invocations.invokeRaw(target, payload).catch(onEventError);
        response.writeHead(202, { 'x-amzn-requestid': randomUUID() });
        response.end();
        return;
      }
      response.writeHead(204, { 'x-amzn-requestid': randomUUID() });
      response.end();
    } catch (error) {
      if (error instanceof LambdaServiceError)
        sendError(response, error.statusCode, error.code, error.message);
      else throw error;
    }
  };
}

/** A running Invoke API endpoint. */
export interface LambdaApi extends LocalService {
  readonly port: number;
}

/**
 * Serves the Invoke API for `invocations` on 127.0.0.1.
 * @param port a TCP port, or 0 for any free one
 */
export async function startLambdaApi(invocations: LambdaInvocations, port = 0): Promise<LambdaApi> {
  const server: LoopbackServer = await startLoopbackServer(lambdaInvokeHandler(invocations), port);
  return { name: 'lambda', endpoint: server.endpoint, port: server.port, stop: () => server.close() };
}

/** How to start the local Lambda service. */
export interface LocalLambdaOptions extends LambdaHostOptions {
  /**
   * TCP port of the Invoke API on 127.0.0.1.
   * @default 0 - any free port; read it back from `endpoint`
   */
  readonly port?: number;
}

/** The local Lambda service: the host and its Invoke API. */
export interface LocalLambda extends LocalService {
  readonly port: number;
  /** The host, for in-process invocations (the local Step Functions and EventBridge take it as their `LambdaInvoker`). */
  readonly host: LambdaHost;
}

/**
 * Starts the Lambda host and its Invoke API; functions get the API's endpoint
 * as `AWS_ENDPOINT_URL_LAMBDA`. `stop()` closes the endpoint and every worker.
 *
 * @example
 * const lambda = await startLocalLambda({ template, endpoints: { dynamodb: ddb.endpoint } });
 * await lambda.host.setEndpoints({ sfn: sfn.endpoint }); // once Step Functions is up
 * await lambda.stop();
 */
export async function startLocalLambda(options: LocalLambdaOptions): Promise<LocalLambda> {
  const host = new LambdaHost(options);
  let api: LambdaApi;
  try {
    api = await startLambdaApi(host, options.port ?? 0);
  } catch (error) {
    await host.stop();
    throw error;
  }
  await host.setEndpoints({ lambda: api.endpoint });
  return {
    name: 'lambda',
    endpoint: api.endpoint,
    port: api.port,
    host,
    async stop() {
      await Promise.all([api.stop(), host.stop()]);
    },
  };
}
