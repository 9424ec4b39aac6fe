/**
 * The request-approval step's use case: park a proposal behind a human.
 *
 * The state machine invokes it with a task token and waits until the decide
 * step answers that token. The token is stored with the approval sealed
 * (`tokens` port: encrypted under a key only the decide step may decrypt
 * with, bound to the approval id), never in clear, and never leaves the runs
 * table; approvers only ever see the opaque approval id.
 *
 * The step may be retried (a Lambda service error), and each retry waits on a
 * new token. So a retry never creates a second approval: it points the pending
 * approval at the new token. If a human decided in the moment between the two
 * attempts, the decision went to the old token and this step (which may not
 * answer task tokens) leaves the new wait to its timeout: the run escalates as
 * an expired approval, and nothing runs that was not approved.
 */

import { bindingHashFor } from '../../approval/binding.js';
import { approvalRequirementOf } from '../../approval/requirement.js';
import { excludedApproversFor, principalKey } from '../../approval/separation-of-duties.js';
import { durationToSeconds } from '../../duration.js';
import { AwfError, GovernanceViolationError } from '../../errors.js';
import { approvalIdFor } from '../../ids.js';
import { recordsOfType } from '../../lineage/read.js';
import { lineageWriter } from '../../lineage/writer.js';
import { PLATFORM_DETAIL_TYPES, workflowEventSource } from '../../platform-events.js';
import type { ApprovalRecord, ApprovalStatus } from '../../runs/records.js';
import { requireRun } from '../../runs/run-lookup.js';
import { catalogueAction, notInCatalogue } from '../../workflow/catalogue.js';
import type { WorkflowPack } from '../../workflow/pack.js';
import { type ApprovalRequestInput, approvalRequestInputSchema } from '../contracts.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';

const requestApprovalNeeds = {
  runs: { writes: ['approval', 'run'] },
  lineage: 'append',
  events: 'workflow',
  recordKeys: 'sign',
  keys: 'mac',
  tokens: 'seal',
} as const;

/** What the request step returns (the state machine ignores it; it waits for the token). */
export interface ApprovalRequestResult {
  readonly approvalId: string;
  readonly status: ApprovalStatus;
  readonly expiresAt: string;
}

/**
 * The request-approval step, invoked by the state machine with `.waitForTaskToken`.
 *
 * Stores a PENDING approval (binding hash, approver roles, excluded approvers
 * from the event fields the spec names, expiry = now + `approvals.timeout`),
 * records `approval.requested`, sets the run AWAITING_APPROVAL and publishes
 * `ApprovalRequested` (never with the token). A retry refreshes the token
 * instead of creating a second approval; the event is published again on a
 * retry (consumers dedupe by `approvalId`) so a crash before the first publish
 * cannot leave approvers unaware. A retry that finds the approval decided
 * changes nothing and returns its status.
 *
 * @throws GovernanceViolationError when the proposal is not one that needs an
 *   approval (not REQUIRE_APPROVAL), names an action outside the catalogue, or
 *   an approval with the same id is bound to a different action.
 * @throws RunNotFoundError when the run is missing.
 */
function createRequestApproval(
  pack: WorkflowPack,
  deps: PortsFor<typeof requestApprovalNeeds>,
): (input: ApprovalRequestInput) => Promise<ApprovalRequestResult> {
  const { spec } = pack;
  const writer = lineageWriter('request-approval', deps.lineage, deps.clock, deps.recordKeys);
  const timeoutMs = durationToSeconds(spec.approvals.timeout) * 1000;

  return async ({ run, taskToken, gated }) => {
    const { proposal } = gated;
    if (gated.decision !== 'REQUIRE_APPROVAL') {
      throw new GovernanceViolationError(
        `proposal "${proposal.proposalId}" (${proposal.action}) does not need an approval: decision ${gated.decision}`,
      );
    }
    const action = catalogueAction(spec, proposal.action);
    if (!action) {
      throw new GovernanceViolationError(
        `proposal "${proposal.proposalId}" names ${notInCatalogue(spec, proposal.action)}`,
      );
    }
    const stored = await requireRun(deps.runs, run.runId, 'request-approval');
    const now = deps.clock();
    const approvalId = approvalIdFor(run.runId, proposal.proposalId);
    // Shown to approvers and recorded; Act counts the approvals against its own decision's requirement.
    const requirement = gated.approval ?? approvalRequirementOf(spec.approvals.approverRoles, []);
    // Only the decide step can open it; this step cannot read back what it stored.
    const sealedToken = await deps.tokens.seal(approvalId, taskToken);
    const candidate: ApprovalRecord = {
      approvalId,
      runId: run.runId,
      workflowId: run.workflowId,
      entityId: run.entityId,
      proposalId: proposal.proposalId,
      gated,
      bindingHash: bindingHashFor(run.runId, proposal),
      taskToken: sealedToken,
      status: 'PENDING',
      approverRoles: [...requirement.roles],
      quorum: requirement.quorum,
      distinctRoles: requirement.distinctRoles,
      excludedApprovers: excludedApproversFor(spec, stored.event),
      requestedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + timeoutMs).toISOString(),
    };

    let approval = candidate;
    if (!(await deps.runs.putApproval(candidate))) {
      const existing = await deps.runs.getApproval(approvalId);
      if (!existing) throw new AwfError(`approval "${approvalId}" exists but cannot be read; retry the step`);
      if (existing.bindingHash !== candidate.bindingHash) {
        throw new GovernanceViolationError(
          `approval "${approvalId}" is bound to ${existing.bindingHash}, but the proposal now hashes to ${candidate.bindingHash}`,
        );
      }
      approval = existing;
      if (existing.status !== 'PENDING' || !(await deps.runs.refreshApprovalToken(approvalId, sealedToken))) {
        // Decided (or expired) already: see the module comment.
        const current = (await deps.runs.getApproval(approvalId)) ?? existing;
        return { approvalId, status: current.status, expiresAt: current.expiresAt };
      }
    }

    const recorded = recordsOfType(await deps.lineage.chain(run.runId), 'approval.requested').some(
      ({ data }) => data.approvalId === approvalId,
    );
    if (!recorded) {
      await writer.append(run.runId, {
        type: 'approval.requested',
        actor: 'awf:request-approval',
        workflowId: run.workflowId,
        entityId: run.entityId,
        versions: { workflowVersion: run.workflowVersion },
        data: {
          approvalId,
          proposalId: proposal.proposalId,
          action: proposal.action,
          input: proposal.input,
          risk: action.risk,
          reasons: gated.reasons,
          bindingHash: approval.bindingHash,
          approverRoles: [...approval.approverRoles],
          quorum: approval.quorum ?? 1,
          distinctRoles: approval.distinctRoles ?? false,
          // Who the case names is personal data: the lineage keeps keyed hashes only.
          excludedApproverHashes: await Promise.all(
            approval.excludedApprovers.map((principal) =>
              deps.keys.hash(`principal:${principalKey(principal)}`),
            ),
          ),
          expiresAt: approval.expiresAt,
        },
      });
    }
    await deps.runs.setRunStatus(run.runId, { status: 'AWAITING_APPROVAL', at: now.toISOString() });
    await deps.events.publish([
      {
        source: workflowEventSource(run.workflowId),
        detailType: PLATFORM_DETAIL_TYPES.approvalRequested,
        detail: {
          approvalId,
          runId: run.runId,
          workflowId: run.workflowId,
          entityId: run.entityId,
          proposalId: proposal.proposalId,
          action: proposal.action,
          input: proposal.input,
          rationale: proposal.rationale,
          confidence: proposal.confidence,
          risk: action.risk,
          reasons: gated.reasons,
          bindingHash: approval.bindingHash,
          approverRoles: approval.approverRoles,
          quorum: approval.quorum ?? 1,
          expiresAt: approval.expiresAt,
        },
      },
    ]);
    return { approvalId, status: 'PENDING', expiresAt: approval.expiresAt };
  };
}

/** The request-approval step: see {@link createRequestApproval}. */
export const requestApprovalStep = defineStep({
  name: 'request-approval',
  input: approvalRequestInputSchema,
  ports: requestApprovalNeeds,
  build: createRequestApproval,
  measure(_result, metrics) {
    metrics.count('ApprovalsRequested');
  },
});
