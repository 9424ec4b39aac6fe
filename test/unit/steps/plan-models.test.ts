/**
 * Plan and the models it may call: fallbacks in order when a model is
 * unavailable, MODEL_UNAVAILABLE with the fix when none answers, and the
 * run's budget checked before every call.
 */
import { appendLineage } from '../../../core/lineage/chain.js';
import { costUsd } from '../../../core/model/pricing.js';
import type { RunRecord } from '../../../core/runs/records.js';
import { planStep } from '../../../core/steps/plan/plan.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import {
  fixedClock,
  InMemoryLineageStore,
  InMemoryRunsStore,
  namedError,
} from '../../support/in-memory-stores.js';
import { aLineageDraft, aRecordData } from '../../support/lineage-builders.js';
import { buildStep } from '../../support/step-builders.js';
import {
  answer,
  aRunRecord,
  loadRefundTriagePack,
  NOW,
  refundCall,
  runRefOf,
  ScriptedModel,
  toolUse,
} from '../agent/fixtures.js';

const PRIMARY = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const FIRST_FALLBACK = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SECOND_FALLBACK = 'amazon.nova-pro-v1:0';

const endOfLife = () =>
  namedError('ResourceNotFoundException', 'This model version has reached the end of its life.');
const accessDenied = () =>
  namedError('AccessDeniedException', "You don't have access to the model with the specified model ID.");
const unknownModel = () => namedError('ValidationException', 'The provided model identifier is invalid.');
const wrongTool = answer([toolUse('wireMoney', { amount: 5, rationale: 'Fast.', confidence: 1 }, 'tu-1')]);

let reference: WorkflowPack;
beforeAll(async () => {
  reference = await loadRefundTriagePack();
});

/** The reference pack with these agent settings. */
function packWith(agent: Partial<WorkflowSpec['agent']>): WorkflowPack {
  return { ...reference, spec: { ...reference.spec, agent: { ...reference.spec.agent, ...agent } } };
}

async function setUp(pack: WorkflowPack, ...script: ConstructorParameters<typeof ScriptedModel>) {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const model = new ScriptedModel(...script);
  const run: RunRecord = aRunRecord(pack.spec);
  await runs.createRun(run);
  const plan = buildStep(planStep, pack, { model, runs, lineage, clock: fixedClock(NOW) });
  const input = { run: runRefOf(run), iteration: 0, facts: { history: { issueRefund: 0 } } };
  return { lineage, model, run, plan, input };
}

const withFallbacks = () => packWith({ fallbackModels: [FIRST_FALLBACK, SECOND_FALLBACK] });

describe('plan step: fallback models', () => {
  it('asks the fallbacks in order after an unavailable model, and the first that answers gives the plan', async () => {
    const { plan, input, model } = await setUp(withFallbacks(), endOfLife(), answer([refundCall()]));

    const result = await plan(input);

    expect(result.outcome).toBe('PROPOSED');
    expect(model.requests.map((r) => r.modelId)).toEqual([PRIMARY, FIRST_FALLBACK]);
  });

  it('records which model answered in the model call and the proposal, priced as that model', async () => {
    const { plan, input, lineage, run } = await setUp(
      withFallbacks(),
      accessDenied(),
      unknownModel(),
      answer([refundCall()]),
    );

    await plan(input);

    const records = lineage.recordsOf(run.runId);
    expect(records.map((r) => [r.type, r.actor, r.versions.modelId])).toEqual([
      ['model.invoked', `model:${SECOND_FALLBACK}`, SECOND_FALLBACK],
      ['actions.proposed', `model:${SECOND_FALLBACK}`, SECOND_FALLBACK],
    ]);
    expect(records[0]?.usage?.costUsd).toBe(
      costUsd(SECOND_FALLBACK, { inputTokens: 1000, outputTokens: 200 }),
    );
  });

  it('sends repairs to the model that answered, never back to the unavailable one', async () => {
    const { plan, input, model } = await setUp(
      withFallbacks(),
      endOfLife(),
      wrongTool,
      answer([refundCall()]),
    );

    await plan(input);

    expect(model.requests.map((r) => r.modelId)).toEqual([PRIMARY, FIRST_FALLBACK, FIRST_FALLBACK]);
  });

  it('returns MODEL_UNAVAILABLE naming every model tried, its answer and the fix, and records nothing', async () => {
    const { plan, input, lineage, run } = await setUp(
      withFallbacks(),
      endOfLife(),
      accessDenied(),
      unknownModel(),
    );

    const result = await plan(input);

    expect(result).toEqual({
      outcome: 'MODEL_UNAVAILABLE',
      detail: {
        iteration: 0,
        tried: [
          {
            modelId: PRIMARY,
            kind: 'end-of-life',
            answer: 'This model version has reached the end of its life.',
            fix: expect.stringMatching(
              /^the model reached its end of life on Bedrock: choose an Active model/,
            ),
          },
          {
            modelId: FIRST_FALLBACK,
            kind: 'access-denied',
            answer: expect.any(String),
            fix: expect.any(String),
          },
          {
            modelId: SECOND_FALLBACK,
            kind: 'unknown-model',
            answer: expect.any(String),
            fix: expect.any(String),
          },
        ],
        fix: expect.stringContaining('; also: '),
      },
    });
    expect(lineage.recordsOf(run.runId)).toEqual([]);
  });

  it('returns MODEL_UNAVAILABLE at once for a model without fallbacks (the default)', async () => {
    const { plan, input, model } = await setUp(reference, endOfLife(), answer([refundCall()]));

    const result = await plan(input);

    expect(reference.spec.agent.fallbackModels).toEqual([]);
    expect(result.outcome).toBe('MODEL_UNAVAILABLE');
    expect(model.requests).toHaveLength(1);
  });

  it('lets throttling through without trying a fallback: the state machine retries the same model', async () => {
    const { plan, input, model } = await setUp(
      withFallbacks(),
      namedError('ThrottlingException', 'Rate exceeded'),
      answer([refundCall()]),
    );

    await expect(plan(input)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(model.requests.map((r) => r.modelId)).toEqual([PRIMARY]);
  });
});

describe('plan step: budget', () => {
  /** Records a model call of an earlier iteration that consumed `inputTokens` + `outputTokens`. */
  async function spent(lineage: InMemoryLineageStore, run: RunRecord, usage: Record<string, number>) {
    await appendLineage(
      lineage,
      fixedClock(NOW),
      run.runId,
      aLineageDraft({
        type: 'model.invoked',
        actor: `model:${PRIMARY}`,
        data: aRecordData('model.invoked', {}),
        usage: { inputTokens: 0, outputTokens: 0, ...usage },
      }),
    );
  }

  it('escalates BUDGET_EXCEEDED before calling the model when the run has spent its tokens, with the figures', async () => {
    const { plan, input, lineage, run, model } = await setUp(
      packWith({ budget: { maxTokens: 5000 } }),
      answer([refundCall()]),
    );
    await spent(lineage, run, { inputTokens: 4000, outputTokens: 1200, costUsd: 0.01 });

    const result = await plan({ ...input, iteration: 1 });

    expect(result).toEqual({
      outcome: 'BUDGET_EXCEEDED',
      detail: {
        iteration: 1,
        spent: { calls: 1, tokens: 5200, usd: 0.01 },
        budget: { maxTokens: 5000 },
        exceeded: ['maxTokens'],
      },
    });
    expect(model.requests).toHaveLength(0);
  });

  it('escalates once the spend in USD reaches maxUsd', async () => {
    const { plan, input, lineage, run, model } = await setUp(
      packWith({ budget: { maxTokens: 1_000_000, maxUsd: 0.02 } }),
      answer([refundCall()]),
    );
    await spent(lineage, run, { inputTokens: 10, outputTokens: 10, costUsd: 0.015 });
    await spent(lineage, run, { inputTokens: 10, outputTokens: 10, costUsd: 0.005 });

    const result = await plan({ ...input, iteration: 2 });

    expect(result).toMatchObject({
      outcome: 'BUDGET_EXCEEDED',
      detail: { spent: { calls: 2, tokens: 40, usd: 0.02 }, exceeded: ['maxUsd'] },
    });
    expect(model.requests).toHaveLength(0);
  });

  it('counts the calls of this round too: a repair is not sent once they used up the budget', async () => {
    // Each scripted answer uses 1200 tokens; the second call would start at 1200 >= 1000.
    const { plan, input, model, lineage, run } = await setUp(
      packWith({ budget: { maxTokens: 1000 } }),
      wrongTool,
      answer([refundCall()]),
    );

    const result = await plan(input);

    expect(result).toMatchObject({
      outcome: 'BUDGET_EXCEEDED',
      detail: { spent: { calls: 1, tokens: 1200 }, exceeded: ['maxTokens'] },
    });
    expect(model.requests).toHaveLength(1);
    expect(lineage.ofType('model.invoked', run.runId)).toHaveLength(1);
  });

  it('calls the model while the run is under its budget', async () => {
    const { plan, input, lineage, run } = await setUp(
      packWith({ budget: { maxTokens: 5000, maxUsd: 1 } }),
      answer([refundCall()]),
    );
    await spent(lineage, run, { inputTokens: 100, outputTokens: 100, costUsd: 0.001 });

    expect((await plan({ ...input, iteration: 1 })).outcome).toBe('PROPOSED');
  });
});
