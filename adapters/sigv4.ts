/**
 * SigV4 signing of plain HTTPS requests (the approvals endpoint is a function
 * URL, not an SDK client), with the SDK's own signer (`@smithy/signature-v4`)
 * and Node's crypto for SHA-256, so a signature here is the one AWS checks.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** Credentials that sign: an access key, its secret, and a session token for temporary ones. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** SHA-256, or HMAC-SHA-256 under a secret, in the shape the signer asks for. */
class NodeSha256 {
  readonly #hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** An HTTP request as the signer sees it. */
export interface SignableRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What to sign with and for. */
export interface SigningScope {
  readonly credentials: SigningCredentials;
  readonly region: string;
  /** `lambda` for function URLs. */
  readonly service: string;
  /** @default - now */
  readonly signingDate?: Date;
}

/**
 * The headers a request carries once signed (`authorization`, `x-amz-date`,
 * `x-amz-content-sha256`, `x-amz-security-token` for temporary credentials),
 * with `host` and the given headers.
 */
export async function signRequest(
  request: SignableRequest,
  scope: SigningScope,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: scope.credentials,
    region: scope.region,
    service: scope.service,
    sha256: NodeSha256,
  });
  const query: Record<string, string> = {};
  for (const [name, value] of request.url.searchParams) query[name] = value;
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      ...(request.url.port ? { port: Number(request.url.port) } : {}),
      path: request.url.pathname,
      query,
      headers: { ...request.headers, host: request.url.host },
      ...(request.body === undefined ? {} : { body: request.body }),
    },
    scope.signingDate ? { signingDate: scope.signingDate } : {},
  );
  return signed.headers as Record<string, string>;
}
