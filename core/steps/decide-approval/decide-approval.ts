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
import { answerTaskToken } from '../../approval/outcome.js';
import { checkApprover } from '../../approval/separation-of-duties.js';
import { type ApprovalSummary, approvalSummaryOf } from '../../approval/summary.js';
import { ApprovalDecisionError } from '../../errors.js';
import { lineageWriter } from '../../lineage/writer.js';
import type { ApprovalRecord } from '../../runs/records.js';
import type { WorkflowPack } from '../../workflow/pack.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';

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

const decideApprovalNeeds = {
  runs: { writes: ['approval', 'run'] },
  lineage: 'append',
  callbacks: 'answer',
} as const;

function describeDecided(approval: ApprovalRecord): string {
  const by = approval.decidedBy ? ` by ${approval.decidedBy}` : '';
  const at = approval.decidedAt ? ` at ${approval.decidedAt}` : '';
  return `approval "${approval.approvalId}" is already ${approval.status}${by}${at}`;
}

/**
 * The decide-approval step, invoked directly with `{ approvalId, decision, approver, reason }`.
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
 * const decide = decideApprovalStep.build(pack, ports);
 * await decide({ approvalId, decision: 'APPROVE', approver: 'alice@acme.example', reason: 'Carrier confirmed loss.' });
 */
function createDecideApproval(
  pack: WorkflowPack,
  deps: PortsFor<typeof decideApprovalNeeds>,
): (input: unknown) => Promise<ApprovalSummary> {
  const { spec } = pack;
  const writer = lineageWriter('decide-approval', deps.lineage, deps.clock);

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

    await writer.append(decided.runId, {
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

/**
 * The decide-approval step: see {@link createDecideApproval}. Its use case
 * parses the request itself, so a malformed one fails as ApprovalDecisionError
 * naming the bad field rather than as a bare validation error.
 */
export const decideApprovalStep = defineStep({
  name: 'decide-approval',
  input: z.unknown(),
  ports: decideApprovalNeeds,
  build: createDecideApproval,
  measure(approval, metrics) {
    metrics.count(approval.status === 'APPROVED' ? 'ApprovalsApproved' : 'ApprovalsRejected');
  },
});
