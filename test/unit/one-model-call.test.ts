/**
 * What a governed run costs in the units it is billed by, pinned as counts:
 * state transitions (Step Functions Standard bills each) and model calls.
 *
 * - Each pack's common paths, as `awf packs test` runs its examples on the real
 *   ASL and steps: 11 transitions and one model call when autonomous, 13 and
 *   one with one approval.
 * - An answer that proposes and finishes completes with one `model.invoked`
 *   record, also after an approval; the finish stands only if every action ran
 *   as proposed: an action that had already run plans again, and a denial or a
 *   failure never completes the run.
 */
import { join } from 'node:path';
import { runIdFor } from '../../core/ids.js';
import { recordsOfType } from '../../core/lineage/read.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import type { BusEvent } from '../../core/steps/contracts.js';
import { createPackTester } from '../../local/pack-test/pack-tester.js';
import {
  discoverWorkflowPacks,
  loadExampleEvents,
  loadWorkflowPack,
  WORKFLOWS_DIR,
} from '../../workflows/discover.js';
import { fixedClock } from '../support/in-memory-stores.js';
import { packById, REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { answer, finishCall, refundCallFor, ScriptedModel } from './agent/fixtures.js';
import { runGovernedWorkflow } from './support/governed-workflow-harness.js';

/** Transitions of a run whose agent proposes and finishes in one answer, run without a person. */
const AUTONOMOUS_TRANSITIONS = 11;
/** The same with one approval (its Map and its one request). */
const ONE_APPROVAL_TRANSITIONS = 13;

describe.each([
  ['refund-triage', 'autonomous-small-refund', 'approval-large-refund'],
  ['access-request', 'viewer-dev-autonomous', 'viewer-prod-owner-approved'],
])('the %s pack', (packId, autonomous, approved) => {
  const dir = join(WORKFLOWS_DIR, packId);
  const example = (name: string) => {
    const found = loadExampleEvents(dir).find((e) => e.name === name);
    if (!found) throw new Error(`expected the ${name} example of ${packId}`);
    return found;
  };

  it(`runs ${autonomous} in ${AUTONOMOUS_TRANSITIONS} transitions and one model call`, async () => {
    const tester = await createPackTester(await loadWorkflowPack(dir), dir);
    const result = await tester.run(example(autonomous));
    expect(result.mismatches).toEqual([]);
    expect(result.actual.status).toBe('COMPLETED');
    expect(result.usage).toEqual({ transitions: AUTONOMOUS_TRANSITIONS, modelCalls: 1 });
  });

  it(`runs ${approved} in ${ONE_APPROVAL_TRANSITIONS} transitions and one model call`, async () => {
    const tester = await createPackTester(await loadWorkflowPack(dir), dir);
    const result = await tester.run(example(approved));
    expect(result.mismatches).toEqual([]);
    expect(result.actual).toMatchObject({ outcome: 'REQUIRE_APPROVAL', status: 'COMPLETED' });
    expect(result.usage).toEqual({ transitions: ONE_APPROVAL_TRANSITIONS, modelCalls: 1 });
  });
});

const NOW = '2026-11-20T12:00:00.000Z';
const clock = fixedClock(NOW);
const refundTriage = packById(await discoverWorkflowPacks(), REFERENCE_WORKFLOW_ID);
const { pack } = refundTriage;

/** A refund-triage example, as a bus event of its own. */
function exampleEvent(name: string, id: string): BusEvent {
  const example = loadExampleEvents(refundTriage.dir).find((e) => e.name === name);
  if (!example) throw new Error(`expected the ${name} example of refund-triage`);
  const { name: _name, expect: _expect, ...event } = example;
  return { ...event, id, time: NOW, account: '123456789012', region: 'us-east-1' };
}

const typesIn = (chain: readonly LineageRecord[]) => chain.map((record) => record.type);

async function run(event: BusEvent, model: ScriptedModel) {
  const result = await runGovernedWorkflow(event, { pack, model, clock });
  const chain = result.lineage.recordsOf(runIdFor(pack.spec.id, event.id));
  return { result, chain, modelCalls: recordsOfType(chain, 'model.invoked').length };
}

describe('an answer that proposes and finishes', () => {
  it('completes with one model.invoked record and the summary the model gave', async () => {
    const event = exampleEvent('autonomous-small-refund', 'evt-one-call');
    const { result, chain, modelCalls } = await run(
      event,
      new ScriptedModel(answer([refundCallFor(event), finishCall('Refunded the broken mug.')])),
    );
    expect(modelCalls).toBe(1);
    expect(result.statesEntered).toHaveLength(AUTONOMOUS_TRANSITIONS);
    expect(recordsOfType(chain, 'actions.proposed')[0]?.data).toMatchObject({
      outcome: 'PROPOSED',
      finish: { summary: 'Refunded the broken mug.' },
    });
    expect(recordsOfType(chain, 'run.completed')[0]?.data).toMatchObject({
      summary: 'Refunded the broken mug.',
      shadow: false,
    });
  });

  it('completes with one model.invoked record after an approval', async () => {
    const event = exampleEvent('approval-large-refund', 'evt-one-call-approved');
    const { result, chain, modelCalls } = await run(
      event,
      new ScriptedModel(answer([refundCallFor(event), finishCall('Refunded the order after approval.')])),
    );
    expect(typesIn(chain)).toContain('approval.decided');
    expect(modelCalls).toBe(1);
    expect(result.statesEntered).toHaveLength(ONE_APPROVAL_TRANSITIONS);
    expect((await result.runs.getRun(runIdFor(pack.spec.id, 'evt-one-call-approved')))?.status).toBe(
      'COMPLETED',
    );
  });

  it('plans again when its action did not run as proposed (it had already run), then completes', async () => {
    const event = exampleEvent('autonomous-small-refund', 'evt-already-ran');
    const model = new ScriptedModel(
      answer([refundCallFor(event)]),
      // The same refund again: it ran once, under the first proposal, so this one did not run.
      answer([refundCallFor(event), finishCall('Refunded.')]),
      answer([finishCall('Refunded once; nothing more to do.')]),
    );
    const { chain, modelCalls } = await run(event, model);
    expect(modelCalls).toBe(3);
    expect(recordsOfType(chain, 'action.executed')).toHaveLength(1);
    expect(recordsOfType(chain, 'run.completed')[0]?.data.summary).toBe('Refunded once; nothing more to do.');
  });

  it('does not complete when its action is denied: the finish does not stand and the run escalates', async () => {
    // 12,500 USD is over what any policy allows.
    const event = exampleEvent('forbidden-over-limit', 'evt-denied');
    const { result, chain, modelCalls } = await run(
      event,
      new ScriptedModel(answer([refundCallFor(event), finishCall('Refunded.')])),
    );
    expect(modelCalls).toBe(1);
    expect(typesIn(chain)).not.toContain('run.completed');
    expect(typesIn(chain)).not.toContain('action.executed');
    expect(recordsOfType(chain, 'run.escalated')[0]?.data).toMatchObject({ reason: 'POLICY_DENIED' });
    expect(result.statesEntered).not.toContain('Complete run');
  });

  it('does not complete when its action fails: the run is recorded as failed', async () => {
    const event = exampleEvent('autonomous-small-refund', 'evt-fails');
    const failing = await runGovernedWorkflow(event, {
      pack,
      model: new ScriptedModel(answer([refundCallFor(event), finishCall('Refunded.')])),
      clock,
      faults: [{ state: 'Act on actions', name: 'ConnectorError', times: 10 }],
    });
    const chain = failing.lineage.recordsOf(runIdFor(pack.spec.id, 'evt-fails'));
    expect(typesIn(chain)).not.toContain('run.completed');
    expect(recordsOfType(chain, 'run.escalated')[0]?.data).toMatchObject({
      reason: 'STEP_FAILED',
      status: 'FAILED',
    });
  });
});
