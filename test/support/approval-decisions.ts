/**
 * Decisions through the approvals endpoint as the tests make them: a person's
 * decision becomes the function URL request AWS would hand the decide-approval
 * step for that person's approver session, and an error answer becomes the
 * ApprovalDecisionError it reports.
 */
import { endpointErrorMessage, type FunctionUrlResponse } from '../../core/approval/endpoint-protocol.js';
import { decisionRequest } from '../../core/approval/endpoint-request.js';
import type { ApprovalSummary } from '../../core/approval/summary.js';
import { ApprovalDecisionError } from '../../core/errors.js';
import { approverSession } from './trusted-ports.js';

/** A decision as a test writes it: who decides is `approver`, signed in as an approver. */
export interface TestDecision {
  readonly approvalId: string;
  readonly decision: 'APPROVE' | 'REJECT';
  readonly approver: string;
  readonly reason: string;
}

/**
 * Wraps the built decide-approval step (the endpoint) into a function that
 * decides as the test's approver.
 * @throws ApprovalDecisionError with the endpoint's message when it answers an error.
 */
export function decisionsThrough(
  endpoint: (request: unknown) => Promise<FunctionUrlResponse>,
): (decision: TestDecision) => Promise<ApprovalSummary> {
  return async ({ approvalId, decision, approver, reason }) => {
    const response = await endpoint(
      decisionRequest(approvalId, { decision, reason }, approverSession(approver)),
    );
    if (response.statusCode !== 200) throw new ApprovalDecisionError(endpointErrorMessage(response));
    return (JSON.parse(response.body) as { approval: ApprovalSummary }).approval;
  };
}
