/**
 * The decide-approval step's use case: a human approves or rejects a pending
 * approval, and the waiting run resumes.
 *
 * It is invoked directly (by `awf approvals decide` or an approvals UI), not by
 * the state machine. Every check runs before anything is written, so a refused
 * decision changes nothing; the write itself is conditional on the approval
 * still being PENDING, so two approvers racing cannot both decide.
 */
import { z } from 'zod';
import { ApprovalDecisionError } from '../errors.js';
import { appendLineage } from '../lineage/chain.js';
import type { LineageStore } from '../lineage/record.js';
import type { Clock, TaskCallbacks } from '../ports.js';
import type { ApprovalRecord, RunsStore } from '../runs/records.js';
import type { WorkflowPack } from '../workflow/pack.js';
import { answerTaskToken } from './outcome.js';
import { checkApprover } from './separation-of-duties.js';
import { type ApprovalSummary, approvalSummaryOf } from './summary.js';

/** A human's decision on an approval, as the CLI or an approvals UI sends it. */
export const approvalDecisionInputSchema = z.object({
  approvalId: z.string().trim().min(1, 'expected the approval id, such as "appr-3f9a..."'),
  decision: z.enum(['APPROVE', 'REJECT']),
  approver: z.string().trim().min(1, 'expected the approver, such as "alice@acme.example"'),
  reason: z
    .string()
    .trim()
    .min(1, 'expected the reason for the decision; it is recorded for auditors')
    .max(2000),
});

/** A parsed decision. */
export type ApprovalDecisionInput = z.infer<typeof approvalDecisionInputSchema>;

/**
 * Parses a decision request.
 * @throws ApprovalDecisionError naming each bad field.
 */
export function parseApprovalDecisionInput(value: unknown): ApprovalDecisionInput {
  const parsed = approvalDecisionInputSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`,
  );
  throw new ApprovalDecisionError(`the decision is malformed: ${problems.join('; ')}`, {
    cause: parsed.error,
  });
}

/** What the decide step needs besides the pack. */
export interface DecideApprovalDependencies {
  readonly runs: Pick<RunsStore, 'getApproval' | 'decideApproval' | 'listApprovalsOfRun' | 'setRunStatus'>;
  readonly lineage: LineageStore;
  readonly callbacks: TaskCallbacks;
  readonly clock: Clock;
}

function describeDecided(approval: ApprovalRecord): string {
  const by = approval.decidedBy ? ` by ${approval.decidedBy}` : '';
  const at = approval.decidedAt ? ` at ${approval.decidedAt}` : '';
  return `approval "${approval.approvalId}" is already ${approval.status}${by}${at}`;
}

/**
 * Builds the decide-approval step for a pack.
 *
 * Checks, in order: the approval exists and belongs to this workflow, is
 * PENDING and not expired, and the approver is in `approvals.approvers` with
 * one of the approval's roles and is not named in the case (separation of
 * duties). Then it records the decision, appends `approval.decided`
 * (actor `human:<approver>`), sets the run back to RUNNING once an approval
 * leaves none pending, and resumes the run: SendTaskSuccess with the
 * {@link ApprovalOutcome}, or SendTaskFailure `AWF.ApprovalRejected`.
 *
 * @returns the decided approval, without its task token.
 * @throws ApprovalDecisionError with a message naming what was wrong; nothing
 *   is changed when a check fails.
 * @example
 * const decide = createDecideApprovalStep(pack, { runs, lineage, callbacks, clock });
 * await decide({ approvalId, decision: 'APPROVE', approver: 'alice@acme.example', reason: 'Carrier confirmed loss.' });
 */
export function createDecideApprovalStep(
  pack: WorkflowPack,
  deps: DecideApprovalDependencies,
): (input: unknown) => Promise<ApprovalSummary> {
  const { spec } = pack;

  return async (raw) => {
    const input = parseApprovalDecisionInput(raw);
    const approval = await deps.runs.getApproval(input.approvalId);
    if (!approval) throw new ApprovalDecisionError(`approval "${input.approvalId}" does not exist`);
    if (approval.workflowId !== spec.id) {
      throw new ApprovalDecisionError(
        `approval "${input.approvalId}" belongs to workflow "${approval.workflowId}", not "${spec.id}"`,
      );
    }
    if (approval.status !== 'PENDING') throw new ApprovalDecisionError(describeDecided(approval));
    const now = deps.clock();
    if (now.getTime() >= Date.parse(approval.expiresAt)) {
      throw new ApprovalDecisionError(
        `approval "${input.approvalId}" expired at ${approval.expiresAt}; it can no longer be decided`,
      );
    }
    const approver = checkApprover(spec, approval, input.approver);
    if (!approver.allowed) {
      throw new ApprovalDecisionError(`approval "${input.approvalId}": ${approver.refusal}`);
    }

    const status = input.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED';
    const at = now.toISOString();
    const decided = await deps.runs.decideApproval(input.approvalId, {
      status,
      at,
      by: approver.principal,
      reason: input.reason,
    });
    if (!decided) {
      const current = await deps.runs.getApproval(input.approvalId);
      throw new ApprovalDecisionError(
        current ? describeDecided(current) : `approval "${input.approvalId}" does not exist`,
      );
    }

    await appendLineage(deps.lineage, deps.clock, decided.runId, {
      type: 'approval.decided',
      actor: `human:${approver.principal}`,
      workflowId: decided.workflowId,
      entityId: decided.entityId,
      versions: { workflowVersion: spec.version },
      data: {
        approvalId: decided.approvalId,
        proposalId: decided.proposalId,
        action: decided.gated.proposal.action,
        decision: status,
        reason: input.reason,
        bindingHash: decided.bindingHash,
      },
    });
    if (status === 'APPROVED') {
      const others = await deps.runs.listApprovalsOfRun(decided.runId);
      if (!others.some((other) => other.status === 'PENDING')) {
        await deps.runs.setRunStatus(decided.runId, { status: 'RUNNING', at });
      }
    }
    try {
      await answerTaskToken(deps.callbacks, decided.taskToken, decided);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new ApprovalDecisionError(
        `approval "${decided.approvalId}" was recorded as ${status}, but its run could not be resumed (${name}); the run's approval wait has likely timed out`,
        { cause: error },
      );
    }
    return approvalSummaryOf(decided);
  };
}
