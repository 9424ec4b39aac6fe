/**
 * The kill switch on the real ASL with the real steps (virtual clock): a halt
 * stops new effects at once, even of a run already waiting for its approval;
 * approve-all sends an action the policies allow to a human; resume lets the
 * workflow run again; every change is recorded by the switch step alone.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runIdFor } from '../../core/ids.js';
import { verifyChain } from '../../core/lineage/verify.js';
import type { LocalModel, ModelPort } from '../../core/model/model.js';
import { APPROVE_ALL_REASON, HALTED_REASON, type SwitchMode } from '../../core/policy/switch.js';
import type { BusEvent } from '../../core/steps/contracts.js';
import { portsFor } from '../../core/steps/ports.js';
import { switchChainId, switchStep } from '../../core/steps/switch/switch.js';
import {
  discoverWorkflowPacks,
  type LocatedWorkflowPack,
  loadExampleEvents,
} from '../../workflows/discover.js';
import { fixedClock, InMemoryLineageStore, InMemoryRunsStore } from '../support/in-memory-stores.js';
import { packById, REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { testRecordKeys } from '../support/trusted-ports.js';
import { type HarnessResult, runGovernedWorkflow } from './support/governed-workflow-harness.js';

const NOW = '2026-11-20T12:00:00.000Z';
const clock = fixedClock(NOW);

const refundTriage: LocatedWorkflowPack = packById(await discoverWorkflowPacks(), REFERENCE_WORKFLOW_ID);
const { pack, dir } = refundTriage;

async function localModel(): Promise<ModelPort> {
  const module = (await import(pathToFileURL(join(dir, 'local-model.ts')).href)) as { default: LocalModel };
  return { converse: async ({ modelId, ...body }) => module.default(body, modelId) };
}

/** The example whose outcome is `outcome`, as a bus event with its own id. */
function exampleEvent(outcome: 'ALLOW' | 'REQUIRE_APPROVAL', id: string): { event: BusEvent; runId: string } {
  const example = loadExampleEvents(dir).find(
    (e) => e.expect.outcome === outcome && e.expect.actions.includes('issueRefund'),
  );
  if (!example) throw new Error(`refund-triage has no ${outcome} refund example`);
  const { name: _name, expect: _expect, ...rest } = example;
  // A request id of its own: two runs of one example are two requests, not a duplicate (the spec's businessKey).
  const detail = { ...(rest.detail as Record<string, unknown>), requestId: `req_${id}` };
  const event: BusEvent = { ...rest, detail, id, time: NOW, account: '123456789012', region: 'us-east-1' };
  return { event, runId: runIdFor(pack.spec.id, id) };
}

/** Stores shared by the runs of one test, and the switch step an operator invokes on them. */
function operatedStores() {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const operate = switchStep.build(
    pack,
    portsFor('switch', switchStep.ports, { runs, lineage, recordKeys: testRecordKeys() }, clock),
  );
  const setSwitch = (mode: SwitchMode, reason = `operator sets ${mode}`) =>
    operate({ workflowId: pack.spec.id, mode, reason, operator: 'ops@acme.example' });
  return { runs, lineage, setSwitch };
}

const executed = (result: HarnessResult, runId: string): string[] =>
  result.lineage.ofType('action.executed', runId).map((record) => String(record.data.action));

describe('the kill switch', () => {
  it('halts a run already waiting for its approval: the approved action does not run, the run escalates', async () => {
    const { runs, lineage, setSwitch } = operatedStores();
    const { event, runId } = exampleEvent('REQUIRE_APPROVAL', 'evt-halt-in-flight');
    let halted: Promise<unknown> | undefined;

    const result = await runGovernedWorkflow(event, {
      pack,
      model: await localModel(),
      clock,
      runs,
      lineage,
      approver: () => {
        // The operator halts while the run waits; the approver then approves.
        halted = setSwitch('halt', 'refund fraud under investigation');
        return { decision: 'APPROVE', approver: 'bob@acme.example', reason: 'Checked the case.' };
      },
    });
    await halted;

    expect(executed(result, runId)).toEqual([]);
    expect(result.items.updates).toEqual([]);
    const refused = result.lineage.ofType('action.refused', runId).map((r) => r.data);
    expect(refused).toEqual([
      expect.objectContaining({
        action: 'issueRefund',
        refusal: 'halted',
        reasons: [`${HALTED_REASON} since ${NOW}`],
      }),
    ]);
    expect((await runs.getRun(runId))?.status).toBe('ESCALATED');
    expect(verifyChain(result.lineage.recordsOf(runId), { ended: true }).ok).toBe(true);
  });

  it('denies every proposal at the gate while halted, and runs them again after resume', async () => {
    const { runs, lineage, setSwitch } = operatedStores();
    const model = await localModel();
    await setSwitch('halt');

    const first = exampleEvent('ALLOW', 'evt-while-halted');
    const halted = await runGovernedWorkflow(first.event, { pack, model, clock, runs, lineage });

    expect(executed(halted, first.runId)).toEqual([]);
    expect(halted.lineage.ofType('policy.evaluated', first.runId).map((r) => r.data)).toEqual([
      expect.objectContaining({
        decision: 'DENY',
        policyDecision: 'ALLOW',
        switch: { mode: 'halt', reason: HALTED_REASON },
        errors: [HALTED_REASON],
      }),
    ]);
    expect((await runs.getRun(first.runId))?.status).toBe('ESCALATED');

    await setSwitch('run', 'investigation closed');
    const second = exampleEvent('ALLOW', 'evt-after-resume');
    const resumed = await runGovernedWorkflow(second.event, { pack, model, clock, runs, lineage });

    expect(executed(resumed, second.runId)).toEqual(['issueRefund']);
    expect((await runs.getRun(second.runId))?.status).toBe('COMPLETED');
  });

  it('turns an action the policies allow into an approval in approve-all mode, recorded with why', async () => {
    const { runs, lineage, setSwitch } = operatedStores();
    await setSwitch('approve-all', 'new model version rolling out');
    const { event, runId } = exampleEvent('ALLOW', 'evt-approve-all');
    const seen: string[][] = [];

    const result = await runGovernedWorkflow(event, {
      pack,
      model: await localModel(),
      clock,
      runs,
      lineage,
      approver: ({ gated }) => {
        seen.push(gated.reasons);
        return { decision: 'APPROVE', approver: 'bob@acme.example', reason: 'Checked the case.' };
      },
    });

    expect(result.stepErrors).toEqual([]);
    expect(result.lineage.ofType('policy.evaluated', runId).map((r) => r.data)).toEqual([
      expect.objectContaining({
        policyDecision: 'ALLOW',
        decision: 'REQUIRE_APPROVAL',
        switch: { mode: 'approve-all', reason: APPROVE_ALL_REASON },
      }),
    ]);
    expect(seen).toEqual([expect.arrayContaining([APPROVE_ALL_REASON])]);
    expect(result.lineage.ofType('action.executed', runId).map((r) => r.data)).toEqual([
      expect.objectContaining({
        action: 'issueRefund',
        decision: 'REQUIRE_APPROVAL',
        approvers: ['bob@acme.example'],
      }),
    ]);
  });

  it('records every change in the workflow switch chain, by the switch step, with who and why', async () => {
    const { runs, lineage, setSwitch } = operatedStores();
    await setSwitch('halt', 'refund fraud under investigation');
    const answer = await setSwitch('run', 'investigation closed');

    expect(answer).toEqual({
      workflowId: pack.spec.id,
      previous: 'halt',
      switch: {
        workflowId: pack.spec.id,
        mode: 'run',
        since: NOW,
        reason: 'investigation closed',
        by: 'ops@acme.example',
      },
    });
    expect(await runs.getSwitch(pack.spec.id)).toEqual(answer.switch);
    const chain = lineage.recordsOf(switchChainId(pack.spec.id));
    expect(chain.map((r) => [r.type, r.actor, r.data])).toEqual([
      [
        'workflow.switched',
        'human:ops@acme.example',
        { mode: 'halt', previous: 'run', reason: 'refund fraud under investigation' },
      ],
      [
        'workflow.switched',
        'human:ops@acme.example',
        { mode: 'run', previous: 'halt', reason: 'investigation closed' },
      ],
    ]);
    expect(verifyChain(chain).ok).toBe(true);
  });

  it('fails a switch request for another workflow, naming both, and records nothing', async () => {
    const { lineage, runs } = operatedStores();
    const operate = switchStep.build(
      pack,
      portsFor('switch', switchStep.ports, { runs, lineage, recordKeys: testRecordKeys() }, clock),
    );

    await expect(
      operate({ workflowId: 'order-holds', mode: 'halt', reason: 'x', operator: 'ops@acme.example' }),
    ).rejects.toThrow(
      `this is the switch of workflow ${pack.spec.id}; the request names workflow order-holds`,
    );
    expect(lineage.recordsOf(switchChainId(pack.spec.id))).toEqual([]);
    expect(await runs.getSwitch(pack.spec.id)).toBeUndefined();
  });
});
