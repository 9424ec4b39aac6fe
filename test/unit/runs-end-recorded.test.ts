/**
 * Every execution ends in a recorded run state, however it ends: through the
 * real ASL and steps on the virtual clock, an execution that times out, is
 * stopped while it waits for an approval, or fails in Admit or Escalate after
 * their retries is closed by the reconcile step from Step Functions' status
 * change (as the default bus delivers it) and by its sweep, each run once.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InMemoryExecutionReader } from '../../adapters/memory-execution-reader.js';
import { runIdFor } from '../../core/ids.js';
import { verifyChain } from '../../core/lineage/verify.js';
import type { LocalModel, ModelPort } from '../../core/model/model.js';
import type { ExecutionStanding } from '../../core/ports.js';
import type { BusEvent } from '../../core/steps/contracts.js';
import { reconcileStep } from '../../core/steps/reconcile/reconcile.js';
import { executionStatusChange } from '../../local/stepfunctions/status-events.js';
import { discoverWorkflowPacks, loadExampleEvents } from '../../workflows/discover.js';
import { fixedClock, RecordingEventPublisher } from '../support/in-memory-stores.js';
import { packById, REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { buildStep } from '../support/step-builders.js';
import {
  type HarnessOptions,
  type HarnessResult,
  runGovernedWorkflow,
} from './support/governed-workflow-harness.js';

const NOW = '2026-11-20T12:00:00.000Z';
const clock = fixedClock(NOW);
const refundTriage = packById(await discoverWorkflowPacks(), REFERENCE_WORKFLOW_ID);
const { pack } = refundTriage;

async function localModel(): Promise<ModelPort> {
  const module = (await import(pathToFileURL(join(refundTriage.dir, 'local-model.ts')).href)) as {
    default: LocalModel;
  };
  return { converse: async ({ modelId, ...body }) => module.default(body, modelId) };
}

/** The refund-triage example that needs an approval, as a bus event of its own. */
function approvalEvent(id: string): BusEvent {
  const example = loadExampleEvents(refundTriage.dir).find((e) => e.expect.outcome === 'REQUIRE_APPROVAL');
  if (!example) throw new Error('refund-triage has no example that needs an approval');
  const { name: _name, expect: _expect, ...event } = example;
  return { ...event, id, time: NOW, account: '123456789012', region: 'us-east-1' };
}

/** Runs the event through the harness, then the reconcile step on what it left. */
async function endedRun(id: string, options: Partial<HarnessOptions>, event: BusEvent = approvalEvent(id)) {
  const runId = runIdFor(pack.spec.id, event.id);
  const result = await runGovernedWorkflow(event, { pack, model: await localModel(), clock, ...options });
  const events = new RecordingEventPublisher();
  const standing = (arn: string): ExecutionStanding | undefined =>
    arn === result.execution.executionArn
      ? {
          status: result.execution.status,
          input: result.execution.input,
          ...(result.execution.error === undefined ? {} : { error: result.execution.error }),
        }
      : undefined;
  const reconcile = buildStep(reconcileStep, pack, {
    runs: result.runs,
    lineage: result.lineage,
    events,
    executions: new InMemoryExecutionReader(standing),
    clock,
  });
  const statusChange = () => {
    const { source, detailType, detail } = executionStatusChange(result.execution);
    return reconcile({ source, 'detail-type': detailType, detail });
  };
  const sweep = () => reconcile({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
  return { result, runId, events, statusChange, sweep };
}

const typesOf = (result: HarnessResult, runId: string) => result.lineage.recordsOf(runId).map((r) => r.type);

describe('runs whose execution ends outside the state machine', () => {
  it('closes a run whose execution timed out while it waited: TIMED_OUT, approval expired, run.closed, once', async () => {
    const { result, runId, events, statusChange, sweep } = await endedRun('evt-times-out', {
      approver: () => 'no-decision',
      executionTimeoutSeconds: 300,
    });
    expect(result.execution.status).toBe('TIMED_OUT');
    expect((await result.runs.getRun(runId))?.status).toBe('AWAITING_APPROVAL');

    expect(await statusChange()).toEqual({ closed: [{ runId, status: 'TIMED_OUT' }], checked: 1 });

    expect((await result.runs.getRun(runId))?.status).toBe('TIMED_OUT');
    expect((await result.runs.listApprovalsOfRun(runId)).map((a) => a.status)).toEqual(['EXPIRED']);
    const [closed] = result.lineage.ofType('run.closed', runId);
    expect(closed?.data).toMatchObject({
      status: 'TIMED_OUT',
      executionStatus: 'TIMED_OUT',
      executionArn: result.execution.executionArn,
      detectedBy: 'status-change',
      expiredApprovals: [expect.any(String)],
    });
    expect(verifyChain(result.lineage.recordsOf(runId), { ended: true })).toEqual({ ok: true, problems: [] });
    expect(events.events.map((e) => [e.detailType, (e.detail as { status: string }).status])).toEqual([
      ['WorkflowEscalated', 'TIMED_OUT'],
    ]);

    // The sweep and a second delivery of the event find it closed: nothing more is written.
    const before = typesOf(result, runId);
    expect(await sweep()).toEqual({ closed: [], checked: 0 });
    expect(await statusChange()).toEqual({ closed: [], checked: 1 });
    expect(typesOf(result, runId)).toEqual(before);
    expect(events.events).toHaveLength(1);
  });

  it('closes a run whose execution was stopped while it waited: ABORTED, found by the sweep when the event is lost', async () => {
    const { result, runId, statusChange, sweep } = await endedRun('evt-stopped', { stopWhenWaiting: true });
    expect(result.execution.status).toBe('ABORTED');

    expect(await sweep()).toEqual({ closed: [{ runId, status: 'ABORTED' }], checked: 1 });
    expect((await result.runs.getRun(runId))?.status).toBe('ABORTED');
    expect(result.lineage.ofType('run.closed', runId).map((r) => r.data.detectedBy)).toEqual(['sweep']);
    expect(await statusChange()).toEqual({ closed: [], checked: 1 });
    expect(await sweep()).toEqual({ closed: [], checked: 0 });
    expect(result.lineage.ofType('run.closed', runId)).toHaveLength(1);
  });

  it('records a run whose Admit failed after its retries, from the event the execution received', async () => {
    const { result, runId, statusChange, sweep } = await endedRun('evt-admit-fails', {
      faults: [{ state: 'Admit event', name: 'ProvisionedThroughputExceededException', times: 100 }],
    });
    expect(result.execution.status).toBe('FAILED');
    expect(await result.runs.getRun(runId)).toBeUndefined();

    expect(await statusChange()).toEqual({ closed: [{ runId, status: 'FAILED' }], checked: 1 });
    const run = await result.runs.getRun(runId);
    expect(run).toMatchObject({ status: 'FAILED', executionId: result.execution.executionArn });
    expect(typesOf(result, runId)).toEqual(['run.closed']);
    // The ASL's Catch turned Admit's last error into the execution's.
    expect(result.lineage.ofType('run.closed', runId)[0]?.data).toMatchObject({
      error: 'AWF.AdmissionFailed',
      cause: expect.stringContaining('could not be admitted'),
    });
    expect(verifyChain(result.lineage.recordsOf(runId), { ended: true }).ok).toBe(true);
    expect(await statusChange()).toEqual({ closed: [], checked: 1 });
    expect(await sweep()).toEqual({ closed: [], checked: 0 });
  });

  it('closes a run whose Escalate failed after its retries', async () => {
    const { result, runId, statusChange } = await endedRun('evt-escalate-fails', {
      approver: () => 'no-decision',
      faults: [{ state: 'Escalate run', name: 'ServiceUnavailable', times: 100 }],
    });
    expect(result.execution.status).toBe('FAILED');

    expect(await statusChange()).toEqual({ closed: [{ runId, status: 'FAILED' }], checked: 1 });
    expect((await result.runs.getRun(runId))?.status).toBe('FAILED');
    expect(typesOf(result, runId).at(-1)).toBe('run.closed');
    expect(verifyChain(result.lineage.recordsOf(runId), { ended: true }).ok).toBe(true);
  });

  it('leaves runs the state machine ended alone, and ignores executions that succeeded', async () => {
    const { result, runId, statusChange, sweep } = await endedRun('evt-approved', {});
    expect(result.execution.status).toBe('SUCCEEDED');
    const before = typesOf(result, runId);
    expect(await statusChange()).toEqual({ closed: [], checked: 0 });
    expect(await sweep()).toEqual({ closed: [], checked: 0 });
    expect(typesOf(result, runId)).toEqual(before);
  });

  it('leaves alone an event Admit rejected, whose execution fails on purpose: no run is made', async () => {
    const invalid = loadExampleEvents(refundTriage.dir).find((e) => e.expect.outcome === 'REJECT');
    if (!invalid) throw new Error('refund-triage has no rejected example');
    const { name: _name, expect: _expect, ...event } = invalid;
    const { result, runId, statusChange, sweep } = await endedRun(
      'evt-invalid',
      {},
      {
        ...event,
        id: 'evt-invalid',
        time: NOW,
        account: '123456789012',
        region: 'us-east-1',
      },
    );
    expect(result.execution).toMatchObject({ status: 'FAILED', error: 'AWF.EventRejected' });

    expect(await statusChange()).toEqual({ closed: [], checked: 1 });
    expect(await sweep()).toEqual({ closed: [], checked: 0 });
    expect(await result.runs.getRun(runId)).toBeUndefined();
    expect(typesOf(result, runId)).toEqual(['event.rejected']);
  });
});
