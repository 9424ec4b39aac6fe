/**
 * The follow-up function's URL (`AWS_IAM` auth, called by the workflow's
 * operators): `POST /follow-ups/{id}/cancellation` with `{ reason }` asks to
 * cancel a pending follow-up. The operator is who AWS says signed the
 * request (`callers` port: sessions of trusted operator roles), never a name
 * in the body; the request only opens an approval that the workflow's
 * approvers decide.
 */
import { type CallerIdentities, type CallerIdentity, CallerNotTrustedError } from '../../approval/caller.js';
import { FollowUpNotFoundError, FollowUpNotPendingError } from '../../followup/errors.js';
import {
  type FunctionUrlResponse,
  functionUrlRequestSchema,
  jsonResponse,
  parseJsonBody,
  requestMethod,
} from '../../http/function-url.js';
import {
  cancellationBodySchema,
  followUpIdOfCancellationPath,
  OPERATIONS_ERROR_STATUS,
  OPERATIONS_OUTCOME_HEADER,
  type OperationsErrorCode,
} from '../../operations/endpoint-protocol.js';

/** What asking for a cancellation answers, in the response body. */
export type CancellationAsker<T> = (
  request: { readonly followUpId: string; readonly reason: string },
  operator: CallerIdentity,
) => Promise<T>;

function failure(code: OperationsErrorCode, message: string): FunctionUrlResponse {
  return jsonResponse(OPERATIONS_ERROR_STATUS[code], OPERATIONS_OUTCOME_HEADER, 'FAILED', {
    error: { code, message },
  });
}

/** True when `input` is a function URL request (anything else is the schedule's own payload). */
export function isFunctionUrlRequest(input: unknown): boolean {
  return functionUrlRequestSchema.safeParse(input).success;
}

/** Answers one function URL request to the follow-up function. */
export async function followUpEndpoint<T>(
  input: unknown,
  callers: CallerIdentities,
  ask: CancellationAsker<T>,
): Promise<FunctionUrlResponse> {
  const parsed = functionUrlRequestSchema.safeParse(input);
  if (!parsed.success) {
    return failure(
      'CallerNotTrusted',
      'the request is not a function URL request with an IAM identity: cancellations are asked through the follow-ups endpoint, signed with SigV4',
    );
  }
  const request = parsed.data;
  const method = requestMethod(request);
  const followUpId = followUpIdOfCancellationPath(request.rawPath);
  if (followUpId === undefined || method !== 'POST') {
    return failure(
      'RouteNotFound',
      `no route ${method} ${request.rawPath}: the endpoint serves POST /follow-ups/{followUpId}/cancellation`,
    );
  }
  let operator: CallerIdentity;
  try {
    operator = callers.identify(request.requestContext.authorizer?.iam);
  } catch (error) {
    if (error instanceof CallerNotTrustedError) return failure('CallerNotTrusted', error.message);
    throw error;
  }
  const asked = parseJsonBody(request, cancellationBodySchema, 'the cancellation request', '{ "reason" }');
  if (!asked.ok) return failure('MalformedRequest', asked.message);
  try {
    const answer = await ask({ followUpId, reason: asked.value.reason }, operator);
    return jsonResponse(200, OPERATIONS_OUTCOME_HEADER, 'CANCELLATION_REQUESTED', answer);
  } catch (error) {
    if (error instanceof FollowUpNotFoundError) return failure('FollowUpNotFound', error.message);
    if (error instanceof FollowUpNotPendingError) return failure('FollowUpNotPending', error.message);
    throw error;
  }
}
