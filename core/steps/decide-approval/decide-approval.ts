/**
 * The decide-approval step: a human approves or rejects a pending approval,
 * and the waiting run resumes.
 *
 * It is the approvals endpoint (`awf approvals`, an approvals UI), not a state
 * of the state machine. Every check runs before the decision is written, so a
 * refused decision changes nothing but its `approval.refused` record; the
 * write that ends the approval is conditional on it still being PENDING, so
 * two approvers racing cannot both end it.
 */
import * as z from 'zod';
import { withoutForgedApprovals } from '../../approval/authentic.js';
import type { CallerIdentity } from '../../approval/caller.js';
import {
  ApprovalNotFoundError,
  ApprovalNotResumedError,
  ApprovalRefusedError,
} from '../../approval/decision-errors.js';
import type {
  ApprovalDecisionRequest,
  ApprovalDecisions,
  PendingApproval,
} from '../../approval/decisions.js';
import { OUTCOME_HEADER } from '../../approval/endpoint-protocol.js';
import { ladderOf, notYetReached, reachedRungs, rolesWithRungs } from '../../approval/ladder.js';
import { answerTaskToken } from '../../approval/outcome.js';
import type { ApprovalRequirement } from '../../approval/requirement.js';
import { checkApprover, excludedApproversFor, principalKey } from '../../approval/separation-of-duties.js';
import { type ApprovalSummary, approvalSummaryOf } from '../../approval/summary.js';
import { HUMAN_ACTOR_PREFIX, tallyApprovals } from '../../approval/tally.js';
import { openTaskToken } from '../../approval/task-token.js';
import { ApprovalDecisionError } from '../../errors.js';
import {
  cancelFollowUp,
  isFollowUpCancellation,
  withCancellationRequests,
} from '../../followup/cancellation.js';
import { recordsOfType } from '../../lineage/read.js';
import { lineageWriter } from '../../lineage/writer.js';
import type { ApprovalRecord } from '../../runs/records.js';
import { requireRun } from '../../runs/run-lookup.js';
import type { WorkflowPack } from '../../workflow/pack.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';
import { approvalsEndpoint } from './endpoint.js';

const decideApprovalNeeds = {
  runs: { writes: ['approval', 'run', 'followup'] },
  scheduler: 'delete',
  callers: 'identify',
  metrics: 'emit',
  lineage: 'append',
  callbacks: 'answer',
  tokens: 'open',
  recordKeys: { sign: true, verify: ['request-approval', 'decide-approval', 'remind', 'follow-up'] },
} as const;

/**
 * The decide-approval use case: decisions, and the list an approver works from.
 *
 * What counts is the lineage, never the approval item (an index of pending
 * work, which an insider could edit). The checks, all before anything is
 * written, read the chain's `approval.requested` (roles, quorum, expiry,
 * binding hash), the admitted event (who the case names: separation of
 * duties) and the chain's earlier decisions (`core/approval/tally.ts`): the
 * approval exists and belongs to this workflow, it has not ended (rejected, or
 * its quorum met) nor expired, and the caller is in `approvals.approvers`
 * with one of its roles, or the role of a rung of the escalation ladder the
 * chain records as reached (`approval.escalated`, `core/approval/ladder.ts`),
 * is not named in the case, and has not decided it yet. A rung's role
 * deciding before its rung is refused, naming the rung.
 *
 * The caller is the person AWS authenticated (`core/approval/caller.ts`), so
 * nobody can decide as somebody else. A refused decision is recorded as
 * `approval.refused` (who, as which identity, what, why) and throws. An
 * accepted one appends `approval.decided` (actor `human:<person>`, the
 * identity's ARN in `data.identity`); once the chain's decisions meet the
 * quorum, or one rejects, the item is marked decided, the run set back to
 * RUNNING when no other approval of it is pending, and the waiting run resumed
 * with the item's task token, opened (`tokens` port; only this step may):
 * SendTaskSuccess with the {@link ApprovalOutcome}, or SendTaskFailure
 * `AWF.ApprovalRejected`. Until the quorum is met the approval stays PENDING.
 *
 * @example
 * const { decide } = createApprovalDecisions(pack, ports);
 * await decide({ approvalId, decision: 'APPROVE', reason: 'Carrier confirmed loss.' }, caller);
 */
export function createApprovalDecisions(
  pack: WorkflowPack,
  deps: Omit<PortsFor<typeof decideApprovalNeeds>, 'callers'>,
): ApprovalDecisions {
  const { spec } = pack;
  const writer = lineageWriter('decide-approval', deps.lineage, deps.clock, deps.recordKeys);

  /** Where the approval stands by the lineage, with the requirement it recorded. */
  async function standing(approval: ApprovalRecord) {
    const [fullChain, run] = await Promise.all([
      deps.lineage.chain(approval.runId),
      requireRun(deps.runs, approval.runId, 'decide-approval'),
    ]);
    // Only records their registry writers made count, as in Act.
    const { chain: authentic } = await withoutForgedApprovals(
      fullChain,
      approval.approvalId,
      deps.recordKeys,
    );
    // A follow-up's cancellation is requested by `cancellation.requested`, which stands as its request.
    const chain = await withCancellationRequests(authentic, approval.approvalId, deps.recordKeys);
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
    // Who may approve widens only with the rungs the chain records, never with the clock alone.
    const rungs = reachedRungs(chain, approval.approvalId);
    return { requested, requirement, excluded, tally, rungs };
  }

  /** Why `caller` may not decide `approval` now, or undefined when they may. */
  async function refusalFor(
    approval: ApprovalRecord,
    caller: CallerIdentity,
  ): Promise<{ refusal?: string; principal?: string; standing: Awaited<ReturnType<typeof standing>> }> {
    const before = await standing(approval);
    if (caller.untrusted !== undefined) return { refusal: caller.untrusted, standing: before };
    const ended = before.tally.rejection
      ? `it was rejected by ${before.tally.rejection.principal}`
      : before.tally.met
        ? `it was approved by ${before.tally.approvals.map((a) => a.principal).join(', ')}`
        : undefined;
    if (ended) return { refusal: `it is already decided: ${ended}`, standing: before };
    if (deps.clock().getTime() >= Date.parse(before.requested.data.expiresAt)) {
      return {
        refusal: `it expired at ${before.requested.data.expiresAt}; it can no longer be decided`,
        standing: before,
      };
    }
    const approver = checkApprover(
      spec,
      {
        approverRoles: rolesWithRungs(before.requirement.roles, before.rungs),
        excludedApprovers: before.excluded,
      },
      caller.principal,
    );
    if (!approver.allowed) {
      return { refusal: rungRefusalFor(caller.principal, before) ?? approver.refusal, standing: before };
    }
    const counted = before.tally.approvals.some(
      (approval) => principalKey(approval.principal) === principalKey(approver.principal),
    );
    if (counted) {
      return {
        refusal: `"${approver.principal}" approved it already; each approver counts once`,
        standing: before,
      };
    }
    return { principal: approver.principal, standing: before };
  }

  /**
   * The refusal of a caller whose only claim is a rung of the ladder not reached
   * yet, naming the rung; undefined for anyone else (the usual refusal holds).
   */
  function rungRefusalFor(
    principal: string,
    before: Awaited<ReturnType<typeof standing>>,
  ): string | undefined {
    const entry = Object.entries(spec.approvals.approvers).find(
      ([listed]) => principalKey(listed) === principalKey(principal),
    );
    if (!entry || entry[1].some((role) => before.requirement.roles.includes(role))) return undefined;
    const ladder = ladderOf({
      approvals: spec.approvals,
      requestedAt: before.requested.at,
      expiresAt: before.requested.data.expiresAt,
    });
    const why = notYetReached(entry[1], ladder, before.rungs, spec.approvals.escalation);
    return why === undefined ? undefined : `"${principal}" holds ${entry[1].join(', ')}: ${why}`;
  }

  /** Records a refused decision and throws it. */
  async function refuse(
    approval: ApprovalRecord,
    request: ApprovalDecisionRequest,
    caller: CallerIdentity,
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
        principal: caller.principal,
        identity: caller.arn,
        decision: request.decision,
        refusal,
      },
    });
    throw new ApprovalRefusedError(`approval "${approval.approvalId}": ${refusal}`);
  }

  /** The approval, when it exists and is this workflow's. */
  async function findApproval(approvalId: string): Promise<ApprovalRecord> {
    const approval = await deps.runs.getApproval(approvalId);
    if (!approval) throw new ApprovalNotFoundError(`approval "${approvalId}" does not exist`);
    if (approval.workflowId !== spec.id) {
      throw new ApprovalNotFoundError(
        `approval "${approvalId}" belongs to workflow "${approval.workflowId}", not "${spec.id}"`,
      );
    }
    return approval;
  }

  async function decide(request: ApprovalDecisionRequest, caller: CallerIdentity): Promise<ApprovalSummary> {
    const approval = await findApproval(request.approvalId);
    const { refusal, principal = caller.principal, standing: before } = await refusalFor(approval, caller);
    if (refusal !== undefined) return refuse(approval, request, caller, refusal);

    const status = request.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED';
    await writer.append(approval.runId, {
      type: 'approval.decided',
      actor: `${HUMAN_ACTOR_PREFIX}${principal}`,
      workflowId: approval.workflowId,
      entityId: approval.entityId,
      versions: { workflowVersion: spec.version },
      data: {
        approvalId: approval.approvalId,
        proposalId: approval.proposalId,
        action: approval.gated.proposal.action,
        decision: status,
        reason: request.reason,
        bindingHash: before.requested.data.bindingHash,
        identity: caller.arn,
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
    const at = deps.clock().toISOString();
    const decided = await deps.runs.decideApproval(approval.approvalId, {
      status: outcome,
      at,
      by: decisive?.principal ?? principal,
      reason: outcome === 'REJECTED' ? (tally.rejection?.reason ?? request.reason) : request.reason,
    });
    if (decided) {
      // Approval latency: from the request to the decision that ended it.
      deps.metrics.value(
        'ApprovalLatency',
        Math.max(0, Date.parse(at) - Date.parse(decided.requestedAt)),
        'Milliseconds',
      );
    }
    if (!decided) {
      // Another decision ended it and resumed the run; this one is recorded all the same.
      const current = await deps.runs.getApproval(approval.approvalId);
      return approvalSummaryOf(current ?? approval);
    }
    if (isFollowUpCancellation(decided)) {
      // No run waits on it: an approved cancellation cancels the follow-up, a rejected one leaves it due.
      if (outcome === 'APPROVED') {
        const approvers = tally.approvals.map((counted) => counted.principal);
        await cancelFollowUp(spec, { ...deps, writer }, decided, approvers);
      }
      return approvalSummaryOf(decided);
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
      throw new ApprovalNotResumedError(
        `approval "${decided.approvalId}" was recorded as ${outcome}, but its task token does not open (${name}): it was sealed for another approval or altered; the run waits until its approval times out`,
        { cause: error },
      );
    }
    try {
      await answerTaskToken(deps.callbacks, taskToken, decided);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new ApprovalNotResumedError(
        `approval "${decided.approvalId}" was recorded as ${outcome}, but its run could not be resumed (${name}); the run's approval wait has likely timed out`,
        { cause: error },
      );
    }
    return approvalSummaryOf(decided);
  }

  async function pendingFor(caller: CallerIdentity): Promise<PendingApproval[]> {
    const listed = Object.keys(spec.approvals.approvers).some(
      (person) => principalKey(person) === principalKey(caller.principal),
    );
    if (caller.untrusted !== undefined || !listed) {
      throw new ApprovalRefusedError(
        caller.untrusted ?? `"${caller.principal}" is not an approver of workflow "${spec.id}"`,
      );
    }
    const pending = await deps.runs.listPendingApprovals({ workflowId: spec.id });
    const decidable: PendingApproval[] = [];
    // The lineage says whether the caller may decide each one, as a decision would check.
    for (const approval of pending) {
      try {
        const { refusal } = await refusalFor(approval, caller);
        if (refusal !== undefined) continue;
      } catch (error) {
        if (error instanceof ApprovalDecisionError) continue;
        throw error;
      }
      const { taskToken: _token, excludedApprovers: _excluded, ...shown } = approval;
      decidable.push(shown);
    }
    return decidable;
  }

  return { decide, pendingFor };
}

/**
 * The decide-approval step: the approvals endpoint (a Lambda function URL with
 * `AWS_IAM` auth), serving {@link createApprovalDecisions} to the caller AWS
 * authenticated (`callers` port). Its input is the function URL's request;
 * its output the HTTP response (`core/approval/endpoint-protocol.ts`).
 */
export const decideApprovalStep = defineStep({
  name: 'decide-approval',
  input: z.unknown(),
  ports: decideApprovalNeeds,
  build: (pack, deps) => approvalsEndpoint(createApprovalDecisions(pack, deps), deps.callers),
  measure(response, metrics) {
    const outcome = response.headers[OUTCOME_HEADER];
    if (outcome === 'APPROVED') metrics.count('ApprovalsApproved');
    else if (outcome === 'REJECTED') metrics.count('ApprovalsRejected');
    else if (outcome === 'PENDING') metrics.count('ApprovalsAwaitingQuorum');
    else if (outcome === 'REFUSED') metrics.count('ApprovalDecisionsRefused');
    else if (outcome === 'LISTED') metrics.count('ApprovalListsServed');
    else metrics.count('ApprovalRequestsFailed');
  },
});
