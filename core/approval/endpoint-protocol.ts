/**
 * The approvals endpoint's HTTP protocol, shared by the function behind it
 * (`core/steps/decide-approval/endpoint.ts`) and its clients (the CLI, the
 * local demo, an approvals UI).
 *
 * - `GET /approvals`: the pending approvals of the workflow the caller may
 *   decide, without task tokens or who the case names.
 * - `POST /approvals/{approvalId}/decision` with `{ decision, reason }`: decide
 *   one as the caller. There is no approver field: the approver is the
 *   caller's IAM identity.
 *
 * Errors answer `{ error: { code, message } }` with a status saying whose fault
 * it is: 400 malformed, 403 identity not trusted or decision refused (and
 * recorded), 404 unknown approval or route, 500 recorded but not resumed.
 */
import * as z from 'zod';

/** Path of the list of pending approvals. */
export const PENDING_APPROVALS_PATH = '/approvals';

const DECISION_PATH = /^\/approvals\/([^/]+)\/decision$/;

/** Path of a decision on one approval. */
export function decisionPath(approvalId: string): string {
  return `${PENDING_APPROVALS_PATH}/${encodeURIComponent(approvalId)}/decision`;
}

/** The approval id of a decision path, or undefined for another path. */
export function approvalIdOfDecisionPath(path: string): string | undefined {
  const id = DECISION_PATH.exec(path)?.[1];
  return id === undefined ? undefined : decodeURIComponent(id);
}

/** The body of a decision request. */
export const decisionBodySchema = z.strictObject({
  decision: z.enum(['APPROVE', 'REJECT']),
  reason: z
    .string()
    .trim()
    .min(1, 'expected the reason for the decision; it is recorded for auditors')
    .max(2000),
});

/** A parsed decision body. */
export type DecisionBody = z.infer<typeof decisionBodySchema>;

/** Codes of the endpoint's error answers. */
export type EndpointErrorCode =
  | 'MalformedRequest'
  | 'CallerNotTrusted'
  | 'DecisionRefused'
  | 'ApprovalNotFound'
  | 'RouteNotFound'
  | 'NotResumed';

/** The HTTP status of each error code. */
export const ERROR_STATUS: Readonly<Record<EndpointErrorCode, number>> = {
  MalformedRequest: 400,
  CallerNotTrusted: 403,
  DecisionRefused: 403,
  ApprovalNotFound: 404,
  RouteNotFound: 404,
  NotResumed: 500,
};

/** An error answer's body. */
export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

/**
 * The response header saying what a request did (`LISTED`, `APPROVED`,
 * `REJECTED`, `PENDING` while a quorum is not met, `REFUSED`, `FAILED`), for
 * the endpoint's metrics and for clients that do not parse the body.
 */
export const OUTCOME_HEADER = 'x-awf-outcome';

/** A function URL response (payload format 2.0), as the endpoint's function returns it. */
export type { FunctionUrlResponse } from '../http/function-url.js';

/** The message of an error answer's body, or the body itself when it is no error answer. */
export function endpointErrorMessage(response: {
  readonly statusCode: number;
  readonly body: string;
}): string {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(response.body));
    if (parsed.success) return parsed.data.error.message;
  } catch {
    // Not JSON: said as it is below.
  }
  return `HTTP ${response.statusCode}${response.body ? `: ${response.body.slice(0, 300)}` : ''}`;
}
