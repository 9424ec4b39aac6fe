/**
 * Escalate: closes a run that could not finish on its own (a denied action, a
 * rejected or expired approval, invalid model output, the iteration bound, a
 * failed step) and tells the people on the spec's escalation ladder.
 *
 * Order, each step checked before it is repeated so the step is safe to retry:
 * 1. approvals of the run still PENDING are marked EXPIRED (their task tokens
 *    died with the wait), each with `approval.expired` in the lineage;
 * 2. unless the chain already holds `run.escalated`: publish
 *    `WorkflowEscalated`, then append `run.escalated`, with the run's cost
 *    counted from the chain it read first (`core/cost/recorded-cost.ts`);
 * 3. set the terminal status (a conditional write; the first one wins).
 * As in Complete, only a crash between PutEvents and the lineage append can
 * publish the event twice; consumers dedupe on `detail.runId`.
 */
import { recordedRunCost } from '../../cost/recorded-cost.js';
import { runUsageOf } from '../../cost/run-usage.js';
import { AwfError } from '../../errors.js';
import { recordsOfType } from '../../lineage/read.js';
import type { LineageRecord } from '../../lineage/record.js';
import type { LineageData } from '../../lineage/registry.js';
import { type LineageWriter, lineageWriter } from '../../lineage/writer.js';
import { PLATFORM_DETAIL_TYPES, workflowEventSource } from '../../platform-events.js';
import { runEnd } from '../../runs/run-end.js';
import { scrubbedEvent } from '../../runs/scrub.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import {
  type EscalateInput,
  type EscalationReason,
  escalateInputSchema,
  type RunRef,
  statusForEscalation,
  TERMINAL_RUN_STATUSES,
  type TerminalResult,
} from '../contracts.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';

const escalateNeeds = {
  runs: { writes: ['approval', 'run'] },
  lineage: 'append',
  events: 'workflow',
  recordKeys: 'sign',
  metrics: 'emit',
} as const;

/** What Escalate works with. */
type EscalatePorts = PortsFor<typeof escalateNeeds>;

const ACTOR = 'awf:escalate';

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
  { runs, clock }: EscalatePorts,
  writer: LineageWriter,
): Promise<void> {
  const recorded = new Set(recordsOfType(chain, 'approval.expired').map(({ data }) => data.approvalId));
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
    await writer.append(run.runId, {
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
async function escalate(
  input: EscalateInput,
  spec: WorkflowSpec,
  ports: EscalatePorts,
  writer: LineageWriter,
): Promise<TerminalResult> {
  const { runs, lineage, events, clock } = ports;
  const { run, escalation } = input;

  const stored = await runs.getRun(run.runId);
  if (stored === undefined) throw new AwfError(`run ${run.runId} not found in the runs table`);

  const chain = await lineage.chain(run.runId);
  const escalatedRecord = recordsOfType(chain, 'run.escalated')[0];
  if (TERMINAL_RUN_STATUSES.includes(stored.status) && escalatedRecord === undefined) {
    // Ended by another path (Complete landed before a late failure): its record stands.
    return { runId: run.runId, status: stored.status };
  }

  await expireOpenApprovals(run, escalation.reason, chain, ports, writer);

  let closing: Pick<LineageData<'run.escalated'>, 'status' | 'endedAt' | 'cycleTimeMs'>;
  if (escalatedRecord) {
    closing = escalatedRecord.data;
  } else {
    closing = { status: statusForEscalation(escalation.reason), ...runEnd(run.startedAt, clock()) };
    // What the run used, counted from the chain read above (approval.expired records do not change it).
    const cost = recordedRunCost(
      runUsageOf(chain, { kind: 'escalated', reason: escalation.reason, status: closing.status }),
    );
    const detail = {
      runId: run.runId,
      workflowId: run.workflowId,
      entityId: run.entityId,
      reason: escalation.reason,
      status: closing.status,
      notify: spec.approvals.escalation,
      detail: escalation.detail ?? null,
    };
    const { eventIds } = await events.publish([
      {
        source: workflowEventSource(run.workflowId),
        detailType: PLATFORM_DETAIL_TYPES.workflowEscalated,
        detail,
      },
    ]);
    await writer.append(run.runId, {
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
        cost,
      },
    });
  }

  const changed = await runs.setRunStatus(run.runId, {
    status: closing.status,
    at: closing.endedAt,
    endedAt: closing.endedAt,
    cycleTimeMs: closing.cycleTimeMs,
    outcome: { reason: escalation.reason },
    event: scrubbedEvent(spec, stored.event),
  });
  if (!changed) {
    const now = await runs.getRun(run.runId);
    return { runId: run.runId, status: now?.status ?? closing.status };
  }
  ports.metrics.value('RunCycleTime', closing.cycleTimeMs, 'Milliseconds');
  return { runId: run.runId, status: closing.status };
}

/** The escalate step: see {@link escalate}. */
export const escalateStep = defineStep({
  name: 'escalate',
  input: escalateInputSchema,
  ports: escalateNeeds,
  build(pack, ports) {
    const writer = lineageWriter('escalate', ports.lineage, ports.clock, ports.recordKeys);
    return (input: EscalateInput) => escalate(input, pack.spec, ports, writer);
  },
  measure(result, metrics) {
    // Each ending counted, 0 for the others, so the rates and alarms that read them always have data.
    for (const status of ['ESCALATED', 'REJECTED', 'FAILED'] as const) {
      metrics.count(
        `Runs${status.charAt(0)}${status.slice(1).toLowerCase()}`,
        result.status === status ? 1 : 0,
      );
    }
  },
});
