/**
 * How a decided approval resumes the run waiting on it.
 *
 * An approval resumes the wait with SendTaskSuccess and an {@link ApprovalOutcome};
 * a rejection fails it with the error the state machine's Catch routes to
 * "Approval rejected".
 */
import { AwfError } from '../errors.js';
import type { TaskCallbacks } from '../ports.js';
import type { ApprovalRecord } from '../runs/records.js';
import type { ApprovalOutcome } from '../steps/contracts.js';

/** The error name a rejected approval fails its task with (matched by the ASL's Catch). */
export const APPROVAL_REJECTED_ERROR = 'AWF.ApprovalRejected';

/** The outcome of a decided approval, as the waiting Map item receives it. */
export function approvalOutcomeOf(approval: ApprovalRecord): ApprovalOutcome {
  if (approval.status !== 'APPROVED' && approval.status !== 'REJECTED') {
    throw new AwfError(`approval "${approval.approvalId}" is ${approval.status}, not decided`);
  }
  return {
    approvalId: approval.approvalId,
    proposalId: approval.proposalId,
    decision: approval.status,
    approver: approval.decidedBy ?? '',
    bindingHash: approval.bindingHash,
  };
}

/**
 * Answers the task token of the waiting run with a decided approval: success with the outcome for
 * APPROVED, failure `AWF.ApprovalRejected` (the cause names who and why) for REJECTED.
 */
export async function answerTaskToken(
  callbacks: TaskCallbacks,
  taskToken: string,
  approval: ApprovalRecord,
): Promise<void> {
  const outcome = approvalOutcomeOf(approval);
  if (outcome.decision === 'APPROVED') {
    await callbacks.succeed(taskToken, outcome);
    return;
  }
  await callbacks.fail(
    taskToken,
    APPROVAL_REJECTED_ERROR,
    JSON.stringify({ ...outcome, reason: approval.reason ?? '' }),
  );
}
