/**
 * Complete: closes a run whose agent finished (or whose proposals were all in
 * shadow mode): the `WorkflowCompleted` event, `run.completed` in the lineage
 * (with the run's cost, counted from the chain it already reads:
 * `core/cost/recorded-cost.ts`), then status COMPLETED with the cycle time.
 *
 * A run whose chain ends with `run.escalated` already ended otherwise:
 * Complete fails before publishing anything.
 *
 * Retries. The steps run in that order and each is checked before it is
 * repeated:
 * - the lineage is the marker: when the chain already ends with `run.completed`,
 *   the event was published and only the status may be missing, so a retry
 *   publishes nothing and just sets the status (a conditional write);
 * - the status is set last, so a failure to publish or record leaves the run
 *   open for the ASL's Catch to escalate instead of a COMPLETED run without
 *   evidence.
 * The one window left is a crash between PutEvents and the lineage append: the
 * retry then publishes `WorkflowCompleted` a second time. EventBridge delivers
 * at least once anyway; consumers dedupe on `detail.runId`.
 */
import { recordedRunCost } from '../../cost/recorded-cost.js';
import { runUsageOf } from '../../cost/run-usage.js';
import { AwfError } from '../../errors.js';
import { asRecordOfType, recordsOfType } from '../../lineage/read.js';
import type { LineageRecord } from '../../lineage/record.js';
import type { LineageData } from '../../lineage/registry.js';
import { type LineageWriter, lineageWriter } from '../../lineage/writer.js';
import { PLATFORM_DETAIL_TYPES, workflowEventSource } from '../../platform-events.js';
import { runEnd } from '../../runs/run-end.js';
import { scrubbedEvent } from '../../runs/scrub.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import {
  type CompleteInput,
  completeInputSchema,
  type PlanResult,
  type TerminalResult,
} from '../contracts.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';

const completeNeeds = {
  runs: { writes: ['run'] },
  lineage: 'append',
  events: 'workflow',
  recordKeys: 'sign',
  metrics: 'emit',
} as const;

/**
 * Whether every proposal of a plan has its `action.executed` in the chain:
 * the plan's finish then stands, else what reached Complete was only recorded.
 */
function allExecuted(plan: Extract<PlanResult, { outcome: 'PROPOSED' }>, chain: readonly LineageRecord[]) {
  const executed = new Set(recordsOfType(chain, 'action.executed').map(({ data }) => data.proposalId));
  return plan.proposals.every(({ proposalId }) => executed.has(proposalId));
}

/**
 * The run's summary: the agent's own when it finished (alone, or with actions
 * that all ran), a note on what was only recorded otherwise (shadow mode).
 */
export function summaryOf(
  plan: PlanResult,
  chain: readonly LineageRecord[],
): { summary: string; shadow: boolean } {
  switch (plan.outcome) {
    case 'FINISHED':
      return { summary: plan.summary, shadow: false };
    case 'PROPOSED': {
      if (plan.finish && plan.proposals.length > 0 && allExecuted(plan, chain)) {
        return { summary: plan.finish.summary, shadow: false };
      }
      const actions = [...new Set(plan.proposals.map((p) => p.action))].join(', ');
      return {
        summary:
          plan.proposals.length === 0
            ? 'the agent proposed no action'
            : `shadow mode: ${plan.proposals.length} proposal(s) (${actions}) recorded as "would", none executed`,
        shadow: plan.proposals.length > 0,
      };
    }
    case 'INVALID':
      return { summary: `ended on invalid model output: ${plan.problems.join('; ')}`, shadow: false };
    // The state machine escalates these; a summary is given should one ever reach Complete.
    case 'MODEL_UNAVAILABLE':
      return { summary: `ended with no model answering: ${plan.detail.fix}`, shadow: false };
    case 'BUDGET_EXCEEDED':
      return {
        summary: `ended with the run's model budget spent (${plan.detail.exceeded.join(', ')})`,
        shadow: false,
      };
  }
}

/**
 * Completes a run. Safe to call again with the same input: see the module notes.
 * @throws AwfError when the run has no lineage or already ended with another status.
 */
async function complete(
  input: CompleteInput,
  spec: WorkflowSpec,
  { runs, lineage, events, clock, metrics }: PortsFor<typeof completeNeeds>,
  writer: LineageWriter,
): Promise<TerminalResult> {
  const { run, plan } = input;

  // The chain's end tells how the run stands: every run starts it with run.started,
  // and Escalate records run.escalated before it sets any other terminal status.
  // The whole chain, read once: its end, what ran, and how many people took part.
  const chain = await lineage.chain(run.runId);
  const head = chain.at(-1);
  if (head === undefined || head.type === 'event.rejected') {
    throw new AwfError(`run ${run.runId} was never admitted: its lineage holds no run.started`);
  }
  const escalated = asRecordOfType(head, 'run.escalated');
  if (escalated) {
    throw new AwfError(`run ${run.runId} already ended as ${escalated.data.status}; it cannot also complete`);
  }
  const recorded = asRecordOfType(head, 'run.completed');
  let completion: Pick<LineageData<'run.completed'>, 'summary' | 'endedAt' | 'cycleTimeMs'>;
  if (recorded) {
    completion = recorded.data;
  } else {
    const { summary, shadow } = summaryOf(plan, chain);
    completion = { summary, ...runEnd(run.startedAt, clock()) };
    // What the run used, counted from the chain read above: it ends here, so its ending is known.
    const cost = recordedRunCost(runUsageOf(chain, { kind: 'completed' }));
    const detail = {
      runId: run.runId,
      workflowId: run.workflowId,
      entityId: run.entityId,
      status: 'COMPLETED',
      summary,
    };
    const { eventIds } = await events.publish([
      {
        source: workflowEventSource(run.workflowId),
        detailType: PLATFORM_DETAIL_TYPES.workflowCompleted,
        detail,
      },
    ]);
    await writer.append(
      run.runId,
      {
        type: 'run.completed',
        actor: 'awf:complete',
        workflowId: run.workflowId,
        entityId: run.entityId,
        versions: { workflowVersion: run.workflowVersion },
        data: { status: 'COMPLETED', ...completion, shadow, eventId: eventIds[0], cost },
      },
      // The head read above is the chain's end unless a step still appends to it, which the append recovers from.
      { knownHead: head },
    );
  }

  const stored = await runs.getRun(run.runId);
  const changed = await runs.setRunStatus(run.runId, {
    status: 'COMPLETED',
    at: completion.endedAt,
    endedAt: completion.endedAt,
    cycleTimeMs: completion.cycleTimeMs,
    outcome: { summary: completion.summary },
    ...(stored === undefined ? {} : { event: scrubbedEvent(spec, stored.event) }),
  });
  if (changed) {
    // The executive view: how long runs take, and how many finished with no human step.
    metrics.value('RunCycleTime', completion.cycleTimeMs, 'Milliseconds');
    const humanSteps = recordsOfType(chain, 'approval.requested').length;
    metrics.count('RunsCompletedAutonomously', humanSteps === 0 ? 1 : 0);
    metrics.count('RunsCompletedWithApproval', humanSteps === 0 ? 0 : 1);
  } else {
    const now = await runs.getRun(run.runId);
    if (now?.status !== 'COMPLETED') {
      throw new AwfError(
        `run ${run.runId} ended as ${now?.status ?? 'unknown'} while it was being completed`,
      );
    }
  }
  return { runId: run.runId, status: 'COMPLETED' };
}

/** The complete step: see {@link complete}. */
export const completeStep = defineStep({
  name: 'complete',
  input: completeInputSchema,
  ports: completeNeeds,
  build(pack, ports) {
    const writer = lineageWriter('complete', ports.lineage, ports.clock, ports.recordKeys);
    return (input: CompleteInput) => complete(input, pack.spec, ports, writer);
  },
  measure(_result, metrics) {
    metrics.count('RunsCompleted');
  },
});
