/**
 * An HTTP proxy in front of DynamoDB Local that counts every request it
 * passes (`request-meter.ts`): point the Lambda functions at it
 * (`LambdaHost.setEndpoints({ dynamodb: proxy.endpoint })`) and it sees all
 * that the runs ask of DynamoDB. It is a measuring tool (`npm run bench`):
 * each request takes one more local HTTP hop through the main thread.
 *
 * To learn what each request consumed, it adds `ReturnConsumedCapacity:
 * 'INDEXES'` to item reads and writes that asked for none, and takes the
 * figures out of the answer again, so the client gets what it would have got
 * (with the answer's CRC32 header recomputed, which the SDK checks).
 * Everything else passes through unchanged.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { crc32 } from 'node:zlib';
import type { LocalService } from '../ports.js';
import type { LocalTemplate } from '../template/index.js';
import {
  DynamoDbRequestMeter,
  describeRequest,
  isMeteredOperation,
  type TableNaming,
} from './request-meter.js';
import { templateTable } from './tables.js';

/** How to start the proxy. */
export interface MeteringProxyOptions {
  /** DynamoDB Local's endpoint, `http://127.0.0.1:<port>`. */
  readonly upstream: string;
  readonly naming: TableNaming;
}

/** The running proxy. */
export interface MeteringProxy extends LocalService {
  /** What it has counted since it started. */
  readonly meter: DynamoDbRequestMeter;
}

/**
 * The template's tables as the meter names them: partition keys from their
 * key schemas, short names from `labels` (physical name to label), read at
 * each request, so labels learnt after start apply from then on.
 */
export function tableNamingOf(template: LocalTemplate, labels: ReadonlyMap<string, string>): TableNaming {
  const partitionKeys = new Map<string, string>();
  for (const resource of [
    ...template.resourcesOfType('AWS::DynamoDB::Table'),
    ...template.resourcesOfType('AWS::DynamoDB::GlobalTable'),
  ]) {
    const { input } = templateTable(template, resource);
    const hash = input.KeySchema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
    if (input.TableName !== undefined && hash !== undefined) partitionKeys.set(input.TableName, hash);
  }
  return {
    partitionKeyOf: (tableName) => partitionKeys.get(tableName),
    labelOf: (tableName) => labels.get(tableName) ?? tableName,
  };
}

/** What the proxy adds at the start of a request's JSON object. */
const CAPACITY_MEMBER = Buffer.from('{"ReturnConsumedCapacity":"INDEXES",');

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  try {
    return body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Starts the proxy on a free loopback port. */
export async function startMeteringProxy(options: MeteringProxyOptions): Promise<MeteringProxy> {
  const upstream = new URL(options.upstream);
  const meter = new DynamoDbRequestMeter();
  // As many sockets as clients open: the proxy must not queue what DynamoDB Local would serve at once.
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();

  async function forward(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const target = String(incoming.headers['x-amz-target'] ?? '');
    let body = await readAll(incoming);
    const json = parseJson(body) as Record<string, unknown> | undefined;
    const request = describeRequest(target, json, options.naming);
    const metered = json !== undefined && isMeteredOperation(request.operation);
    // Item operations always carry members (TableName at least), so the splice below leaves valid JSON.
    const injected = metered && Object.keys(json).length > 0 && json.ReturnConsumedCapacity === undefined;
    // Spliced in rather than re-serialized: items can be large, and the rest of the body stays as sent.
    if (injected) body = Buffer.concat([CAPACITY_MEMBER, body.subarray(body.indexOf('{') + 1)]);
    const headers = { ...incoming.headers, 'content-length': String(body.length) };
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const call = httpRequest(
        {
          agent,
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers,
        },
        resolve,
      );
      call.on('error', reject);
      call.end(body);
    });
    let answerBody = await readAll(answer);
    const ok = (answer.statusCode ?? 500) < 300;
    // Only answers with figures or an error type are read: stream pages can be large and hold neither.
    const answerJson = (metered || !ok ? parseJson(answerBody) : undefined) as
      | Record<string, unknown>
      | undefined;
    meter.count(request, { ok, body: answerJson });
    const answerHeaders = { ...answer.headers };
    if (injected && ok && answerJson !== undefined && 'ConsumedCapacity' in answerJson) {
      const { ConsumedCapacity: _counted, ...asked } = answerJson;
      answerBody = Buffer.from(JSON.stringify(asked));
      answerHeaders['content-length'] = String(answerBody.length);
      if (answerHeaders['x-amz-crc32'] !== undefined)
        answerHeaders['x-amz-crc32'] = String(crc32(answerBody));
    }
    outgoing.writeHead(answer.statusCode ?? 500, answerHeaders);
    outgoing.end(answerBody);
  }

  const server = createServer((incoming, outgoing) => {
    forward(incoming, outgoing).catch((error: unknown) => {
      // DynamoDB Local gone (stopping): answer as an unreachable service would, a 502 the SDK retries.
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`metering proxy: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    name: 'dynamodb-meter',
    endpoint: `http://127.0.0.1:${port}`,
    meter,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      });
      return stopped;
    },
  };
}
