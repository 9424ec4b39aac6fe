/**
 * The kill switch on the real ASL with the real steps (virtual clock): a halt
 * stops new effects at once, even of a run already waiting for its approval;
 * events arriving while halted are recorded and parked, and run after resume;
 * approve-all sends an action the policies allow to a human; every change is
 * made by an authenticated operator through the operations endpoint and
 * recorded by the switch step alone.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runIdFor } from '../../core/ids.js';
import { verifyChain } from '../../core/lineage/verify.js';
import type { LocalModel, ModelPort } from '../../core/model/model.js';
import { switchChangeRequest, switchStatusRequest } from '../../core/operations/endpoint-request.js';
import { APPROVE_ALL_REASON, HALTED_REASON, type SwitchMode } from '../../core/policy/switch.js';
import type { BusEvent } from '../../core/steps/contracts.js';
import { switchChainId } from '../../core/steps/switch/switch.js';
import {
  discoverWorkflowPacks,
  type LocatedWorkflowPack,
  loadExampleEvents,
} from '../../workflows/discover.js';
import { fixedClock } from '../support/in-memory-stores.js';
import { packById, REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { operatedStores as operatedStoresOf } from '../support/switch-operator.js';
import { approverSession, operatorSession } from '../support/trusted-ports.js';
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

/** Stores shared by the runs of one test, and the operations endpoint an operator calls on them. */
const operatedStores = () => operatedStoresOf(pack, clock);

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

  it('parks an event that arrives while halted, grounding and proposing nothing, and runs it after resume', async () => {
    const { runs, lineage, setSwitch } = operatedStores();
    await setSwitch('halt', 'refund fraud under investigation');
    const { event, runId } = exampleEvent('ALLOW', 'evt-while-halted');
    let resumed: unknown;

    const result = await runGovernedWorkflow(event, {
      pack,
      model: await localModel(),
      clock,
      runs,
      lineage,
      whileParked: (operate) => {
        // While parked, nothing past Admit has happened, and the run is listed as parked.
        const types = lineage.recordsOf(runId).map((r) => r.type);
        expect(types).toEqual(['run.started', 'run.parked']);
        void runs.listParkedRuns(pack.spec.id).then((parked) => {
          expect(parked.map((p) => p.runId)).toEqual([runId]);
          resumed = operate({ mode: 'run', reason: 'investigation closed' });
        });
      },
    });

    expect(await resumed).toMatchObject({ statusCode: 200 });
    expect(result.statesEntered.slice(0, 4)).toEqual([
      'Admit event',
      'Admitted?',
      'Park until resumed',
      'Ground context',
    ]);
    const types = result.lineage.recordsOf(runId).map((r) => r.type);
    expect(types.slice(0, 3)).toEqual(['run.started', 'run.parked', 'context.grounded']);
    expect(result.lineage.ofType('run.parked', runId)[0]?.data).toEqual({
      haltedSince: NOW,
      haltReason: 'refund fraud under investigation',
    });
    expect(executed(result, runId)).toEqual(['issueRefund']);
    expect((await runs.getRun(runId))?.status).toBe('COMPLETED');
    expect(await runs.listParkedRuns(pack.spec.id)).toEqual([]);
  });

  it('keeps a parked run parked when the workflow goes to approve-all, and releases it into approve-all', async () => {
    const { runs, lineage, setSwitch } = operatedStores();
    await setSwitch('halt');
    const { event, runId } = exampleEvent('ALLOW', 'evt-parked-approve-all');
    const result = await runGovernedWorkflow(event, {
      pack,
      model: await localModel(),
      clock,
      runs,
      lineage,
      whileParked: (operate) => {
        void operate({ mode: 'approve-all', reason: 'new model version rolling out' });
      },
    });

    // Released by leaving the halt, it now meets approve-all: the refund waits for a human first.
    expect(result.lineage.ofType('policy.evaluated', runId).map((r) => r.data.decision)).toEqual([
      'REQUIRE_APPROVAL',
    ]);
    expect(executed(result, runId)).toEqual(['issueRefund']);
  });

  it('leaves a parked run that nobody resumes to its execution timeout, nothing proposed', async () => {
    const { runs, lineage, setSwitch } = operatedStores();
    await setSwitch('halt');
    const { event, runId } = exampleEvent('ALLOW', 'evt-parked-forever');
    const result = await runGovernedWorkflow(event, {
      pack,
      model: await localModel(),
      clock,
      runs,
      lineage,
      executionTimeoutSeconds: 3600,
    });

    expect(result.execution.status).toBe('TIMED_OUT');
    expect(result.lineage.recordsOf(runId).map((r) => r.type)).toEqual(['run.started', 'run.parked']);
  });

  it('denies a proposal at the gate when the halt comes while the run is planning', async () => {
    const { runs, lineage, setSwitch } = operatedStores();
    const model = await localModel();
    const { event, runId } = exampleEvent('ALLOW', 'evt-halt-while-planning');
    const haltingModel: ModelPort = {
      converse: async (request) => {
        await setSwitch('halt', 'refund fraud under investigation');
        return model.converse(request);
      },
    };

    const result = await runGovernedWorkflow(event, { pack, model: haltingModel, clock, runs, lineage });

    expect(executed(result, runId)).toEqual([]);
    expect(result.lineage.ofType('policy.evaluated', runId).map((r) => r.data)).toEqual([
      expect.objectContaining({
        decision: 'DENY',
        policyDecision: 'ALLOW',
        switch: { mode: 'halt', reason: HALTED_REASON },
        errors: [HALTED_REASON],
      }),
    ]);
    expect((await runs.getRun(runId))?.status).toBe('ESCALATED');
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

  it('records every change in the workflow switch chain, by the switch step, with the authenticated operator', async () => {
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
      released: [],
    });
    expect(await runs.getSwitch(pack.spec.id)).toEqual(answer.switch);
    const identity = operatorSession('ops@acme.example');
    const chain = lineage.recordsOf(switchChainId(pack.spec.id));
    expect(chain.map((r) => [r.type, r.actor, r.data])).toEqual([
      [
        'workflow.switched',
        'human:ops@acme.example',
        { mode: 'halt', previous: 'run', reason: 'refund fraud under investigation', identity },
      ],
      [
        'workflow.switched',
        'human:ops@acme.example',
        { mode: 'run', previous: 'halt', reason: 'investigation closed', identity },
      ],
    ]);
    expect(verifyChain(chain).ok).toBe(true);
  });

  it('answers the status: mode, who set it and how many runs are parked', async () => {
    const { operate, setSwitch } = operatedStores();
    await setSwitch('approve-all', 'new model version rolling out');
    const response = await operate(switchStatusRequest(operatorSession('ops@acme.example')));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      workflowId: pack.spec.id,
      mode: 'approve-all',
      switch: expect.objectContaining({ by: 'ops@acme.example', reason: 'new model version rolling out' }),
      parked: 0,
    });
  });

  it.each([
    [
      'an approver, whose role is not an operator role',
      () => switchChangeRequest({ mode: 'run', reason: 'let it run' }, approverSession('bob@acme.example')),
      403,
      /not an operator role/,
    ],
    [
      'a request naming its own operator',
      () => ({
        ...switchChangeRequest({ mode: 'run', reason: 'x' }, operatorSession('ops@acme.example')),
        body: JSON.stringify({ mode: 'run', reason: 'x', operator: 'someone-else' }),
      }),
      400,
      /Unrecognized key.*operator/,
    ],
    ['a direct invocation, not a signed URL request', () => ({ mode: 'run', reason: 'x' }), 403, /SigV4/],
    [
      'an unknown mode',
      () =>
        switchChangeRequest({ mode: 'stop' as SwitchMode, reason: 'x' }, operatorSession('ops@acme.example')),
      400,
      /mode/,
    ],
    [
      'no reason',
      () => switchChangeRequest({ mode: 'halt', reason: ' ' }, operatorSession('ops@acme.example')),
      400,
      /a reason is required/,
    ],
  ])(
    'refuses %s, naming what was wrong, and changes and records nothing',
    async (_case, request, status, message) => {
      const { lineage, runs, operate } = operatedStores();
      const response = await operate(request());
      expect(response.statusCode).toBe(status);
      expect((JSON.parse(response.body) as { error: { message: string } }).error.message).toMatch(message);
      expect(lineage.recordsOf(switchChainId(pack.spec.id))).toEqual([]);
      expect(await runs.getSwitch(pack.spec.id)).toBeUndefined();
    },
  );
});
