/**
 * Escalate: closes a run that could not finish on its own (a denied action, a
 * rejected or expired approval, invalid model output, the iteration bound, a
 * failed step) and tells the people on the spec's escalation ladder.
 *
 * Order, each step checked before it is repeated so the step is safe to retry:
 * 1. approvals of the run still PENDING are marked EXPIRED (their task tokens
 *    died with the wait), each with `approval.expired` in the lineage;
 * 2. unless the chain already holds `run.escalated`: publish
 *    `WorkflowEscalated`, then append `run.escalated`;
 * 3. set the terminal status (a conditional write; the first one wins).
 * As in Complete, only a crash between PutEvents and the lineage append can
 * publish the event twice; consumers dedupe on `detail.runId`.
 */
import { z } from 'zod';
import { runRefSchema } from '../../core/agent/step-inputs.js';
import { AwfError } from '../../core/errors.js';
import { appendLineage } from '../../core/lineage/chain.js';
import type { LineageRecord, LineageStore } from '../../core/lineage/record.js';
import { PLATFORM_DETAIL_TYPES, workflowEventSource } from '../../core/platform-events.js';
import type { Clock, EventPublisher } from '../../core/ports.js';
import {
  ESCALATION_REASONS,
  type EscalateInput,
  type EscalationReason,
  RUN_STATUSES,
  type RunRef,
  statusForEscalation,
  TERMINAL_RUN_STATUSES,
  type TerminalResult,
} from '../../core/run/contracts.js';
import { runEnd } from '../../core/run/run-end.js';
import type { RunsStore } from '../../core/runs/records.js';
import type { WorkflowSpec } from '../../core/workflow/spec.js';

/** Escalate's input: the run and why it escalates. */
export const escalateInputSchema = z.object({
  run: runRefSchema,
  escalation: z.object({ reason: z.enum(ESCALATION_REASONS), detail: z.unknown().optional() }),
}) satisfies z.ZodType<EscalateInput>;

/** What Escalate works with. */
export interface EscalateDependencies {
  readonly spec: WorkflowSpec;
  readonly runs: RunsStore;
  readonly lineage: LineageStore;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
}

const ACTOR = 'awf:escalate';

const recordedEscalationSchema = z.object({
  status: z.enum(RUN_STATUSES),
  endedAt: z.string(),
  cycleTimeMs: z.number(),
});

function expiryReason(reason: EscalationReason): string {
  return reason === 'APPROVAL_EXPIRED'
    ? 'no decision before the approval timed out'
    : `the run escalated (${reason}) before a decision`;
}

/** Marks the run's pending approvals EXPIRED and records each, including ones a crashed attempt left unrecorded. */
async function expireOpenApprovals(
  run: RunRef,
  reason: EscalationReason,
  chain: readonly LineageRecord[],
  deps: EscalateDependencies,
): Promise<void> {
  const { runs, lineage, clock } = deps;
  const recorded = new Set(
    chain
      .filter((record) => record.type === 'approval.expired')
      .map((record) => String(record.data.approvalId)),
  );
  for (const approval of await runs.listApprovalsOfRun(run.runId)) {
    let expired = approval;
    if (approval.status === 'PENDING') {
      const decided = await runs.decideApproval(approval.approvalId, {
        status: 'EXPIRED',
        at: clock().toISOString(),
        by: ACTOR,
        reason: expiryReason(reason),
      });
      if (decided === undefined) continue; // decided by someone else in the meantime
      expired = decided;
    }
    if (expired.status !== 'EXPIRED' || expired.decidedBy !== ACTOR || recorded.has(expired.approvalId))
      continue;
    await appendLineage(lineage, clock, run.runId, {
      type: 'approval.expired',
      actor: ACTOR,
      workflowId: run.workflowId,
      entityId: run.entityId,
      versions: { workflowVersion: run.workflowVersion },
      data: {
        approvalId: expired.approvalId,
        proposalId: expired.proposalId,
        action: expired.gated.proposal.action,
        bindingHash: expired.bindingHash,
        requestedAt: expired.requestedAt,
        expiresAt: expired.expiresAt,
        reason: expired.reason,
      },
    });
  }
}

/**
 * Escalates a run and returns its terminal status (ESCALATED, REJECTED or FAILED
 * by reason). Safe to call again with the same input: see the module notes.
 * @throws AwfError when the run is unknown.
 */
export async function escalate(input: EscalateInput, deps: EscalateDependencies): Promise<TerminalResult> {
  const { spec, runs, lineage, publisher, clock } = deps;
  const { run, escalation } = input;

  const stored = await runs.getRun(run.runId);
  if (stored === undefined) throw new AwfError(`run ${run.runId} not found in the runs table`);

  const chain = await lineage.chain(run.runId);
  const escalatedRecord = chain.find((record) => record.type === 'run.escalated');
  if (TERMINAL_RUN_STATUSES.includes(stored.status) && escalatedRecord === undefined) {
    // Ended by another path (Complete landed before a late failure): its record stands.
    return { runId: run.runId, status: stored.status };
  }

  await expireOpenApprovals(run, escalation.reason, chain, deps);

  const recorded = escalatedRecord ? recordedEscalationSchema.safeParse(escalatedRecord.data) : undefined;
  let closing: z.infer<typeof recordedEscalationSchema>;
  if (recorded?.success) {
    closing = recorded.data;
  } else {
    closing = { status: statusForEscalation(escalation.reason), ...runEnd(run.startedAt, clock()) };
    const detail = {
      runId: run.runId,
      workflowId: run.workflowId,
      entityId: run.entityId,
      reason: escalation.reason,
      status: closing.status,
      notify: spec.approvals.escalation,
      detail: escalation.detail ?? null,
    };
    const { eventIds } = await publisher.publish([
      {
        source: workflowEventSource(run.workflowId),
        detailType: PLATFORM_DETAIL_TYPES.workflowEscalated,
        detail,
      },
    ]);
    await appendLineage(lineage, clock, run.runId, {
      type: 'run.escalated',
      actor: ACTOR,
      workflowId: run.workflowId,
      entityId: run.entityId,
      versions: { workflowVersion: run.workflowVersion },
      data: {
        ...closing,
        reason: escalation.reason,
        detail: escalation.detail ?? null,
        notify: spec.approvals.escalation,
        eventId: eventIds[0],
      },
    });
  }

  const changed = await runs.setRunStatus(run.runId, {
    status: closing.status,
    at: closing.endedAt,
    endedAt: closing.endedAt,
    cycleTimeMs: closing.cycleTimeMs,
    outcome: { reason: escalation.reason },
  });
  if (!changed) {
    const now = await runs.getRun(run.runId);
    return { runId: run.runId, status: now?.status ?? closing.status };
  }
  return { runId: run.runId, status: closing.status };
}
