/**
 * Checks a request's SigV4 signature the way an `AWS_IAM` function URL does,
 * against the secret of the access key it names: the local cloud's stand-in
 * for IAM authentication.
 *
 * The signature is recomputed with the SDK's own signer over exactly the
 * headers the request says it signed, at the time it says it was signed, and
 * compared in constant time. A request is refused when it is unsigned, names
 * an unknown access key, was signed more than five minutes from now (AWS's
 * window), for another service, or with another secret.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type SigningCredentials, signRequest } from '../../adapters/sigv4.js';

/** How far a signature's time may be from now, as AWS allows. */
export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** A request as it arrived. */
export interface ArrivedRequest {
  readonly method: string;
  /** The full URL the client addressed (scheme, host, path, query). */
  readonly url: URL;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** The verdict on a request's signature. */
export type SignatureCheck =
  | { readonly valid: true; readonly accessKeyId: string }
  | { readonly valid: false; readonly reason: string };

/** `20261205T013540Z` -> a Date; undefined when malformed. */
function amzDate(value: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

/**
 * Verifies a request's SigV4 signature.
 * @param secretOf the credentials of an access key, or undefined when it is unknown
 * @param now the verifier's clock (the wall clock: signatures are made on it)
 */
export async function verifySignature(
  request: ArrivedRequest,
  secretOf: (accessKeyId: string) => SigningCredentials | undefined,
  expectedService: string,
  now: Date = new Date(),
): Promise<SignatureCheck> {
  const authorization = request.headers.authorization;
  if (!authorization) return { valid: false, reason: 'the request is not signed (no Authorization header)' };
  const match = AUTHORIZATION.exec(authorization.trim());
  if (!match) return { valid: false, reason: 'the Authorization header is not a SigV4 signature' };
  const [, accessKeyId = '', day = '', region = '', service = '', signedHeaderList = '', signature = ''] =
    match;
  if (service !== expectedService) {
    return {
      valid: false,
      reason: `the request was signed for service "${service}", not "${expectedService}"`,
    };
  }
  const signedAt = amzDate(request.headers['x-amz-date']);
  if (!signedAt || !request.headers['x-amz-date']?.startsWith(day)) {
    return {
      valid: false,
      reason: 'the X-Amz-Date header is missing or does not match the credential scope',
    };
  }
  if (Math.abs(now.getTime() - signedAt.getTime()) > SIGNATURE_WINDOW_MS) {
    return {
      valid: false,
      reason: `the signature's time ${signedAt.toISOString()} is more than 5 minutes from now`,
    };
  }
  const credentials = secretOf(accessKeyId);
  if (!credentials)
    return { valid: false, reason: `the access key ${accessKeyId} is not a local identity's` };
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host'))
    return { valid: false, reason: 'the signature does not cover the Host header' };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return { valid: false, reason: `the signed header ${name} is missing` };
    if (name !== 'host') headers[name] = value;
  }
  // The signer trusts a payload hash header as given, so the body must be checked against it here.
  const payloadHash = request.headers['x-amz-content-sha256'];
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(request.body).digest('hex')) {
    return { valid: false, reason: 'the body does not match its signed hash (X-Amz-Content-Sha256)' };
  }
  const url = new URL(request.url.href);
  url.host = request.headers.host ?? url.host;
  const expected = await signRequest(
    { method: request.method, url, headers, body: request.body },
    { credentials, region, service, signingDate: signedAt },
  );
  const recomputed = /Signature=([0-9a-f]{64})/.exec(expected.authorization ?? '')?.[1] ?? '';
  const same =
    recomputed.length === signature.length &&
    timingSafeEqual(Buffer.from(recomputed, 'hex'), Buffer.from(signature, 'hex'));
  return same
    ? { valid: true, accessKeyId }
    : {
        valid: false,
        reason: 'the signature does not match the request (wrong secret, or the request was altered)',
      };
}
