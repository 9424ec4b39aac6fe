/**
 * What the decide-approval step offers its endpoint: decisions on approvals,
 * and the list an approver works from, both for an authenticated caller.
 */
import type { CallerIdentity } from './caller.js';
import type { DecisionBody } from './endpoint-protocol.js';
import type { ApprovalSummary } from './summary.js';

/** A human's decision on one approval; who decides is the authenticated caller, never a field. */
export interface ApprovalDecisionRequest extends DecisionBody {
  readonly approvalId: string;
}

/** What the decide-approval step offers its endpoint. */
export interface ApprovalDecisions {
  /**
   * Decides an approval as `caller`.
   * @returns the approval, without its task token.
   * @throws ApprovalDecisionError with a message naming what was wrong (refusals are recorded first).
   */
  decide(request: ApprovalDecisionRequest, caller: CallerIdentity): Promise<ApprovalSummary>;
  /** The workflow's pending approvals `caller` may decide now, oldest first. */
  pendingFor(caller: CallerIdentity): Promise<PendingApproval[]>;
}

/** A pending approval as its approvers see it: no task token, nobody the case names. */
export type PendingApproval = Omit<ApprovalSummary, 'excludedApprovers'>;
