/**
 * The ASL and the steps agree: `statemachines/governed-workflow.asl.json` run
 * with the real step use cases behind its Task states (in-memory stores, the
 * pack's local stand-in model, real Cedar) takes every example event to the
 * terminal status its author expects, with a complete, verifiable lineage
 * chain and no step failing on the data the state machine handed it.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nextApprover } from '../../core/approval/next-approver.js';
import { excludedApproversFor } from '../../core/approval/separation-of-duties.js';
import { runIdFor } from '../../core/ids.js';
import { verifyChain } from '../../core/lineage/verify.js';
import type { ConverseResponse, LocalModel, ModelPort } from '../../core/model/model.js';
import type { BusEvent } from '../../core/steps/contracts.js';
import { readPlanningContext } from '../../core/steps/plan/prompt.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import {
  discoverWorkflowPacks,
  type ExampleEvent,
  type LocatedWorkflowPack,
  loadExampleEvents,
} from '../../workflows/discover.js';
import { aRefundRequestedEvent } from '../support/event-builders.js';
import { fixedClock, InMemoryRunsStore } from '../support/in-memory-stores.js';
import { packById, REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { storedKeyOf } from '../support/trusted-ports.js';
import {
  type ApprovalRequestSeen,
  type ApproverDecision,
  type HarnessResult,
  runGovernedWorkflow,
} from './support/governed-workflow-harness.js';

/** A few days after the example orders, inside every example's refund window. */
const NOW = '2026-11-20T12:00:00.000Z';
const clock = fixedClock(NOW);

const located = await discoverWorkflowPacks();
const refundTriage: LocatedWorkflowPack = packById(located, REFERENCE_WORKFLOW_ID);

async function localModelOf(dir: string): Promise<ModelPort> {
  const module = (await import(pathToFileURL(join(dir, 'local-model.ts')).href)) as { default?: LocalModel };
  const model = module.default;
  if (typeof model !== 'function') throw new Error(`${dir}/local-model.ts must default-export a LocalModel`);
  return { converse: async ({ modelId, ...body }) => model(body, modelId) };
}

/** The example's event time, which is also the clock its run starts from; NOW without one. */
function timeOf(example: ExampleEvent): string {
  return example.time === undefined ? NOW : new Date(example.time).toISOString();
}

function busEventOf(example: ExampleEvent): BusEvent {
  const { name, expect: _expect, approvals: _approvals, ...event } = example;
  return {
    ...event,
    id: `example-${name}`,
    time: timeOf(example),
    account: '123456789012',
    region: 'us-east-1',
  };
}

/**
 * Decides as the example's `approvals` say, one entry per decision in the
 * order decisions are asked for; a decision beyond them is an approval by the
 * next approver of the directory who may give it (a role it needs, not named
 * in the case, not decided yet: `nextApprover`).
 */
function approverOf(pack: WorkflowPack, example: ExampleEvent, event: BusEvent) {
  const planned = [...(example.approvals ?? [])];
  const excludedApprovers = excludedApproversFor(pack.spec, event);
  return ({ gated, decidedBy }: ApprovalRequestSeen): ApproverDecision => {
    const next = planned.shift() ?? { decision: 'APPROVE' as const };
    if (next === 'no-decision') return next;
    const approverRoles = gated.approval?.roles ?? pack.spec.approvals.approverRoles;
    const distinctRoles = gated.approval?.distinctRoles ?? false;
    const approver =
      next.approver ??
      nextApprover(pack.spec, { approverRoles, excludedApprovers, distinctRoles }, decidedBy) ??
      'nobody';
    return { decision: next.decision, approver, reason: next.reason ?? 'Decided as the example says.' };
  };
}

function executedActions(result: HarnessResult, runId: string): string[] {
  return result.lineage.ofType('action.executed', runId).map((record) => String(record.data.action));
}

/** The refund-triage example that needs an approval, as a bus event, and its run id. */
function approvalCase(): { event: BusEvent; runId: string } {
  const example = loadExampleEvents(refundTriage.dir).find((e) => e.expect.outcome === 'REQUIRE_APPROVAL');
  if (!example) throw new Error('refund-triage has no example that needs an approval');
  const event = busEventOf(example);
  return { event, runId: runIdFor(refundTriage.pack.spec.id, event.id) };
}

const cases: [string, LocatedWorkflowPack, ExampleEvent][] = located.flatMap((pack) =>
  loadExampleEvents(pack.dir).map((example): [string, LocatedWorkflowPack, ExampleEvent] => [
    `${pack.pack.spec.id}/${example.name}`,
    pack,
    example,
  ]),
);

describe('the governed workflow ASL with the real steps', () => {
  it.each(cases)('takes %s to the status its author expects', async (_name, { dir, pack }, example) => {
    const event = busEventOf(example);
    const runId = runIdFor(pack.spec.id, event.id);

    const result = await runGovernedWorkflow(event, {
      pack,
      model: await localModelOf(dir),
      clock: fixedClock(timeOf(example)),
      approver: approverOf(pack, example, event),
    });

    expect(result.stepErrors).toEqual([]);
    expect((await result.runs.getRun(runId))?.status ?? null).toBe(example.expect.status);
    expect(executedActions(result, runId)).toEqual(example.expect.actions);
    const chain = result.lineage.recordsOf(runId);
    expect(verifyChain(chain, { ended: true })).toEqual({ ok: true, problems: [] });
    if (example.expect.outcome === 'REJECT') {
      expect({ status: result.status, error: result.error }).toEqual({
        status: 'FAILED',
        error: 'AWF.EventRejected',
      });
    }
  });

  it('ends a run whose approver rejects as REJECTED, with nothing executed', async () => {
    const { dir, pack } = refundTriage;
    const { event, runId } = approvalCase();

    const result = await runGovernedWorkflow(event, {
      pack,
      model: await localModelOf(dir),
      clock,
      approver: () => ({
        decision: 'REJECT',
        approver: 'bob@acme.example',
        reason: 'Carrier shows delivery.',
      }),
    });

    expect(result.status).toBe('SUCCEEDED');
    expect((await result.runs.getRun(runId))?.status).toBe('REJECTED');
    expect(executedActions(result, runId)).toEqual([]);
    expect(
      result.lineage
        .recordsOf(runId)
        .map((record) => record.type)
        .slice(-2),
    ).toEqual(['approval.decided', 'run.escalated']);
  });

  it('ends a run whose approval nobody decides as ESCALATED, with the approval expired', async () => {
    const { dir, pack } = refundTriage;
    const { event, runId } = approvalCase();

    const result = await runGovernedWorkflow(event, {
      pack,
      model: await localModelOf(dir),
      clock,
      approver: () => 'no-decision',
    });

    expect((await result.runs.getRun(runId))?.status).toBe('ESCALATED');
    expect((await result.runs.listApprovalsOfRun(runId)).map((a) => a.status)).toEqual(['EXPIRED']);
    expect(result.lineage.ofType('run.escalated', runId).map((r) => r.data.reason)).toEqual([
      'APPROVAL_EXPIRED',
    ]);
    expect(executedActions(result, runId)).toEqual([]);
  });

  it('grounds every iteration afresh, so a later proposal is judged on the history earlier ones made', async () => {
    const { pack } = refundTriage;
    // The customer had two refunds this month: one more may run on its own, a fourth needs an approver.
    const runs = new InMemoryRunsStore();
    for (const at of ['2026-11-05T10:00:00.000Z', '2026-11-12T10:00:00.000Z']) {
      await runs.recordHistory(pack.spec.id, await storedKeyOf('cus_9x2b7d'), 'issueRefund', at, {
        amount: 5,
      });
    }
    const refundOf = (amount: number) => ({
      orderId: 'ord_4k8m2p',
      amount,
      currency: 'USD',
      reasonCode: 'damaged',
      rationale: 'the mug and its saucer both arrived broken',
      confidence: 0.95,
    });
    const finish = { name: 'finish', input: { summary: 'Both items refunded.' } };
    const answers: { name: string; input: unknown }[] = [
      { name: 'issueRefund', input: refundOf(30) },
      { name: 'issueRefund', input: refundOf(15.5) },
    ];
    const model: ModelPort = {
      async converse(request): Promise<ConverseResponse> {
        const { iteration } = readPlanningContext(request.messages);
        const answer = answers[iteration] ?? finish;
        return {
          output: {
            message: { role: 'assistant', content: [{ toolUse: { toolUseId: `t${iteration}`, ...answer } }] },
          },
          stopReason: 'tool_use',
          usage: { inputTokens: 100, outputTokens: 20 },
        };
      },
    };
    const event = aRefundRequestedEvent({}, { id: 'evt-two-refunds', time: NOW });
    const runId = runIdFor(pack.spec.id, event.id);

    const result = await runGovernedWorkflow(event, { pack, model, clock, runs });

    expect(result.stepErrors).toEqual([]);
    expect((await runs.getRun(runId))?.status).toBe('COMPLETED');
    expect(
      result.lineage.ofType('policy.evaluated', runId).map((r) => [r.data.iteration, r.data.decision]),
    ).toEqual([
      [0, 'ALLOW'],
      [1, 'REQUIRE_APPROVAL'],
    ]);
    expect(
      result.lineage
        .ofType('context.grounded', runId)
        .map((r) => (r.data.facts as { history: unknown }).history),
    ).toEqual([
      { issueRefund: 2, refundedAmount: 10 },
      { issueRefund: 3, refundedAmount: 40 },
      { issueRefund: 4, refundedAmount: 55.5 },
    ]);
    expect(executedActions(result, runId)).toEqual(['issueRefund', 'issueRefund']);
  });

  it.each([
    ['Request approval', 'ThrottlingException'],
    ['Request approval', 'LineageWriteError'],
    ['Act on actions', 'ThrottlingException'],
    ['Gate proposals', 'LineageWriteError'],
  ])('retries %s after a transient %s and completes the run', async (state, name) => {
    const { dir, pack } = refundTriage;
    const { event, runId } = approvalCase();

    const result = await runGovernedWorkflow(event, {
      pack,
      model: await localModelOf(dir),
      clock,
      faults: [{ state, name, times: 1 }],
    });

    expect(result.stepErrors.map((e) => [e.state, e.name])).toEqual([[state, name]]);
    expect((await result.runs.getRun(runId))?.status).toBe('COMPLETED');
    expect(executedActions(result, runId)).toEqual(['issueRefund']);
  });

  describe('escalation paths', () => {
    const { pack } = refundTriage;
    /** A model that answers every request with the same tool call. */
    const always = (name: string, input: unknown): ModelPort => ({
      async converse(): Promise<ConverseResponse> {
        return {
          output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name, input } }] } },
          stopReason: 'tool_use',
          usage: { inputTokens: 10, outputTokens: 5 },
        };
      },
    });
    const escalationOf = async (result: HarnessResult, runId: string) => ({
      status: (await result.runs.getRun(runId))?.status,
      reasons: result.lineage.ofType('run.escalated', runId).map((r) => r.data.reason),
      verified: verifyChain(result.lineage.recordsOf(runId), { ended: true }).ok,
    });

    it('escalates invalid model output once the repairs are spent', async () => {
      const event = aRefundRequestedEvent({}, { id: 'evt-invalid-output', time: NOW });
      const runId = runIdFor(pack.spec.id, event.id);

      const result = await runGovernedWorkflow(event, {
        pack,
        model: always('wireMoney', { amount: 1 }),
        clock,
      });

      expect(result.stepErrors).toEqual([]);
      expect(await escalationOf(result, runId)).toEqual({
        status: 'ESCALATED',
        reasons: ['INVALID_MODEL_OUTPUT'],
        verified: true,
      });
      expect(result.lineage.ofType('model.invoked', runId)).toHaveLength(pack.spec.agent.maxRepairs + 1);
    });

    it('escalates a run that keeps proposing until the iteration bound, running its one intent once', async () => {
      const event = aRefundRequestedEvent({}, { id: 'evt-endless', time: NOW });
      const runId = runIdFor(pack.spec.id, event.id);
      const model = always('requestMoreInformation', {
        orderId: 'ord_4k8m2p',
        questions: ['Which item arrived broken?'],
        rationale: 'The case is unclear.',
        confidence: 0.9,
      });

      const result = await runGovernedWorkflow(event, { pack, model, clock });

      expect(result.stepErrors).toEqual([]);
      expect(await escalationOf(result, runId)).toEqual({
        status: 'ESCALATED',
        reasons: ['MAX_ITERATIONS'],
        verified: true,
      });
      // The same action with the same input, proposed in every iteration, has one effect.
      expect(result.lineage.ofType('actions.proposed', runId)).toHaveLength(pack.spec.agent.maxIterations);
      expect(executedActions(result, runId)).toEqual(['requestMoreInformation']);
      expect(result.events.events.filter((e) => e.detailType !== 'WorkflowEscalated')).toHaveLength(1);
    });

    it('records a step that keeps failing as FAILED and fails the execution', async () => {
      const event = aRefundRequestedEvent({}, { id: 'evt-broken-gate', time: NOW });
      const runId = runIdFor(pack.spec.id, event.id);

      const result = await runGovernedWorkflow(event, {
        pack,
        model: await localModelOf(refundTriage.dir),
        clock,
        faults: [{ state: 'Gate proposals', name: 'TypeError', times: 1 }],
      });

      expect({ status: result.status, error: result.error }).toEqual({
        status: 'FAILED',
        error: 'AWF.RunFailed',
      });
      expect(await escalationOf(result, runId)).toEqual({
        status: 'FAILED',
        reasons: ['STEP_FAILED'],
        verified: true,
      });
    });
  });
});
