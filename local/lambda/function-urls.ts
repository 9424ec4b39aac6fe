/**
 * The template's Lambda function URLs (`AWS::Lambda::Url`), served on one
 * loopback port: `http://127.0.0.1:<port>/<url-id>/<path>` stands for
 * `https://<url-id>.lambda-url.<region>.on.aws/<path>`.
 *
 * As in AWS, a URL with `AuthType: AWS_IAM` answers 403 `{"Message":"Forbidden"}`
 * to a request that is unsigned or wrongly signed, before the function runs;
 * here signatures are checked against the local identities
 * (`local/iam/identities.ts`) instead of IAM. A signed request reaches the
 * function as a payload format 2.0 event whose
 * `requestContext.authorizer.iam` names the identity that signed it, and the
 * function's `{ statusCode, headers, body }` is the HTTP response. Each
 * refusal is written to the functions' log, so a local operator sees it.
 */
import { createHash } from 'node:crypto';
import { functionUrlRequest } from '../../core/approval/endpoint-request.js';
import {
  type LoopbackRequest,
  type LoopbackResponse,
  type LoopbackServer,
  RequestTooLargeError,
  readBody,
  startLoopbackServer,
} from '../http/loopback-server.js';
import type { LocalIdentity } from '../iam/identities.js';
import { verifySignature } from '../iam/sigv4-verify.js';
import type { LocalService } from '../ports.js';
import type { LocalTemplate } from '../template/index.js';
import { functionUrlIdOf } from '../template/physical-names.js';
import type { InvocationOutcome } from './host.js';

/** One function URL of the template. */
export interface LocalFunctionUrl {
  readonly urlId: string;
  readonly functionArn: string;
  readonly authType: 'AWS_IAM' | 'NONE';
}

/** The function URLs of a template. */
export function functionUrlsFromTemplate(template: LocalTemplate): LocalFunctionUrl[] {
  return template.resourcesOfType('AWS::Lambda::Url').map((resource) => {
    const properties = template.resolvedProperties(resource);
    return {
      urlId: functionUrlIdOf(resource),
      functionArn: String(properties.TargetFunctionArn),
      authType: properties.AuthType === 'NONE' ? 'NONE' : 'AWS_IAM',
    };
  });
}

/** What the URLs need: invoking functions, and who the local identities are. */
export interface FunctionUrlOptions {
  readonly urls: readonly LocalFunctionUrl[];
  readonly invoke: (functionArn: string, payload: string) => Promise<InvocationOutcome>;
  /** The local identities, read afresh per request (the file may gain principals). */
  readonly identities: () => readonly LocalIdentity[];
  readonly accountId: string;
  /** Receives one line per refused request. */
  readonly onRefusal?: (line: string) => void;
}

/** Function URLs' payload limit, as Lambda's for synchronous invocations. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

function answer(response: LoopbackResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function headersOf(request: LoopbackRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

/** Handles one request to a local function URL. */
export function functionUrlHandler(options: FunctionUrlOptions) {
  const byId = new Map(options.urls.map((url) => [url.urlId, url]));
  const refuse = (response: LoopbackResponse, what: string, reason: string) => {
    options.onRefusal?.(`function URL refused ${what}: ${reason}`);
    answer(response, 403, { Message: 'Forbidden' });
  };
  return async (request: LoopbackRequest, response: LoopbackResponse): Promise<void> => {
    const target = new URL(request.url ?? '/', 'http://localhost');
    const [, urlId = '', ...rest] = target.pathname.split('/');
    const url = byId.get(urlId);
    if (!url) {
      answer(response, 404, { Message: `no function URL ${urlId}` });
      return;
    }
    let body: string;
    try {
      body = (await readBody(request, MAX_BODY_BYTES)).toString('utf8');
    } catch (error) {
      if (!(error instanceof RequestTooLargeError)) throw error;
      answer(response, 413, { Message: 'Request Entity Too Large' });
      return;
    }
    const method = request.method ?? 'GET';
    const headers = headersOf(request);
    const what = `${method} ${target.pathname}`;
    let iam: Parameters<typeof functionUrlRequest>[0]['iam'];
    if (url.authType === 'AWS_IAM') {
      const identities = options.identities();
      const check = await verifySignature(
        { method, url: new URL(`http://${headers.host ?? 'localhost'}${request.url ?? '/'}`), headers, body },
        (accessKeyId) => identities.find((identity) => identity.accessKeyId === accessKeyId),
        'lambda',
      );
      if (!check.valid) {
        refuse(response, what, check.reason);
        return;
      }
      const identity = identities.find((candidate) => candidate.accessKeyId === check.accessKeyId);
      if (!identity) {
        refuse(response, what, `the access key ${check.accessKeyId} is no longer a local identity's`);
        return;
      }
      iam = {
        accountId: options.accountId,
        userArn: identity.arn,
        accessKey: identity.accessKeyId,
        userId: `AROA${createHash('sha256').update(identity.roleArn).digest('hex').slice(0, 17).toUpperCase()}:${identity.principal}`,
      };
    }
    const rawPath = `/${rest.join('/')}`;
    const event = functionUrlRequest({
      method,
      rawPath,
      rawQueryString: target.search.replace(/^\?/, ''),
      headers,
      ...(body === '' ? {} : { body }),
      ...(iam ? { iam } : {}),
    });
    const outcome = await options.invoke(url.functionArn, JSON.stringify(event));
    if (outcome.functionError) {
      answer(response, 502, { Message: 'Internal Server Error' });
      return;
    }
    const result: unknown = JSON.parse(outcome.payload);
    if (typeof result === 'object' && result !== null && 'statusCode' in result) {
      const {
        statusCode,
        headers: out,
        body: text,
      } = result as {
        statusCode: number;
        headers?: Record<string, string>;
        body?: string;
      };
      response.writeHead(statusCode, { ...(out ?? {}) });
      response.end(text ?? '');
      return;
    }
    // A function that returns a bare value answers 200 with it as JSON, as Lambda does.
    answer(response, 200, result);
  };
}

/** The running function URLs. */
export interface LocalFunctionUrls extends LocalService {
  readonly port: number;
  /** The local URL of a function URL id: `http://127.0.0.1:<port>/<url-id>/`. */
  urlOf(urlId: string): string;
}

/** Serves the template's function URLs on one loopback port. */
export async function startFunctionUrls(options: FunctionUrlOptions, port = 0): Promise<LocalFunctionUrls> {
  const server: LoopbackServer = await startLoopbackServer(functionUrlHandler(options), port);
  return {
    name: 'function-urls',
    endpoint: server.endpoint,
    port: server.port,
    urlOf: (urlId) => `${server.endpoint}/${urlId}/`,
    stop: () => server.close(),
  };
}
