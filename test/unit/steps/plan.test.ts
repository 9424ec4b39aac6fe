import { jest } from '@jest/globals';
import { proposalIdFor } from '../../../core/ids.js';
import { appendFirstLineage, appendLineage } from '../../../core/lineage/chain.js';
import { verifyChain } from '../../../core/lineage/verify.js';
import { costUsd } from '../../../core/model/pricing.js';
import type { RunRecord } from '../../../core/runs/records.js';
import { planStep } from '../../../core/steps/plan/plan.js';
import { readPlanningContext } from '../../../core/steps/plan/prompt.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
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

let pack: WorkflowPack;
beforeAll(async () => {
  pack = await loadRefundTriagePack();
});

async function setUp(...script: ConstructorParameters<typeof ScriptedModel>) {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const model = new ScriptedModel(...script);
  const run: RunRecord = aRunRecord(pack.spec);
  await runs.createRun(run);
  const plan = buildStep(planStep, pack, { model, runs, lineage, clock: fixedClock(NOW) });
  const input = { run: runRefOf(run), iteration: 0, facts: { history: { issueRefund: 0 } } };
  return { runs, lineage, model, run, plan, input };
}

/** Appends `action.executed` as Act records it, after the run's existing records. */
async function recordExecution(lineage: InMemoryLineageStore, run: RunRecord, data: Record<string, unknown>) {
  await appendLineage(
    lineage,
    fixedClock(NOW),
    run.runId,
    aLineageDraft({ type: 'action.executed', actor: 'awf:act', data: aRecordData('action.executed', data) }),
  );
}

const wrongTool = answer([toolUse('wireMoney', { amount: 5000, rationale: 'Fast.', confidence: 1 }, 'tu-1')]);

describe('plan step', () => {
  it('proposes the valid actions with deterministic ids', async () => {
    const { plan, input, run } = await setUp(answer([refundCall()]));

    const result = await plan(input);

    const expectedInput = { orderId: 'ord_4k8m2p', amount: 45.5, currency: 'USD', reasonCode: 'damaged' };
    expect(result).toEqual({
      outcome: 'PROPOSED',
      proposals: [
        {
          proposalId: proposalIdFor(run.runId, 0, 0, 'issueRefund', expectedInput),
          action: 'issueRefund',
          input: expectedInput,
          rationale: 'The item arrived damaged, which the refund policy covers.',
          confidence: 0.9,
        },
      ],
    });
  });

  it('records the model call with versions, usage and cost, then the proposals', async () => {
    const { plan, input, run, lineage } = await setUp(answer([refundCall()]));

    const result = await plan(input);

    const records = lineage.recordsOf(run.runId);
    expect(records.map((r) => r.type)).toEqual(['model.invoked', 'actions.proposed']);
    const [invoked, proposed] = records;
    expect(invoked).toMatchObject({
      actor: 'model:us.anthropic.claude-haiku-4-5-20251001-v1:0',
      workflowId: 'refund-triage',
      entityId: 'ord_4k8m2p',
      versions: { workflowVersion: '1.0.0', modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0' },
      usage: {
        inputTokens: 1000,
        outputTokens: 200,
        latencyMs: 420,
        costUsd: costUsd('anthropic.claude-haiku-4-5-20251001-v1:0', {
          inputTokens: 1000,
          outputTokens: 200,
        }),
      },
      data: { iteration: 0, attempt: 0, problems: [] },
    });
    expect(invoked?.versions.promptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(proposed?.data).toEqual({
      iteration: 0,
      outcome: 'PROPOSED',
      proposals: result.outcome === 'PROPOSED' ? result.proposals : [],
    });
    expect(verifyChain(records).ok).toBe(true);
  });

  it('gives the model the redacted detail, the facts and the observations, never PII', async () => {
    const { plan, input, run, lineage, model } = await setUp(
      answer([toolUse('finish', { summary: 'Done.' })]),
    );
    const observation = {
      proposalId: 'prop-1',
      action: 'issueRefund',
      status: 'EXECUTED' as const,
      result: { eventId: 'evt-1' },
    };
    await recordExecution(lineage, run, {
      proposalId: 'prop-1',
      action: 'issueRefund',
      result: { eventId: 'evt-1' },
    });

    await plan({ ...input, iteration: 1 });

    const [request] = model.requests;
    const context = readPlanningContext(request?.messages ?? []);
    expect(context).toMatchObject({
      workflowId: 'refund-triage',
      entityId: 'ord_4k8m2p',
      iteration: 1,
      requestedAt: NOW,
      facts: { history: { issueRefund: 0 } },
      observations: [observation],
    });
    expect(context.event.customerEmail).toBe('[REDACTED:pii]');
    expect(JSON.stringify(request)).not.toContain('jordan.lee@example.com');
  });

  it('takes values no record can hold in model output as INVALID, records the call, and repairs', async () => {
    const hostile = answer([
      refundCall({ amount: 2 ** 60 }, 'tu-big'),
      toolUse('issueRefund', JSON.parse('{"orderId":"ord_4k8m2p","constructor":{"x":1}}'), 'tu-proto'),
    ]);
    const { plan, input, model, lineage, run } = await setUp(hostile, answer([refundCall()]));

    const result = await plan(input);

    expect(result.outcome).toBe('PROPOSED');
    expect(model.requests).toHaveLength(2);
    const [first] = lineage.ofType('model.invoked', run.runId);
    expect(first?.data.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^tool "issueRefund": input\.amount: \d+ is beyond the integers a record can hold/,
        ),
        expect.stringMatching(
          /^tool "issueRefund": input\.constructor: the key "constructor" is not allowed/,
        ),
      ]),
    );
    // The refused calls are in the evidence as their JSON text.
    expect(first?.data.answer).toMatchObject({
      calls: [
        {
          toolUseId: 'tu-big',
          input: { unstorableJson: expect.stringContaining('"amount":1152921504606847000') },
        },
        {
          toolUseId: 'tu-proto',
          input: { unstorableJson: '{"orderId":"ord_4k8m2p","constructor":{"x":1}}' },
        },
      ],
    });
  });

  it('rejects a model proposing an action outside the catalogue and repairs it', async () => {
    const { plan, input, model, lineage, run } = await setUp(wrongTool, answer([refundCall()]));

    const result = await plan(input);

    expect(result.outcome).toBe('PROPOSED');
    expect(model.requests).toHaveLength(2);
    const repair = model.requests[1]?.messages;
    expect(repair?.[1]).toEqual({ role: 'assistant', content: wrongTool.output.message.content });
    expect(repair?.[2]).toEqual({
      role: 'user',
      content: [
        {
          toolResult: {
            toolUseId: 'tu-1',
            status: 'error',
            content: [
              {
                text: 'tool "wireMoney": is not a tool of this workflow; the tools are issueRefund, denyRefund, requestMoreInformation, escalateToHuman, finish',
              },
            ],
          },
        },
      ],
    });
    const invoked = lineage.ofType('model.invoked', run.runId);
    expect(invoked.map((r) => r.data.attempt)).toEqual([0, 1]);
    expect(invoked[0]?.data.problems).toEqual([expect.stringContaining('tool "wireMoney"')]);
  });

  it('returns INVALID with the problems once maxRepairs repairs failed', async () => {
    const { plan, input, model, lineage, run } = await setUp(wrongTool, wrongTool, wrongTool, wrongTool);

    const result = await plan(input);

    // One call plus maxRepairs (2) repairs; the fourth answer is never asked for.
    expect(model.requests).toHaveLength(pack.spec.agent.maxRepairs + 1);
    expect(result).toEqual({
      outcome: 'INVALID',
      problems: [expect.stringMatching(/^tool "wireMoney": is not a tool of this workflow/)],
    });
    expect(lineage.ofType('model.invoked', run.runId)).toHaveLength(3);
    expect(lineage.ofType('actions.proposed', run.runId)).toHaveLength(0);
  });

  it('answers a text-only answer with a user message asking for tool calls', async () => {
    const { plan, input, model } = await setUp(
      answer([{ text: 'I think a refund is fair.' }], 'end_turn'),
      answer([refundCall()]),
    );

    await plan(input);

    const repair = model.requests[1]?.messages[2];
    expect(repair?.role).toBe('user');
    expect(repair?.content).toEqual([{ text: expect.stringContaining('the answer calls no tool') }]);
  });

  it('answers every call of a partly invalid answer, so the conversation stays valid', async () => {
    const { plan, input, model } = await setUp(
      answer([refundCall({}, 'good'), refundCall({ amount: 'lots' }, 'bad')]),
      answer([refundCall()]),
    );

    await plan(input);

    const results = model.requests[1]?.messages[2]?.content ?? [];
    expect(results.map((block) => ('toolResult' in block ? block.toolResult.toolUseId : 'text'))).toEqual([
      'good',
      'bad',
    ]);
    expect(JSON.stringify(results)).toContain('field \\"amount\\"');
  });

  it('returns FINISHED with the summary and records it', async () => {
    const { plan, input, lineage, run } = await setUp(
      answer([toolUse('finish', { summary: 'Refund issued.' })]),
    );

    expect(await plan(input)).toEqual({ outcome: 'FINISHED', summary: 'Refund issued.' });
    expect(lineage.ofType('actions.proposed', run.runId)[0]?.data).toMatchObject({
      outcome: 'FINISHED',
      summary: 'Refund issued.',
    });
  });

  it('omits the cost for a model without a price', async () => {
    const runs = new InMemoryRunsStore();
    const lineage = new InMemoryLineageStore();
    const run = aRunRecord(pack.spec);
    await runs.createRun(run);
    const model = new ScriptedModel(answer([refundCall()]));
    const privateModel = {
      ...pack,
      spec: { ...pack.spec, agent: { ...pack.spec.agent, modelId: 'acme.private-v1' } },
    };
    const plan = buildStep(planStep, privateModel, { model, runs, lineage, clock: fixedClock(NOW) });

    await plan({ run: runRefOf(run), iteration: 0, facts: {} });

    expect(model.requests[0]?.modelId).toBe('acme.private-v1');
    const [invoked] = lineage.ofType('model.invoked', run.runId);
    expect(invoked?.actor).toBe('model:acme.private-v1');
    expect(invoked?.usage).not.toHaveProperty('costUsd');
  });

  it('asks the model once per iteration: a retry after the answer was recorded returns that answer', async () => {
    const { plan, input, run, lineage, model } = await setUp(answer([refundCall()]));

    const first = await plan(input);
    const retried = await plan(input);

    expect(retried).toEqual(first);
    expect(model.requests).toHaveLength(1);
    expect(lineage.recordsOf(run.runId).map((r) => r.type)).toEqual(['model.invoked', 'actions.proposed']);
  });

  it('returns the recorded FINISHED answer of the iteration on a retry', async () => {
    const { plan, input, model } = await setUp(
      answer([toolUse('finish', { summary: 'Refund issued; nothing else to do.' }, 'tu-1')]),
    );

    const first = await plan(input);

    expect(await plan(input)).toEqual(first);
    expect(model.requests).toHaveLength(1);
  });

  it('asks the model anew in the next iteration', async () => {
    const { plan, input, model } = await setUp(
      answer([refundCall()]),
      answer([toolUse('finish', { summary: 'Refund issued; nothing else to do.' }, 'tu-2')]),
    );

    await plan(input);
    const next = await plan({ ...input, iteration: 1 });

    expect(next).toEqual({ outcome: 'FINISHED', summary: 'Refund issued; nothing else to do.' });
    expect(model.requests).toHaveLength(2);
  });

  it('shows the model the event as run.started recorded it, without reading the run item', async () => {
    const { plan, input, run, runs, lineage, model } = await setUp(
      answer([toolUse('finish', { summary: 'Done.' })]),
    );
    await appendFirstLineage(lineage, fixedClock(NOW), run.runId, {
      type: 'run.started',
      actor: 'awf:admit',
      workflowId: run.workflowId,
      entityId: run.entityId,
      versions: { workflowVersion: run.workflowVersion },
      data: aRecordData('run.started', {
        eventTime: '2026-11-02T09:00:00.000Z',
        redactedDetail: { orderId: 'ord_4k8m2p', note: 'as recorded' },
      }),
    });
    const getRun = jest.spyOn(runs, 'getRun');

    await plan(input);

    expect(getRun).not.toHaveBeenCalled();
    const context = readPlanningContext(model.requests[0]?.messages ?? []);
    expect(context.requestedAt).toBe('2026-11-02T09:00:00.000Z');
    expect(context.event).toEqual({ orderId: 'ord_4k8m2p', note: 'as recorded' });
  });

  it("observes exactly the chain's action.executed records, in the order they ran", async () => {
    const { plan, input, run, lineage, model } = await setUp(
      answer([toolUse('finish', { summary: 'Done.' })]),
    );
    await recordExecution(lineage, run, { proposalId: 'prop-b', action: 'issueRefund', result: { n: 1 } });
    await recordExecution(lineage, run, {
      proposalId: 'prop-a',
      action: 'requestMoreInformation',
      result: { n: 2 },
    });

    await plan({ ...input, iteration: 2 });

    const { observations } = readPlanningContext(model.requests[0]?.messages ?? []);
    expect(observations).toEqual([
      { proposalId: 'prop-b', action: 'issueRefund', status: 'EXECUTED', result: { n: 1 } },
      { proposalId: 'prop-a', action: 'requestMoreInformation', status: 'EXECUTED', result: { n: 2 } },
    ]);
  });

  it('refuses to plan on a malformed action.executed record, naming it, and calls no model', async () => {
    const { plan, input, run, lineage, model } = await setUp(
      answer([toolUse('finish', { summary: 'Done.' })]),
    );
    await appendLineage(
      lineage,
      fixedClock(NOW),
      run.runId,
      aLineageDraft({
        type: 'action.executed',
        data: { iteration: 0, proposalId: 'prop-1', action: 'issueRefund' },
      }),
    );

    await expect(plan({ ...input, iteration: 1 })).rejects.toThrow(
      expect.objectContaining({
        name: 'MalformedLineageRecordError',
        message: expect.stringMatching(
          new RegExp(
            `^lineage record 0 of chain ${run.runId} is action.executed but its data is malformed.*result`,
          ),
        ),
      }),
    );
    expect(model.requests).toHaveLength(0);
  });

  it('lets Bedrock errors through with their names for the state machine to retry', async () => {
    const { plan, input, lineage, run } = await setUp(namedError('ThrottlingException', 'Rate exceeded'));

    await expect(plan(input)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(lineage.recordsOf(run.runId)).toEqual([]);
  });

  it('fails naming the run when it is not in the runs table', async () => {
    const { plan, input } = await setUp(answer([refundCall()]));

    await expect(plan({ ...input, run: { ...input.run, runId: 'run-missing' } })).rejects.toThrow(
      'plan: run "run-missing" is not in the runs table',
    );
  });
});
