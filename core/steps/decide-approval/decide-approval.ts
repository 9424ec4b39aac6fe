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
import { withoutForgedApprovals } from '../../approval/authentic.js';
import { answerTaskToken } from '../../approval/outcome.js';
import type { ApprovalRequirement } from '../../approval/requirement.js';
import { checkApprover, excludedApproversFor, principalKey } from '../../approval/separation-of-duties.js';
import { type ApprovalSummary, approvalSummaryOf } from '../../approval/summary.js';
import { HUMAN_ACTOR_PREFIX, tallyApprovals } from '../../approval/tally.js';
import { openTaskToken } from '../../approval/task-token.js';
import { ApprovalDecisionError } from '../../errors.js';
import { recordsOfType } from '../../lineage/read.js';
import { lineageWriter } from '../../lineage/writer.js';
import type { ApprovalRecord } from '../../runs/records.js';
import { requireRun } from '../../runs/run-lookup.js';
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
  tokens: 'open',
  recordKeys: { sign: true, verify: ['request-approval', 'decide-approval'] },
} as const;

/**
 * The decide-approval step, invoked directly with `{ approvalId, decision, approver, reason }`.
 *
 * What counts is the lineage, never the approval item (an index of pending
 * work, which an insider could edit). The checks, all before anything is
 * written, read the chain's `approval.requested` (roles, quorum, expiry,
 * binding hash), the admitted event (who the case names: separation of
 * duties) and the chain's earlier decisions (`core/approval/tally.ts`): the
 * approval exists and belongs to this workflow, it has not ended (rejected, or
 * its quorum met) nor expired, and the approver is in `approvals.approvers`
 * with one of its roles, is not named in the case, and has not decided it yet.
 *
 * A refused decision is recorded as `approval.refused` (who, what, why) and
 * throws. An accepted one appends `approval.decided` (actor
 * `human:<approver>`); once the chain's decisions meet the quorum, or one
 * rejects, the item is marked decided, the run set back to RUNNING when no
 * other approval of it is pending, and the waiting run resumed with the
 * item's task token, opened (`tokens` port; only this step may): SendTaskSuccess with the {@link ApprovalOutcome}, or SendTaskFailure
 * `AWF.ApprovalRejected`. Until the quorum is met the approval stays PENDING.
 *
 * @returns the approval, without its task token.
 * @throws ApprovalDecisionError with a message naming what was wrong.
 * @example
 * const decide = decideApprovalStep.build(pack, ports);
 * await decide({ approvalId, decision: 'APPROVE', approver: 'alice@acme.example', reason: 'Carrier confirmed loss.' });
 */
function createDecideApproval(
  pack: WorkflowPack,
  deps: PortsFor<typeof decideApprovalNeeds>,
): (input: unknown) => Promise<ApprovalSummary> {
  const { spec } = pack;
  const writer = lineageWriter('decide-approval', deps.lineage, deps.clock, deps.recordKeys);

  /** Where the approval stands by the lineage, with the requirement it recorded. */
  async function standing(approval: ApprovalRecord) {
    const [fullChain, run] = await Promise.all([
      deps.lineage.chain(approval.runId),
      requireRun(deps.runs, approval.runId, 'decide-approval'),
    ]);
    // Only records their registry writers made count, as in Act.
    const { chain } = await withoutForgedApprovals(fullChain, approval.approvalId, deps.recordKeys);
    const requested = recordsOfType(chain, 'approval.requested').find(
      ({ data }) => data.approvalId === approval.approvalId,
    );
    if (!requested) {
      throw new ApprovalDecisionError(
        `approval "${approval.approvalId}" was never requested in the lineage of run ${approval.runId}; it cannot be decided`,
      );
    }
    const requirement: ApprovalRequirement = {
      roles: requested.data.approverRoles,
      quorum: requested.data.quorum ?? 1,
      distinctRoles: requested.data.distinctRoles ?? false,
    };
    const excluded = excludedApproversFor(spec, run.event);
    const tally = tallyApprovals({
      spec,
      chain,
      approvalId: approval.approvalId,
      bindingHash: requested.data.bindingHash,
      requirement,
      excluded,
    });
    return { requested, requirement, excluded, tally };
  }

  /** Records a refused decision and throws it. */
  async function refuse(
    approval: ApprovalRecord,
    input: ApprovalDecisionInput,
    refusal: string,
  ): Promise<never> {
    await writer.append(approval.runId, {
      type: 'approval.refused',
      actor: 'awf:decide-approval',
      workflowId: approval.workflowId,
      entityId: approval.entityId,
      versions: { workflowVersion: spec.version },
      data: {
        approvalId: approval.approvalId,
        proposalId: approval.proposalId,
        principal: input.approver,
        decision: input.decision,
        refusal,
      },
    });
    throw new ApprovalDecisionError(`approval "${approval.approvalId}": ${refusal}`);
  }

  return async (raw) => {
    const input = parseApprovalDecisionInput(raw);
    const approval = await deps.runs.getApproval(input.approvalId);
    if (!approval) throw new ApprovalDecisionError(`approval "${input.approvalId}" does not exist`);
    if (approval.workflowId !== spec.id) {
      throw new ApprovalDecisionError(
        `approval "${input.approvalId}" belongs to workflow "${approval.workflowId}", not "${spec.id}"`,
      );
    }
    const before = await standing(approval);
    const ended = before.tally.rejection
      ? `it was rejected by ${before.tally.rejection.principal}`
      : before.tally.met
        ? `it was approved by ${before.tally.approvals.map((a) => a.principal).join(', ')}`
        : undefined;
    if (ended) return refuse(approval, input, `it is already decided: ${ended}`);
    const now = deps.clock();
    if (now.getTime() >= Date.parse(before.requested.data.expiresAt)) {
      return refuse(
        approval,
        input,
        `it expired at ${before.requested.data.expiresAt}; it can no longer be decided`,
      );
    }
    const approver = checkApprover(
      spec,
      { approverRoles: before.requirement.roles, excludedApprovers: before.excluded },
      input.approver,
    );
    if (!approver.allowed) return refuse(approval, input, approver.refusal);
    if (
      before.tally.approvals.some(
        (counted) => principalKey(counted.principal) === principalKey(approver.principal),
      )
    ) {
      return refuse(
        approval,
        input,
        `"${approver.principal}" approved it already; each approver counts once`,
      );
    }

    const status = input.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED';
    await writer.append(approval.runId, {
      type: 'approval.decided',
      actor: `${HUMAN_ACTOR_PREFIX}${approver.principal}`,
      workflowId: approval.workflowId,
      entityId: approval.entityId,
      versions: { workflowVersion: spec.version },
      data: {
        approvalId: approval.approvalId,
        proposalId: approval.proposalId,
        action: approval.gated.proposal.action,
        decision: status,
        reason: input.reason,
        bindingHash: before.requested.data.bindingHash,
      },
    });

    // Read again: a decision racing this one may have landed first, and the lineage decides.
    const { tally } = await standing(approval);
    const outcome = tally.rejection ? 'REJECTED' : tally.met ? 'APPROVED' : undefined;
    if (outcome === undefined) {
      const still = await deps.runs.getApproval(approval.approvalId);
      return approvalSummaryOf(still ?? approval);
    }
    const decisive = outcome === 'REJECTED' ? tally.rejection : tally.approvals.at(-1);
    const at = now.toISOString();
    const decided = await deps.runs.decideApproval(approval.approvalId, {
      status: outcome,
      at,
      by: decisive?.principal ?? approver.principal,
      reason: outcome === 'REJECTED' ? (tally.rejection?.reason ?? input.reason) : input.reason,
    });
    if (!decided) {
      // Another decision ended it and resumed the run; this one is recorded all the same.
      const current = await deps.runs.getApproval(approval.approvalId);
      return approvalSummaryOf(current ?? approval);
    }
    if (outcome === 'APPROVED') {
      const others = await deps.runs.listApprovalsOfRun(decided.runId);
      if (!others.some((other) => other.status === 'PENDING')) {
        await deps.runs.setRunStatus(decided.runId, { status: 'RUNNING', at });
      }
    }
    let taskToken: string;
    try {
      taskToken = await openTaskToken(deps.tokens, decided.approvalId, decided.taskToken);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new ApprovalDecisionError(
        `approval "${decided.approvalId}" was recorded as ${outcome}, but its task token does not open (${name}): it was sealed for another approval or altered; the run waits until its approval times out`,
        { cause: error },
      );
    }
    try {
      await answerTaskToken(deps.callbacks, taskToken, decided);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new ApprovalDecisionError(
        `approval "${decided.approvalId}" was recorded as ${outcome}, but its run could not be resumed (${name}); the run's approval wait has likely timed out`,
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
