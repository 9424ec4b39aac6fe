/**
 * The state machine carries Plan's MODEL_UNAVAILABLE and BUDGET_EXCEEDED to
 * Escalate: the run ends ESCALATED with the reason, its detail (the fix, the
 * spent figures) in `run.escalated` and the WorkflowEscalated event, and a
 * verifiable chain.
 */
import { runIdFor } from '../../core/ids.js';
import { verifyChain } from '../../core/lineage/verify.js';
import type { ConverseResponse, ModelPort } from '../../core/model/model.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import type { WorkflowSpec } from '../../core/workflow/spec.js';
import { discoverWorkflowPacks } from '../../workflows/discover.js';
import { aRefundRequestedEvent } from '../support/event-builders.js';
import { fixedClock, namedError } from '../support/in-memory-stores.js';
import { packById, REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { runGovernedWorkflow } from './support/governed-workflow-harness.js';

const NOW = '2026-11-20T12:00:00.000Z';
const clock = fixedClock(NOW);
const reference = packById(await discoverWorkflowPacks(), REFERENCE_WORKFLOW_ID).pack;

function packWith(agent: Partial<WorkflowSpec['agent']>): WorkflowPack {
  return { ...reference, spec: { ...reference.spec, agent: { ...reference.spec.agent, ...agent } } };
}

/** A model that keeps asking for more information, using 600 tokens per call. */
const asksForMore: ModelPort = {
  async converse(): Promise<ConverseResponse> {
    const input = {
      orderId: 'ord_4k8m2p',
      questions: ['Which item arrived broken?'],
      rationale: 'The case is unclear.',
      confidence: 0.9,
    };
    return {
      output: {
        message: {
          role: 'assistant',
          content: [{ toolUse: { toolUseId: 't', name: 'requestMoreInformation', input } }],
        },
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 500, outputTokens: 100 },
    };
  },
};

describe('model escalations through the state machine', () => {
  it('escalates MODEL_UNAVAILABLE when no model answers, with each model and the fix in the record and event', async () => {
    const pack = packWith({ fallbackModels: ['amazon.nova-pro-v1:0'] });
    const asked: string[] = [];
    const gone: ModelPort = {
      async converse({ modelId }) {
        asked.push(modelId);
        throw namedError('ResourceNotFoundException', 'This model version has reached the end of its life.');
      },
    };
    const event = aRefundRequestedEvent({}, { id: 'evt-model-gone', time: NOW });
    const runId = runIdFor(pack.spec.id, event.id);

    const result = await runGovernedWorkflow(event, { pack, model: gone, clock });

    expect(result.stepErrors).toEqual([]);
    expect(asked).toEqual([pack.spec.agent.modelId, 'amazon.nova-pro-v1:0']);
    expect((await result.runs.getRun(runId))?.status).toBe('ESCALATED');
    const [escalated] = result.lineage.ofType('run.escalated', runId);
    expect(escalated?.data).toMatchObject({
      reason: 'MODEL_UNAVAILABLE',
      detail: {
        tried: [
          { modelId: pack.spec.agent.modelId, kind: 'end-of-life' },
          { modelId: 'amazon.nova-pro-v1:0', kind: 'end-of-life' },
        ],
        fix: expect.stringContaining('choose an Active model'),
      },
    });
    const published = result.events.events.find((e) => e.detailType === 'WorkflowEscalated');
    expect(published?.detail).toMatchObject({ reason: 'MODEL_UNAVAILABLE', detail: escalated?.data.detail });
    expect(verifyChain(result.lineage.recordsOf(runId), { ended: true }).ok).toBe(true);
  });

  it('escalates BUDGET_EXCEEDED in the iteration whose call would pass the budget, with the spent figures', async () => {
    // 600 tokens per call: the first iteration spends 600, the second 1200; the third call is not made.
    const pack = packWith({ budget: { maxTokens: 1200 } });
    const event = aRefundRequestedEvent({}, { id: 'evt-over-budget', time: NOW });
    const runId = runIdFor(pack.spec.id, event.id);

    const result = await runGovernedWorkflow(event, { pack, model: asksForMore, clock });

    expect(result.stepErrors).toEqual([]);
    expect((await result.runs.getRun(runId))?.status).toBe('ESCALATED');
    expect(result.lineage.ofType('model.invoked', runId)).toHaveLength(2);
    expect(result.lineage.ofType('run.escalated', runId).map((r) => r.data)).toEqual([
      expect.objectContaining({
        reason: 'BUDGET_EXCEEDED',
        detail: {
          iteration: 2,
          // Haiku 4.5: 500 input tokens at 1 USD and 100 output tokens at 5 USD per million, twice.
          spent: { calls: 2, tokens: 1200, usd: 0.002 },
          budget: { maxTokens: 1200 },
          exceeded: ['maxTokens'],
        },
      }),
    ]);
    expect(verifyChain(result.lineage.recordsOf(runId), { ended: true }).ok).toBe(true);
  });
});
