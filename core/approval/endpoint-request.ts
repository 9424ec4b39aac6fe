/**
 * A function URL request (payload format 2.0) to the approvals endpoint, as
 * Lambda builds it after checking the SigV4 signature: what the local cloud's
 * function URLs send, and what in-process harnesses (the pack tester, tests)
 * hand the decide-approval step to act as a given identity.
 */
import { randomUUID } from 'node:crypto';
import { decisionPath, PENDING_APPROVALS_PATH } from './endpoint-protocol.js';

/** What the request carries. */
export interface ApprovalsRequestOptions {
  readonly method: string;
  /** The path under the URL's root (`/approvals`, `/approvals/{id}/decision`). */
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The caller's identity as AWS asserts it; absent for an unauthenticated request. */
  readonly iam?: {
    readonly accountId: string;
    readonly userArn: string;
    readonly accessKey?: string;
    readonly userId?: string;
  };
  /** @default - the current time */
  readonly at?: Date;
}

/** A function URL request with these parts. */
export function functionUrlRequest(options: ApprovalsRequestOptions) {
  const at = options.at ?? new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: options.rawPath,
    rawQueryString: options.rawQueryString ?? '',
    headers: { ...(options.headers ?? {}) },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: 'localhost',
      http: {
        method: options.method,
        path: options.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: options.headers?.['user-agent'] ?? 'awf',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: at.toUTCString(),
      timeEpoch: at.getTime(),
      ...(options.iam
        ? {
            authorizer: {
              iam: {
                accessKey: options.iam.accessKey ?? null,
                accountId: options.iam.accountId,
                callerId: options.iam.userId ?? null,
                cognitoIdentity: null,
                principalOrgId: null,
                userArn: options.iam.userArn,
                userId: options.iam.userId ?? null,
              },
            },
          }
        : {}),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: false,
  };
}

/** A decision on `approvalId` by the session `userArn`, as the endpoint receives it. */
export function decisionRequest(
  approvalId: string,
  body: { readonly decision: 'APPROVE' | 'REJECT'; readonly reason: string },
  userArn: string,
) {
  return functionUrlRequest({
    method: 'POST',
    rawPath: decisionPath(approvalId),
    body: JSON.stringify(body),
    iam: { accountId: userArn.split(':')[4] ?? '', userArn },
    headers: { 'content-type': 'application/json' },
  });
}

/** The pending-approvals list as the session `userArn` asks for it. */
export function pendingApprovalsRequest(userArn: string) {
  return functionUrlRequest({
    method: 'GET',
    rawPath: PENDING_APPROVALS_PATH,
    iam: { accountId: userArn.split(':')[4] ?? '', userArn },
  });
}
