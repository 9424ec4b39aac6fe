import { jest } from '@jest/globals';
import { asRunUsage } from '../../../core/cost/recorded-cost.js';
import { runCost } from '../../../core/cost/run-cost.js';
import { runUsageOf } from '../../../core/cost/run-usage.js';
import { appendLineage } from '../../../core/lineage/chain.js';
import type { LineageUsage } from '../../../core/lineage/record.js';
import { verifyChain } from '../../../core/lineage/verify.js';
import type { EventPublisher } from '../../../core/ports.js';
import { completeStep } from '../../../core/steps/complete/complete.js';
import type { PlanResult } from '../../../core/steps/contracts.js';
import { type CompleteInput, completeInputSchema } from '../../../core/steps/contracts.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';
import {
  fixedClock,
  InMemoryLineageStore,
  InMemoryRunsStore,
  namedError,
  RecordingEventPublisher,
} from '../../support/in-memory-stores.js';
import { aLineageDraft, aRecordData } from '../../support/lineage-builders.js';
import { aProposal, aRunRecord, aRunRef } from '../../support/run-builders.js';
import { buildStep, type TestPorts } from '../../support/step-builders.js';

function complete(
  input: CompleteInput,
  { publisher, ...ports }: TestPorts & { readonly publisher: EventPublisher },
) {
  return buildStep(
    completeStep,
    { spec: refundTriage, prompt: '', policies: '' },
    { ...ports, events: publisher },
  )(input);
}

const finished: PlanResult = { outcome: 'FINISHED', summary: 'Refunded 45.50 USD for the damaged mug.' };
// Run started at 14:21:00; completing at 14:30:00 is 9 minutes of cycle time.
const clock = fixedClock('2026-11-02T14:30:00.000Z');

async function setup() {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const publisher = new RecordingEventPublisher();
  const run = aRunRef();
  await runs.createRun(aRunRecord(run));
  await appendLineage(lineage, clock, run.runId, aLineageDraft({ type: 'run.started' }));
  return { runs, lineage, publisher, run, deps: { runs, lineage, publisher, clock } };
}

describe('complete', () => {
  it('sets the run COMPLETED with its cycle time and the agent summary', async () => {
    const { runs, run, deps } = await setup();
    expect(await complete({ run, plan: finished }, deps)).toEqual({ runId: run.runId, status: 'COMPLETED' });
    expect(await runs.getRun(run.runId)).toMatchObject({
      status: 'COMPLETED',
      endedAt: '2026-11-02T14:30:00.000Z',
      updatedAt: '2026-11-02T14:30:00.000Z',
      cycleTimeMs: 540_000,
      outcome: { summary: 'Refunded 45.50 USD for the damaged mug.' },
    });
  });

  it('publishes WorkflowCompleted from awf.<workflow id>', async () => {
    const { publisher, run, deps } = await setup();
    await complete({ run, plan: finished }, deps);
    expect(publisher.events).toEqual([
      {
        source: 'awf.refund-triage',
        detailType: 'WorkflowCompleted',
        detail: {
          runId: run.runId,
          workflowId: 'refund-triage',
          entityId: 'ord_4k8m2p',
          status: 'COMPLETED',
          summary: 'Refunded 45.50 USD for the damaged mug.',
        },
      },
    ]);
  });

  it('closes the lineage chain with run.completed, and the ended chain verifies', async () => {
    const { lineage, run, deps } = await setup();
    await complete({ run, plan: finished }, deps);
    const chain = lineage.recordsOf(run.runId);
    expect(chain[chain.length - 1]).toMatchObject({
      type: 'run.completed',
      actor: 'awf:complete',
      data: { status: 'COMPLETED', cycleTimeMs: 540_000, shadow: false, eventId: 'evt-1' },
    });
    expect(verifyChain(chain, { ended: true })).toEqual({ ok: true, problems: [] });
  });

  it('reads the chain once (its end, what ran, who approved) and appends run.completed on it', async () => {
    const { lineage, runs, run, deps } = await setup();
    const chain = jest.spyOn(lineage, 'chain');
    const approvals = jest.spyOn(runs, 'listApprovalsOfRun');
    await complete({ run, plan: finished }, deps);
    expect(chain).toHaveBeenCalledTimes(1);
    expect(approvals).not.toHaveBeenCalled();
    expect(lineage.recordsOf(run.runId).map((record) => record.type)).toEqual([
      'run.started',
      'run.completed',
    ]);
  });

  it('notes a shadow run when every proposal was only recorded', async () => {
    const { lineage, run, deps } = await setup();
    const plan: PlanResult = {
      outcome: 'PROPOSED',
      proposals: [aProposal(), aProposal({ proposalId: 'prop-2' })],
    };
    await complete({ run, plan }, deps);
    expect(lineage.ofType('run.completed')[0]?.data).toMatchObject({
      summary: 'shadow mode: 2 proposal(s) (issueRefund) recorded as "would", none executed',
      shadow: true,
    });
  });

  it("keeps the agent's summary when it finished with proposals that all executed", async () => {
    const { lineage, run, deps } = await setup();
    const proposals = [aProposal(), aProposal({ proposalId: 'prop-2' })];
    for (const { proposalId } of proposals) {
      await appendLineage(
        lineage,
        clock,
        run.runId,
        aLineageDraft({ type: 'action.executed', data: aRecordData('action.executed', { proposalId }) }),
      );
    }
    const plan: PlanResult = { outcome: 'PROPOSED', proposals, finish: { summary: 'Both refunds issued.' } };
    await complete({ run, plan }, deps);
    expect(lineage.ofType('run.completed')[0]?.data).toMatchObject({
      summary: 'Both refunds issued.',
      shadow: false,
    });
  });

  it('notes a shadow run, not the finish, when a finishing plan reached Complete with its proposals only recorded', async () => {
    const { lineage, run, deps } = await setup();
    const plan: PlanResult = {
      outcome: 'PROPOSED',
      proposals: [aProposal()],
      finish: { summary: 'Refund issued.' },
    };
    await complete({ run, plan }, deps);
    expect(lineage.ofType('run.completed')[0]?.data).toMatchObject({
      summary: 'shadow mode: 1 proposal(s) (issueRefund) recorded as "would", none executed',
      shadow: true,
    });
  });

  it('publishes and records once when called again after it succeeded', async () => {
    const { runs, lineage, publisher, run, deps } = await setup();
    await complete({ run, plan: finished }, deps);
    const again = await complete(
      { run, plan: finished },
      { ...deps, clock: fixedClock('2026-11-02T14:31:00.000Z') },
    );
    expect(again).toEqual({ runId: run.runId, status: 'COMPLETED' });
    expect(publisher.events).toHaveLength(1);
    expect(lineage.ofType('run.completed')).toHaveLength(1);
    expect((await runs.getRun(run.runId))?.cycleTimeMs).toBe(540_000);
  });

  it('on retry after the record landed but not the status, sets the recorded status without publishing', async () => {
    const { runs, lineage, publisher, run, deps } = await setup();
    const failingStatus = {
      ...deps,
      runs: Object.assign(Object.create(runs) as InMemoryRunsStore, {
        setRunStatus: async () => {
          throw namedError('ProvisionedThroughputExceededException');
        },
      }),
    };
    await expect(complete({ run, plan: finished }, failingStatus)).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
    expect((await runs.getRun(run.runId))?.status).toBe('RUNNING');

    await complete({ run, plan: finished }, { ...deps, clock: fixedClock('2026-11-02T14:35:00.000Z') });
    expect(publisher.events).toHaveLength(1);
    expect(lineage.ofType('run.completed')).toHaveLength(1);
    expect(await runs.getRun(run.runId)).toMatchObject({ status: 'COMPLETED', cycleTimeMs: 540_000 });
  });

  it('fails without recording or changing the status when the event cannot be published', async () => {
    const { runs, lineage, publisher, run, deps } = await setup();
    publisher.failNextWith(namedError('EventPublishError', 'event bus refused 1 event(s)'));
    await expect(complete({ run, plan: finished }, deps)).rejects.toMatchObject({
      name: 'EventPublishError',
    });
    expect(lineage.ofType('run.completed')).toEqual([]);
    expect((await runs.getRun(run.runId))?.status).toBe('RUNNING');
  });

  it('fails without publishing or recording when the chain shows the run was escalated', async () => {
    const { runs, lineage, publisher, run, deps } = await setup();
    await appendLineage(
      lineage,
      clock,
      run.runId,
      aLineageDraft({
        type: 'run.escalated',
        data: aRecordData('run.escalated', { status: 'REJECTED', reason: 'APPROVAL_REJECTED' }),
      }),
    );
    await runs.setRunStatus(run.runId, { status: 'REJECTED', at: '2026-11-02T14:29:00.000Z' });

    await expect(complete({ run, plan: finished }, deps)).rejects.toThrow(
      `run ${run.runId} already ended as REJECTED; it cannot also complete`,
    );
    expect(publisher.events).toEqual([]);
    expect((await lineage.head(run.runId))?.type).toBe('run.escalated');
    expect((await runs.getRun(run.runId))?.status).toBe('REJECTED');
  });

  it('fails naming the run when it has no lineage, so was never admitted', async () => {
    const { publisher, deps } = await setup();
    await expect(complete({ run: aRunRef({ runId: 'run-missing' }), plan: finished }, deps)).rejects.toThrow(
      'run run-missing was never admitted: its lineage holds no run.started',
    );
    expect(publisher.events).toEqual([]);
  });

  it('fails without publishing or recording for the chain of an event Admit rejected', async () => {
    const { lineage, publisher, deps } = await setup();
    const rejected = aRunRef({ runId: 'run-rejected' });
    await appendLineage(
      lineage,
      clock,
      rejected.runId,
      aLineageDraft({ type: 'event.rejected', actor: 'awf:admit' }),
    );

    await expect(complete({ run: rejected, plan: finished }, deps)).rejects.toThrow(
      'run run-rejected was never admitted: its lineage holds no run.started',
    );
    expect(publisher.events).toEqual([]);
    expect((await lineage.chain(rejected.runId)).map((r) => r.type)).toEqual(['event.rejected']);
  });

  it('reads the run item once, only to keep its event without personal data: the chain tells how the run stands', async () => {
    const { runs, run, deps } = await setup();
    const getRun = jest.spyOn(runs, 'getRun');

    await complete({ run, plan: finished }, deps);

    expect(getRun).toHaveBeenCalledTimes(1);
    const stored = JSON.stringify((await runs.getRun(run.runId))?.event);
    expect(stored).not.toMatch(/@example\.com/);
  });
});

/** A model call of iteration 0, as Plan records it. */
function aModelCall(modelId: string, usage: LineageUsage, attempt = 0) {
  return aLineageDraft({
    type: 'model.invoked',
    actor: `model:${modelId}`,
    versions: { workflowVersion: '1.0.0', modelId },
    data: aRecordData('model.invoked', { attempt }),
    usage,
  });
}

describe("complete's cost", () => {
  const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

  /** A run grounded once whose model answered twice (a repair), the second time finishing. */
  async function twoCallRun(modelId: string) {
    const ready = await setup();
    const { lineage, run } = ready;
    const drafts = [
      aLineageDraft({ type: 'context.grounded' }),
      aModelCall(modelId, { inputTokens: 1000, outputTokens: 200, latencyMs: 400 }),
      aModelCall(modelId, { inputTokens: 2500, outputTokens: 300, cacheReadInputTokens: 400 }, 1),
      aLineageDraft({
        type: 'actions.proposed',
        data: aRecordData('actions.proposed', { outcome: 'FINISHED', summary: 'Refunded.' }),
      }),
    ];
    for (const draft of drafts) await appendLineage(lineage, clock, run.runId, draft);
    return { ...ready, before: lineage.recordsOf(run.runId) };
  }

  it('records what the run used, counted from its chain, with its USD at list prices; two calls are summed', async () => {
    const { lineage, run, deps, before } = await twoCallRun(HAIKU);
    await complete({ run, plan: finished }, deps);

    const usage = runUsageOf(before, { kind: 'completed' });
    // Admit event, Admitted?, Ground context, Plan actions, Plan outcome, Complete run, Run completed.
    expect(usage).toEqual({
      stateTransitions: 7,
      lambdaInvocations: 4,
      tokens: { [HAIKU]: { input: 3500, output: 500, cacheRead: 400, cacheWrite: 0 } },
    });
    const priced = runCost(asRunUsage(usage));
    expect(lineage.ofType('run.completed')[0]?.data.cost).toEqual({
      usage,
      // To 10 decimal places, as recorded: 0.000175 = transitions at $0.025 per 1,000; 8e-7 = invocations at $0.20 per million.
      usd: { tokens: 0.00604, stepFunctions: 0.000175, lambdaRequests: 8e-7, total: 0.0062158 },
    });
    // By hand: 3,500 input at $1, 500 output at $5 and 400 cache reads at $0.10 per million tokens.
    expect(priced.tokensUsd).toBeCloseTo(0.00604, 10);
  });

  it('records the usage without USD, saying why, when a model has no price: the run still completes', async () => {
    const { lineage, runs, run, deps } = await twoCallRun('acme.house-model-v1');
    await complete({ run, plan: finished }, deps);
    const cost = lineage.ofType('run.completed')[0]?.data.cost as Record<string, unknown>;
    expect(cost).not.toHaveProperty('usd');
    expect(cost.unpriced).toMatch(/tokens\["acme\.house-model-v1"\]: no price for this model/);
    expect((await runs.getRun(run.runId))?.status).toBe('COMPLETED');
  });
});

describe('completeInputSchema', () => {
  it('fails a plan with an unknown outcome, naming the field', () => {
    const parsed = completeInputSchema.safeParse({ run: aRunRef(), plan: { outcome: 'MAYBE' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['plan', 'outcome']);
  });
});
