/**
 * An HTTP server on the loopback interface that speaks HTTP/1.1 and HTTP/2
 * without TLS (h2c, prior knowledge) on the same port.
 *
 * AWS SDK v3 clients use HTTP/1.1 by default, except a few (Bedrock Runtime)
 * that use HTTP/2; a local endpoint that answers both works with an unmodified
 * client whichever handler it was given. Node's HTTP/2 server only falls back
 * to HTTP/1.1 over TLS, so the connection's first bytes decide: HTTP/2 opens
 * with the fixed preface `PRI * HTTP/2.0`.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { AwfError } from '../../core/errors.js';

/** What a handler reads of a request; both Node's HTTP/1.1 and HTTP/2 compatibility requests have it. */
export interface LoopbackRequest extends AsyncIterable<Buffer | string> {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
}

/** What a handler writes of a response. */
export interface LoopbackResponse {
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  end(): unknown;
  end(body: string | Uint8Array): unknown;
}

/** Handles one request. Errors it throws are answered with a bare 500. */
export type LoopbackHandler = (request: LoopbackRequest, response: LoopbackResponse) => Promise<void>;

/** A listening server. */
export interface LoopbackServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/** A request body exceeded the server's limit. */
export class RequestTooLargeError extends AwfError {
  constructor(readonly limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
    this.name = 'RequestTooLargeError';
  }
}

/**
 * Reads a whole request body.
 * @throws RequestTooLargeError past `limitBytes`.
 */
export async function readBody(request: LoopbackRequest, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > limitBytes) throw new RequestTooLargeError(limitBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0');

/**
 * Starts a server on 127.0.0.1 answering HTTP/1.1 and h2c with `handler`.
 * @param port a TCP port, or 0 for any free one (read it back from the result)
 */
export async function startLoopbackServer(handler: LoopbackHandler, port = 0): Promise<LoopbackServer> {
  const handle = (request: LoopbackRequest, response: LoopbackResponse) => {
    handler(request, response).catch(() => {
      try {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('internal error');
      } catch {
        // The response was already under way; the connection is the only thing left to end.
      }
    });
  };
  const http1 = createHttpServer(handle);
  const http2 = createHttp2Server(handle);
  const sockets = new Set<Socket>();
  const tcp = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      const isHttp2 = first.subarray(0, HTTP2_PREFACE.length).equals(HTTP2_PREFACE);
      (isHttp2 ? http2 : http1).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const actualPort = (tcp.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port: actualPort,
    endpoint: `http://127.0.0.1:${actualPort}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        http1.closeAllConnections();
      });
      return closing;
    },
  };
}
