/**
 * A minimal HTTP endpoint speaking the AWS JSON protocol (`X-Amz-Target`
 * operations, JSON bodies), for testing adapters through the real SDK clients
 * where no local engine exists (EventBridge PutEvents, Step Functions callbacks).
 */
import { createServer, type IncomingMessage } from 'node:http';

/** One request the endpoint received. */
export interface ReceivedCall {
  /** The operation, e.g. `PutEvents` (the part of `X-Amz-Target` after the dot). */
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

/** What the endpoint answers: a JSON body, or an AWS error with its type name. */
export type JsonProtocolReply =
  | { readonly body: Record<string, unknown> }
  | { readonly error: string; readonly message: string; readonly status?: number };

/** A running endpoint. */
export interface JsonProtocolServer {
  readonly endpoint: string;
  readonly calls: ReceivedCall[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts an endpoint on a free local port that answers each call with `reply`. */
export async function startJsonProtocolServer(
  reply: (call: ReceivedCall) => JsonProtocolReply,
): Promise<JsonProtocolServer> {
  const calls: ReceivedCall[] = [];
  const server = createServer(async (request, response) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const text = await readBody(request);
    const call: ReceivedCall = {
      operation: target.split('.').pop() ?? target,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
    calls.push(call);
    const answer = reply(call);
    if ('error' in answer) {
      response.writeHead(answer.status ?? 400, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-errortype': answer.error,
      });
      response.end(JSON.stringify({ __type: answer.error, message: answer.message }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    calls,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
