import { ExecutionPathError, statesEnteredOf } from '../../../core/cost/execution-path.js';
import { runUsageOf } from '../../../core/cost/run-usage.js';
import { runIdFor } from '../../../core/ids.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import { switchChangeRequest } from '../../../core/operations/endpoint-request.js';
import type { BusEvent } from '../../../core/steps/contracts.js';
import { createPackTester } from '../../../local/pack-test/pack-tester.js';
import { discoverWorkflowPacks, loadExampleEvents, loadWorkflowPack } from '../../../workflows/discover.js';
import { fixedClock } from '../../support/in-memory-stores.js';
import { packById, REFERENCE_WORKFLOW_ID } from '../../support/packs.js';
import { operatedStores, TEST_OPERATOR } from '../../support/switch-operator.js';
import { operatorSession } from '../../support/trusted-ports.js';
import { answer, finishCall, refundCallFor, ScriptedModel, toolUse } from '../agent/fixtures.js';
import { type HarnessOptions, runGovernedWorkflow } from '../support/governed-workflow-harness.js';

/** The one run chain of a pack example (the lineage store may also hold the switch's chain). */
function runChainOf(records: readonly LineageRecord[]): LineageRecord[] {
  const chainIds = [...new Set(records.map((record) => record.chainId))].filter(
    (id) => !id.startsWith('switch#'),
  );
  expect(chainIds).toHaveLength(1);
  return records.filter((record) => record.chainId === chainIds[0]);
}

const discovered = await discoverWorkflowPacks();

it('finds packs to count', () => {
  expect(discovered.length).toBeGreaterThan(0);
});

describe.each(discovered.map(({ pack, dir }) => [pack.spec.id, dir] as const))(
  'every example of the %s pack',
  (_packId, dir) => {
    const examples = loadExampleEvents(dir);

    it('has examples to count', () => {
      expect(examples.length).toBeGreaterThan(0);
    });

    it.each(examples.map((example) => [example.name, example] as const))(
      '%s: the states its chain tells are the transitions its execution made, its steps the Lambda invocations',
      async (_name, example) => {
        const tester = await createPackTester(await loadWorkflowPack(dir), dir);
        const result = await tester.run(example);
        expect(result.mismatches).toEqual([]);
        const usage = runUsageOf(runChainOf(tester.lineage));
        expect(usage.stateTransitions).toBe(result.usage.transitions);
        // The pack tester runs the reminder schedule beside the run; it is not the run's (see run-usage.ts).
        const invoked = tester.invocations.filter(({ step }) => step !== 'remind');
        expect(usage.lambdaInvocations).toBe(invoked.length);
      },
    );
  },
);

const NOW = '2026-11-20T12:00:00.000Z';
const clock = fixedClock(NOW);
const { pack, dir } = packById(discovered, REFERENCE_WORKFLOW_ID);
const MODEL_ID = pack.spec.agent.modelId;

/** A refund-triage example as a bus event of its own (its own request id: not a duplicate of another test's). */
function exampleEvent(name: string, id: string): BusEvent {
  const example = loadExampleEvents(dir).find((e) => e.name === name);
  if (!example) throw new Error(`expected the ${name} example of refund-triage`);
  const { name: _name, expect: _expect, ...event } = example;
  const detail = { ...(event.detail as Record<string, unknown>), requestId: `req_${id}` };
  return { ...event, detail, id, time: NOW, account: '123456789012', region: 'us-east-1' };
}

/** Runs the event on the real ASL; its chain, and the states the emulation saw it enter. */
async function run(event: BusEvent, options: Partial<HarnessOptions> & Pick<HarnessOptions, 'model'>) {
  const result = await runGovernedWorkflow(event, { pack, clock, ...options });
  const chain = result.lineage.recordsOf(runIdFor(pack.spec.id, event.id));
  return { result, chain };
}

/** Each fixture answer counts 1,000 input and 200 output tokens. */
const tokensOfCalls = (calls: number) => ({
  [MODEL_ID]: { input: 1000 * calls, output: 200 * calls, cacheRead: 0, cacheWrite: 0 },
});

describe('scripted paths, state by state', () => {
  it('two iterations: a proposal without finish, then the finish alone', async () => {
    const event = exampleEvent('autonomous-small-refund', 'evt-usage-two-iterations');
    const { result, chain } = await run(event, {
      model: new ScriptedModel(answer([refundCallFor(event)]), answer([finishCall('Refunded the mug.')])),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(statesEnteredOf(chain)).toEqual(result.statesEntered);
    expect(result.statesEntered).toEqual([
      'Admit event',
      'Admitted?',
      'Ground context',
      'Plan actions',
      'Plan outcome',
      'Gate proposals',
      'Gate outcome',
      'Act on actions',
      'Finished?',
      'Next iteration',
      'Iterations left?',
      'Ground context',
      'Plan actions',
      'Plan outcome',
      'Complete run',
      'Run completed',
    ]);
    // Admit, Ground, Plan, Gate, Act, Ground, Plan, Complete.
    expect(runUsageOf(chain)).toEqual({
      stateTransitions: 16,
      lambdaInvocations: 8,
      tokens: tokensOfCalls(2),
    });
  });

  it('invalid model output: every repair spent, the run escalates from Plan outcome', async () => {
    const event = exampleEvent('autonomous-small-refund', 'evt-usage-invalid');
    const invalid = () => answer([toolUse('transferFunds', { amount: 1 })]);
    const calls = pack.spec.agent.maxRepairs + 1;
    const { result, chain } = await run(event, {
      model: new ScriptedModel(...Array.from({ length: calls }, invalid)),
    });
    expect(result.statesEntered).toContain('Invalid model output');
    expect(statesEnteredOf(chain)).toEqual(result.statesEntered);
    expect(runUsageOf(chain)).toEqual({
      stateTransitions: 9,
      lambdaInvocations: 4,
      tokens: tokensOfCalls(calls),
    });
  });

  it('a policy denial escalates from Gate outcome', async () => {
    const event = exampleEvent('forbidden-over-limit', 'evt-usage-denied');
    const { result, chain } = await run(event, {
      model: new ScriptedModel(answer([refundCallFor(event), finishCall('Refunded.')])),
    });
    expect(result.statesEntered).toContain('Policy denied');
    expect(statesEnteredOf(chain)).toEqual(result.statesEntered);
    expect(runUsageOf(chain).stateTransitions).toBe(11);
  });

  it('a rejected approval escalates from the Map, its decision one more invocation', async () => {
    const event = exampleEvent('approval-large-refund', 'evt-usage-rejected');
    const { result, chain } = await run(event, {
      model: new ScriptedModel(answer([refundCallFor(event), finishCall('Refunded.')])),
      approver: () => ({ decision: 'REJECT', approver: 'alice@acme.example', reason: 'Not this one.' }),
    });
    expect(result.statesEntered).toContain('Approval rejected');
    expect(statesEnteredOf(chain)).toEqual(result.statesEntered);
    const decisions = chain.filter(({ type }) => type === 'approval.decided' || type === 'approval.refused');
    expect(decisions).toHaveLength(1);
    // Admit, Ground, Plan, Gate, Request approval, Escalate; then the decision.
    expect(runUsageOf(chain)).toMatchObject({ stateTransitions: 13, lambdaInvocations: 7 });
  });

  it('an approval nobody decides expires: the run escalates from the Map', async () => {
    const event = exampleEvent('approval-large-refund', 'evt-usage-expired');
    const { result, chain } = await run(event, {
      model: new ScriptedModel(answer([refundCallFor(event), finishCall('Refunded.')])),
      approver: () => 'no-decision',
    });
    expect(result.statesEntered).toContain('Approval expired');
    expect(statesEnteredOf(chain)).toEqual(result.statesEntered);
    expect(runUsageOf(chain)).toMatchObject({ stateTransitions: 13, lambdaInvocations: 6 });
  });

  it('the iteration bound: every iteration loops, the last into Iteration limit reached', async () => {
    const event = exampleEvent('autonomous-small-refund', 'evt-usage-max-iterations');
    const iterations = pack.spec.agent.maxIterations;
    const { result, chain } = await run(event, {
      model: new ScriptedModel(...Array.from({ length: iterations }, () => answer([refundCallFor(event)]))),
    });
    expect(result.statesEntered).toContain('Iteration limit reached');
    expect(statesEnteredOf(chain)).toEqual(result.statesEntered);
    // Admission, 9 states an iteration, then the Pass, Escalate run, Run failed? and Run escalated.
    expect(runUsageOf(chain)).toEqual({
      stateTransitions: 2 + 9 * iterations + 4,
      lambdaInvocations: 1 + 4 * iterations + 1,
      tokens: tokensOfCalls(iterations),
    });
  });

  it('a run parked while the workflow was halted, then resumed, counts its Park state', async () => {
    const { runs, lineage, operate } = operatedStores(pack, clock);
    const halted = await operate(
      switchChangeRequest({ mode: 'halt', reason: 'investigation' }, operatorSession(TEST_OPERATOR)),
    );
    expect(halted.statusCode).toBe(200);
    const event = exampleEvent('autonomous-small-refund', 'evt-usage-parked');
    const { result, chain } = await run(event, {
      model: new ScriptedModel(answer([refundCallFor(event), finishCall('Refunded.')])),
      runs,
      lineage,
      whileParked: (resume) => void resume({ mode: 'run', reason: 'investigation closed' }),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.statesEntered).toContain('Park until resumed');
    expect(statesEnteredOf(chain)).toEqual(result.statesEntered);
    expect(runUsageOf(chain)).toMatchObject({ stateTransitions: 12, lambdaInvocations: 7 });
  });

  it.each([
    ['Ground context', 7, 'autonomous-small-refund'],
    ['Plan actions', 8, 'autonomous-small-refund'],
    ['Gate proposals', 10, 'autonomous-small-refund'],
    // The approvals Map's one item fails: its approval was never requested.
    ['Request approval', 13, 'approval-large-refund'],
    ['Act on actions', 12, 'autonomous-small-refund'],
    // The finish stood (its one action ran): the failure is Complete's.
    ['Complete run', 14, 'autonomous-small-refund'],
  ])('a step failure in %s is placed there: %i states', async (state, transitions, example) => {
    const event = exampleEvent(example, `evt-usage-fails-${transitions}`);
    const { result, chain } = await run(event, {
      model: new ScriptedModel(answer([refundCallFor(event), finishCall('Refunded.')])),
      faults: [{ state, name: 'ConnectorError', times: 10 }],
    });
    expect(result.error).toBe('AWF.RunFailed');
    expect(statesEnteredOf(chain)).toEqual(result.statesEntered);
    expect(result.statesEntered.at(-5)).toBe(state);
    expect(runUsageOf(chain).stateTransitions).toBe(transitions);
  });
});

describe('a chain the path cannot be told from', () => {
  it('fails naming the run when it has not ended and no ending is given', async () => {
    const event = exampleEvent('autonomous-small-refund', 'evt-usage-open');
    const { chain } = await run(event, {
      model: new ScriptedModel(answer([refundCallFor(event), finishCall('Refunded.')])),
    });
    const open = chain.filter(({ type }) => type !== 'run.completed');
    expect(() => statesEnteredOf(open)).toThrow(ExecutionPathError);
    expect(() => statesEnteredOf(open)).toThrow(
      `run ${runIdFor(pack.spec.id, event.id)} has not ended by Complete or Escalate`,
    );
    // Complete counts before it records its ending, so it names it.
    expect(statesEnteredOf(open, { kind: 'completed' })).toEqual(statesEnteredOf(chain));
  });
});
