import type { RunRecord } from '../../../core/runs/records.js';
import { planStep } from '../../../core/steps/plan/plan.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { fixedClock, InMemoryLineageStore, InMemoryRunsStore } from '../../support/in-memory-stores.js';
import { buildStep } from '../../support/step-builders.js';
import {
  answer,
  aRunRecord,
  loadRefundTriagePack,
  NOW,
  refundCall,
  runRefOf,
  ScriptedModel,
} from '../agent/fixtures.js';

let pack: WorkflowPack;
beforeAll(async () => {
  pack = await loadRefundTriagePack();
});

/** The usage `model.invoked` records for one call answered with `usage`. */
async function recordedUsage(usage: Record<string, number>) {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const run: RunRecord = aRunRecord(pack.spec);
  await runs.createRun(run);
  const model = new ScriptedModel({
    ...answer([refundCall()]),
    usage: { inputTokens: 0, outputTokens: 0, ...usage },
  });
  const plan = buildStep(planStep, pack, { model, runs, lineage, clock: fixedClock(NOW) });
  await plan({ run: runRefOf(run), iteration: 0, facts: { history: { issueRefund: 0 } } });
  return lineage.recordsOf(run.runId).find((record) => record.type === 'model.invoked')?.usage;
}

describe('plan step usage with the prompt cache', () => {
  it('records the cache tokens Bedrock reports and prices them into costUsd', async () => {
    // Claude Haiku 4.5: 90 in x $1 + 200 out x $5 + 4,200 read x $0.10, per million.
    expect(await recordedUsage({ inputTokens: 90, outputTokens: 200, cacheReadInputTokens: 4200 })).toEqual({
      inputTokens: 90,
      outputTokens: 200,
      cacheReadInputTokens: 4200,
      latencyMs: 420,
      costUsd: 0.00151,
    });
    // 90 x $1 + 200 x $5 + 4,200 written x $1.25.
    expect(
      await recordedUsage({
        inputTokens: 90,
        outputTokens: 200,
        cacheReadInputTokens: 0,
        cacheWriteInputTokens: 4200,
      }),
    ).toEqual({
      inputTokens: 90,
      outputTokens: 200,
      cacheWriteInputTokens: 4200,
      latencyMs: 420,
      costUsd: 0.00634,
    });
  });

  it('records no cache fields for a call without caching', async () => {
    const usage = await recordedUsage({ inputTokens: 1000, outputTokens: 200 });
    expect(usage).not.toHaveProperty('cacheReadInputTokens');
    expect(usage).not.toHaveProperty('cacheWriteInputTokens');
  });
});
