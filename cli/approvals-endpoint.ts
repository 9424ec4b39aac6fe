/**
 * The CLI's client of a workflow's function URLs (the approvals endpoint, and
 * the operations endpoint `awf workflows` calls): every request signed
 * with SigV4 by the caller's credentials, so the endpoint decides as whoever
 * AWS (or, locally, the local identities) says signed it.
 *
 * - In AWS the credentials are the caller's own, from the default provider
 *   chain (environment, profile, SSO): a session of the workflow's approver
 *   role, or of an Identity Center role the stack trusts. Nobody picks a name.
 * - Locally `--as <person>` picks whose local identity signs
 *   (`.awf/identities.json`, written by the local cloud).
 */
import { dirname } from 'node:path';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { type SigningCredentials, signRequest } from '../adapters/sigv4.js';
import type { CallerKind } from '../core/approval/caller.js';
import { endpointErrorMessage } from '../core/approval/endpoint-protocol.js';
import { localIdentityFor, readLocalIdentities } from '../local/iam/identities.js';
import type { Target, TargetWorkflow } from './target.js';

/** Who signs: credentials, and how to name them in messages. */
export interface EndpointSigner {
  readonly credentials: () => Promise<SigningCredentials>;
  /** `alice@acme.example (local identity)`, or `your AWS credentials`. */
  readonly describe: string;
}

/** An answer of the endpoint. */
export interface EndpointAnswer {
  readonly status: number;
  readonly body: unknown;
  /** The error's message for a non-2xx answer. */
  readonly message: string;
  /** Whether the function URL itself refused the request (unsigned, wrong signature, no permission). */
  readonly forbiddenByUrl: boolean;
}

/**
 * The signer of approvals requests to `workflowId` on `target`.
 * @throws Error saying what to pass when `as` is missing locally, or given in AWS.
 */
export function signerFor(
  target: Target,
  workflowId: string,
  as: string | undefined,
  kind: CallerKind = 'approver',
): EndpointSigner {
  if (target.kind === 'aws') {
    if (as !== undefined) {
      const workflow = target.workflows[workflowId];
      const role =
        (kind === 'approver' ? workflow?.approverRoleArn : workflow?.operatorRoleArn) ??
        `the workflow's ${kind} role`;
      throw new Error(
        `--as is for the local cloud only: in AWS you act as who your credentials say. Assume ${role} with your user name as the session name (aws sts assume-role --role-session-name <your user name>), or sign in with IAM Identity Center`,
      );
    }
    const provider = defaultProvider();
    return { credentials: () => provider(), describe: 'your AWS credentials' };
  }
  if (as === undefined) {
    throw new Error(
      '--as is required locally: whose local identity signs the request, such as alice@acme.example',
    );
  }
  if (!target.identitiesFile)
    throw new Error('the local cloud wrote no identities; restart it with "npm start"');
  const identity = localIdentityFor(
    readLocalIdentities(dirname(target.identitiesFile)),
    as,
    workflowId,
    kind,
  );
  return {
    credentials: async () => ({
      accessKeyId: identity.accessKeyId,
      secretAccessKey: identity.secretAccessKey,
    }),
    describe: `${identity.principal} (local identity)`,
  };
}

/** The workflow's endpoint URL. @throws Error when the workflow has none on the target. */
export function endpointOf(target: Target, workflowId: string): string {
  const workflow: TargetWorkflow | undefined = target.workflows[workflowId];
  if (!workflow?.approvalsUrl) {
    throw new Error(
      `workflow ${workflowId} has no approvals endpoint on this target; is it deployed by this version?`,
    );
  }
  return workflow.approvalsUrl;
}

/**
 * Sends one signed request to an approvals endpoint.
 * @param region the region the signature is scoped to (the endpoint's)
 * @param path `approvals` or `approvals/<id>/decision`, relative to the endpoint's root
 */
export async function callEndpoint(
  region: string,
  endpoint: string,
  signer: EndpointSigner,
  request: { readonly method: 'GET' | 'POST' | 'PUT'; readonly path: string; readonly body?: unknown },
  endpointName = 'the approvals endpoint',
): Promise<EndpointAnswer> {
  const url = new URL(request.path.replace(/^\//, ''), endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers = await signRequest(
    {
      method: request.method,
      url,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    },
    { credentials: await signer.credentials(), region, service: 'lambda' },
  );
  // fetch sets Host itself, from the URL the signature covers.
  const { host: _host, ...sent } = headers;
  const response = await fetch(url, {
    method: request.method,
    headers: sent,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  const forbiddenByUrl =
    response.status === 403 &&
    typeof parsed === 'object' &&
    parsed !== null &&
    'Message' in parsed &&
    !('error' in parsed);
  return {
    status: response.status,
    body: parsed,
    forbiddenByUrl,
    message: forbiddenByUrl
      ? `${endpointName} refused the request as ${signer.describe} (HTTP 403 Forbidden): it is not signed by an identity allowed to call it`
      : endpointErrorMessage({ statusCode: response.status, body: text }),
  };
}
