/**
 * The approvals endpoint: a Lambda function URL request in, an HTTP response
 * out (`core/approval/endpoint-protocol.ts` has the routes).
 *
 * The caller is who AWS says signed the request (`requestContext.authorizer.iam`,
 * which Lambda fills after checking the SigV4 signature), mapped to a person
 * by the `callers` port; nothing in the request's body or headers names the
 * approver. A request that did not come through an `AWS_IAM` function URL
 * carries no such identity and is refused.
 */
import {
  type CallerIdentities,
  type CallerIdentity,
  CallerNotTrustedError,
  type IamAuthorizerContext,
} from '../../approval/caller.js';
import {
  ApprovalNotFoundError,
  ApprovalNotResumedError,
  ApprovalRefusedError,
} from '../../approval/decision-errors.js';
import type { ApprovalDecisions } from '../../approval/decisions.js';
import {
  approvalIdOfDecisionPath,
  decisionBodySchema,
  type EndpointErrorCode,
  ERROR_STATUS,
  type FunctionUrlResponse,
  OUTCOME_HEADER,
  PENDING_APPROVALS_PATH,
} from '../../approval/endpoint-protocol.js';
import { ApprovalDecisionError } from '../../errors.js';
import {
  functionUrlRequestSchema,
  jsonResponse,
  requestBodyText,
  requestMethod,
} from '../../http/function-url.js';

function respond(statusCode: number, outcome: string, body: unknown): FunctionUrlResponse {
  return jsonResponse(statusCode, OUTCOME_HEADER, outcome, body);
}

function failure(code: EndpointErrorCode, message: string): FunctionUrlResponse {
  return respond(ERROR_STATUS[code], code === 'DecisionRefused' ? 'REFUSED' : 'FAILED', {
    error: { code, message },
  });
}

function errorAnswer(error: unknown): FunctionUrlResponse {
  if (error instanceof CallerNotTrustedError) return failure('CallerNotTrusted', error.message);
  if (error instanceof ApprovalNotFoundError) return failure('ApprovalNotFound', error.message);
  if (error instanceof ApprovalNotResumedError) return failure('NotResumed', error.message);
  if (error instanceof ApprovalRefusedError || error instanceof ApprovalDecisionError) {
    return failure('DecisionRefused', error.message);
  }
  // Anything else is the platform's fault: Lambda reports it, and the caller sees a 502.
  throw error;
}

/**
 * Makes the endpoint's handler.
 *
 * An untrusted identity deciding an existing approval is still recorded as
 * `approval.refused` (with the identity's ARN), so an auditor sees the
 * attempt; an unsigned request never reaches the function in AWS, where the
 * function URL refuses it with 403 before any code runs.
 */
export function approvalsEndpoint(
  decisions: ApprovalDecisions,
  callers: CallerIdentities,
): (event: unknown) => Promise<FunctionUrlResponse> {
  return async (event) => {
    const parsed = functionUrlRequestSchema.safeParse(event);
    if (!parsed.success) {
      return failure(
        'CallerNotTrusted',
        'the request is not a function URL request with an IAM identity: approvals are decided through the approvals endpoint, signed with SigV4',
      );
    }
    const request = parsed.data;
    const method = requestMethod(request);
    const iam: IamAuthorizerContext | undefined = request.requestContext.authorizer?.iam;
    try {
      if (request.rawPath === PENDING_APPROVALS_PATH || request.rawPath === `${PENDING_APPROVALS_PATH}/`) {
        if (method !== 'GET') return failure('RouteNotFound', `${PENDING_APPROVALS_PATH} answers GET only`);
        const caller = callers.identify(iam);
        return respond(200, 'LISTED', { approvals: await decisions.pendingFor(caller) });
      }
      const approvalId = approvalIdOfDecisionPath(request.rawPath);
      if (approvalId === undefined) {
        return failure(
          'RouteNotFound',
          `no route ${method} ${request.rawPath}: the endpoint serves GET ${PENDING_APPROVALS_PATH} and POST ${PENDING_APPROVALS_PATH}/{approvalId}/decision`,
        );
      }
      if (method !== 'POST') return failure('RouteNotFound', `a decision is a POST, got ${method}`);
      let body: unknown;
      try {
        body = JSON.parse(requestBodyText(request) || '{}');
      } catch {
        return failure(
          'MalformedRequest',
          'the decision body is not JSON: expected { "decision", "reason" }',
        );
      }
      const decision = decisionBodySchema.safeParse(body);
      if (!decision.success) {
        const problems = decision.error.issues.map(
          (issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`,
        );
        return failure('MalformedRequest', `the decision is malformed: ${problems.join('; ')}`);
      }
      const caller = identifyOrRefuse(callers, iam);
      const approval = await decisions.decide({ approvalId, ...decision.data }, caller);
      const outcome = approval.status === 'PENDING' ? 'PENDING' : approval.status;
      return respond(200, outcome, { approval });
    } catch (error) {
      return errorAnswer(error);
    }
  };
}

/**
 * The caller of a decision. An identity the endpoint does not trust decides
 * nothing; it is passed on as an unlisted principal named by its ARN, so the
 * decision is refused *and recorded* like any other refused decision.
 */
function identifyOrRefuse(callers: CallerIdentities, iam: IamAuthorizerContext | undefined): CallerIdentity {
  try {
    return callers.identify(iam);
  } catch (error) {
    if (!(error instanceof CallerNotTrustedError) || !iam?.userArn) throw error;
    return { principal: iam.userArn, arn: iam.userArn, untrusted: error.message };
  }
}
