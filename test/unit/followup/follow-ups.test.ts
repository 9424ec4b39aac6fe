/**
 * Follow-ups on the real ASL with the real steps (virtual clock): a grant
 * schedules its revoke, recorded in the run's lineage; the revoke runs when
 * its schedule fires and not before, even while the workflow is halted,
 * exactly once; cancelling it takes an approval of the workflow's approvers,
 * and until then it stays due.
 */
import { InMemoryFollowUpScheduler } from '../../../adapters/scheduler-memory.js';
import { functionUrlRequest } from '../../../core/approval/endpoint-request.js';
import { ApprovalDecisionError } from '../../../core/errors.js';
import { FollowUpNotDueError } from '../../../core/followup/errors.js';
import { followUpIdFor } from '../../../core/followup/follow-up.js';
import type { FunctionUrlResponse } from '../../../core/http/function-url.js';
import { runIdFor } from '../../../core/ids.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import { macProblem } from '../../../core/lineage/record-keys.js';
import { verifyChain } from '../../../core/lineage/verify.js';
import { cancellationPath } from '../../../core/operations/endpoint-protocol.js';
import { actStep } from '../../../core/steps/act/act.js';
import type { BusEvent } from '../../../core/steps/contracts.js';
import { decideApprovalStep } from '../../../core/steps/decide-approval/decide-approval.js';
import { type CancellationAsked, followUpStep } from '../../../core/steps/follow-up/follow-up.js';
import { decisionsThrough } from '../../support/approval-decisions.js';
import { anAccessPack } from '../../support/follow-up-builders.js';
import {
  type ManualClock,
  manualClock,
  RecordingEventPublisher,
  RecordingTaskCallbacks,
} from '../../support/in-memory-stores.js';
import { buildStep } from '../../support/step-builders.js';
import { operatorSession, testRecordKeys } from '../../support/trusted-ports.js';
import { answer, ScriptedModel, toolUse } from '../agent/fixtures.js';
import { runGovernedWorkflow } from '../support/governed-workflow-harness.js';

const NOW = '2026-11-20T12:00:00.000Z';
const HOUR = 3_600_000;
const pack = anAccessPack();

function accessEvent(id: string, durationHours = 8): BusEvent {
  return {
    version: '0',
    id,
    source: 'example.access',
    'detail-type': 'AccessRequested',
    time: NOW,
    account: '123456789012',
    region: 'us-east-1',
    resources: [],
    detail: {
      requestId: `req-${id}`,
      system: 'billing',
      level: 'admin',
      durationHours,
      requester: 'eve@example.com',
    },
  };
}

/** A model that grants what the event asks, then finishes. */
function grantingModel(event: BusEvent) {
  const { requestId, system, level, durationHours } = event.detail as Record<string, unknown>;
  return new ScriptedModel(
    answer([
      toolUse('grantAccess', {
        requestId,
        system,
        level,
        durationHours,
        rationale: 'Requested and in policy.',
        confidence: 0.95,
      }),
    ]),
    answer([toolUse('finish', { summary: 'Access granted for the requested hours.' })]),
  );
}

/** Asks to cancel a follow-up through the follow-ups endpoint, as an operator AWS authenticated. */
async function askCancellation(
  followUp: (input: unknown) => Promise<unknown>,
  followUpId: string,
  reason: string,
  person = 'ops@example.com',
): Promise<CancellationAsked> {
  const response = (await followUp(
    functionUrlRequest({
      method: 'POST',
      rawPath: cancellationPath(followUpId),
      body: JSON.stringify({ reason }),
      iam: { accountId: '000000000000', userArn: operatorSession(person) },
    }),
  )) as FunctionUrlResponse;
  if (response.statusCode !== 200) throw new Error(`${response.statusCode}: ${response.body}`);
  return JSON.parse(response.body) as CancellationAsked;
}

/** A run whose grant executed, with the stores, the schedule and a follow-up step on a clock the test moves. */
async function grantedRun(id: string, durationHours = 8) {
  const event = accessEvent(id, durationHours);
  const result = await runGovernedWorkflow(event, {
    pack,
    model: grantingModel(event),
    clock: () => new Date(NOW),
  });
  expect(result.status).toBe('SUCCEEDED');
  const clock: ManualClock = manualClock(NOW);
  const events = new RecordingEventPublisher();
  const ports = { runs: result.runs, lineage: result.lineage, events, items: result.items, clock };
  const followUp = buildStep(followUpStep, pack, ports);
  const decide = decisionsThrough(
    buildStep(decideApprovalStep, pack, {
      ...ports,
      callbacks: new RecordingTaskCallbacks(),
      scheduler: result.scheduler,
    }),
  );
  return { result, runId: runIdFor(pack.spec.id, id), clock, events, followUp, decide };
}

/** The chain links up and every record carries the MAC of the step the registry names as its writer. */
async function expectAuthentic(chain: readonly LineageRecord[]): Promise<void> {
  expect(verifyChain(chain).ok).toBe(true);
  for (const record of chain) expect(await macProblem(record, testRecordKeys())).toBeUndefined();
}

const typesOf = (records: readonly { type: string }[]) => records.map((record) => record.type);

describe('a grant with a revoke follow-up', () => {
  it('schedules the revoke durationHours after the grant ran, recorded in the run lineage, once', async () => {
    const { result, runId } = await grantedRun('evt-schedules', 8);
    const chain = result.lineage.recordsOf(runId);
    const types = typesOf(chain);
    expect(types.indexOf('followup.scheduled')).toBe(types.indexOf('action.executed') + 1);
    const scheduled = chain.find((record) => record.type === 'followup.scheduled');
    const executed = chain.find((record) => record.type === 'action.executed');
    const dueAt = new Date(Date.parse(executed?.at ?? '') + 8 * HOUR).toISOString();
    expect(scheduled?.data).toMatchObject({
      action: 'revokeAccess',
      after: 'grantAccess',
      input: { requestId: 'req-evt-schedules', system: 'billing', level: 'admin' },
      dueAt,
    });
    const followUpId = String((scheduled?.data as { followUpId?: string } | undefined)?.followUpId);
    expect(result.scheduler.list()).toEqual([
      { name: followUpId, dueAt, payload: { kind: 'fire', followUpId } },
    ]);
    expect(await result.runs.listFollowUpsOfRun(runId)).toEqual([
      expect.objectContaining({ followUpId, action: 'revokeAccess', status: 'PENDING', dueAt }),
    ]);
    await expectAuthentic(chain);
  });

  it('runs the revoke when it is due and not before, without a policy evaluation, exactly once', async () => {
    const { result, runId, clock, events, followUp } = await grantedRun('evt-fires', 8);
    const [schedule] = result.scheduler.list();
    const followUpId = String(schedule?.payload.followUpId);
    const evaluationsBefore = typesOf(result.lineage.recordsOf(runId)).filter(
      (t) => t === 'policy.evaluated',
    ).length;

    clock.set(new Date(Date.parse(schedule?.dueAt ?? '') - 1000).toISOString());
    await expect(followUp({ kind: 'fire', followUpId })).rejects.toThrow(FollowUpNotDueError);
    expect(events.events).toEqual([]);

    clock.set(schedule?.dueAt ?? '');
    expect(await followUp({ kind: 'fire', followUpId })).toMatchObject({
      status: 'EXECUTED',
      action: 'revokeAccess',
    });
    expect(events.events).toEqual([
      expect.objectContaining({
        detailType: 'AccessRevoked',
        detail: expect.objectContaining({ requestId: 'req-evt-fires', system: 'billing', level: 'admin' }),
      }),
    ]);
    // The scheduler retries: nothing runs twice.
    expect(await followUp({ kind: 'fire', followUpId })).toMatchObject({ status: 'ALREADY_EXECUTED' });
    expect(events.events).toHaveLength(1);
    const chain = result.lineage.recordsOf(runId);
    expect(typesOf(chain).filter((t) => t === 'followup.executed')).toHaveLength(1);
    expect(typesOf(chain).filter((t) => t === 'policy.evaluated')).toHaveLength(evaluationsBefore);
    expect(chain.at(-1)).toMatchObject({
      type: 'followup.executed',
      actor: 'awf:follow-up',
      data: { switchMode: 'run' },
    });
    expect(await result.runs.getFollowUp(followUpId)).toMatchObject({ status: 'DONE' });
    await expectAuthentic(chain);
  });

  it('runs the revoke while the workflow is halted, and records that it did', async () => {
    const { result, runId, clock, events, followUp } = await grantedRun('evt-halted', 2);
    await result.runs.putSwitch({
      workflowId: pack.spec.id,
      mode: 'halt',
      since: NOW,
      reason: 'incident under investigation',
      by: 'ops@example.com',
    });
    const [schedule] = result.scheduler.list();
    clock.set(schedule?.dueAt ?? '');
    expect(await followUp({ kind: 'fire', followUpId: String(schedule?.payload.followUpId) })).toMatchObject({
      status: 'EXECUTED',
    });
    expect(events.events.map((event) => event.detailType)).toEqual(['AccessRevoked']);
    expect(result.lineage.recordsOf(runId).at(-1)).toMatchObject({
      type: 'followup.executed',
      data: { switchMode: 'halt' },
    });
  });

  it('keeps the revoke due while its cancellation waits for approval: it fires if its time comes', async () => {
    const { result, runId, clock, events, followUp } = await grantedRun('evt-cancel-pending', 4);
    const [schedule] = result.scheduler.list();
    const followUpId = String(schedule?.payload.followUpId);
    const asked = await askCancellation(followUp, followUpId, 'extended by the change board');
    expect(asked).toMatchObject({
      followUpId,
      approval: { status: 'PENDING', gated: { proposal: { action: 'cancel revokeAccess' } } },
    });
    expect(await result.runs.getFollowUp(followUpId)).toMatchObject({ status: 'PENDING' });
    expect(result.scheduler.list()).toHaveLength(1);

    clock.set(schedule?.dueAt ?? '');
    expect(await followUp({ kind: 'fire', followUpId })).toMatchObject({ status: 'EXECUTED' });
    expect(events.events).toHaveLength(1);
    const types = typesOf(result.lineage.recordsOf(runId));
    expect(types.slice(-2)).toEqual(['cancellation.requested', 'followup.executed']);
  });

  it('cancels the revoke once an approver approves: schedule deleted, item cancelled, recorded; it never runs', async () => {
    const { result, runId, clock, events, followUp, decide } = await grantedRun('evt-cancelled', 4);
    const [schedule] = result.scheduler.list();
    const followUpId = String(schedule?.payload.followUpId);
    const asked = await askCancellation(followUp, followUpId, 'extended by the change board');
    const { approvalId } = asked.approval;

    // Only the workflow's approvers decide it.
    await expect(
      decide({ approvalId, decision: 'APPROVE', approver: 'eve@example.com', reason: 'mine' }),
    ).rejects.toThrow(ApprovalDecisionError);
    expect(result.scheduler.list()).toHaveLength(1);
    const decided = await decide({
      approvalId,
      decision: 'APPROVE',
      approver: 'ada@example.com',
      reason: 'Extension approved.',
    });
    expect(decided).toMatchObject({ status: 'APPROVED' });
    expect(result.scheduler.list()).toEqual([]);
    expect(await result.runs.getFollowUp(followUpId)).toMatchObject({ status: 'CANCELLED' });
    const chain = result.lineage.recordsOf(runId);
    expect(chain.at(-1)).toMatchObject({
      type: 'followup.cancelled',
      actor: 'awf:decide-approval',
      data: { followUpId, approvalId, approvers: ['ada@example.com'] },
    });

    // Should anything still invoke it, it records nothing and runs nothing.
    clock.set(schedule?.dueAt ?? '');
    expect(await followUp({ kind: 'fire', followUpId })).toMatchObject({ status: 'CANCELLED' });
    expect(events.events).toEqual([]);
    expect(result.lineage.recordsOf(runId)).toHaveLength(chain.length);
    await expect(askCancellation(followUp, followUpId, 'again')).rejects.toThrow(
      /^409: .*FollowUpNotPending.*only a pending follow-up can be cancelled/,
    );
    await expectAuthentic(result.lineage.recordsOf(runId));
  });

  it('leaves the revoke due when the cancellation is rejected', async () => {
    const { result, followUp, decide } = await grantedRun('evt-cancel-rejected', 4);
    const [schedule] = result.scheduler.list();
    const followUpId = String(schedule?.payload.followUpId);
    const asked = await askCancellation(followUp, followUpId, 'please keep it');
    await decide({
      approvalId: asked.approval.approvalId,
      decision: 'REJECT',
      approver: 'bob@example.com',
      reason: 'No.',
    });
    expect(result.scheduler.list()).toHaveLength(1);
    expect(await result.runs.getFollowUp(followUpId)).toMatchObject({ status: 'PENDING' });
  });
});

describe("Act's retries", () => {
  it('schedule the follow-up once, and complete what a crashed attempt left undone, at the recorded due time', async () => {
    const { result, runId } = await grantedRun('evt-act-retry', 6);
    const executed = result.lineage.recordsOf(runId).find((record) => record.type === 'action.executed');
    if (!executed) throw new Error('the grant was not executed');
    const { proposalId, iteration } = executed.data as { proposalId: string; iteration: number };
    const run = await result.runs.getRun(runId);
    if (!run) throw new Error('the run is missing');
    const act = buildStep(actStep, pack, {
      runs: result.runs,
      lineage: result.lineage,
      events: new RecordingEventPublisher(),
      items: result.items,
      scheduler: result.scheduler,
      clock: () => new Date(Date.parse(NOW) + HOUR),
    });
    const [before] = result.scheduler.list();
    // As if the attempt crashed after recording followup.scheduled: the schedule is gone.
    await result.scheduler.delete(String(before?.name));
    const { runId: _id, workflowId, workflowVersion, entityId, eventId, startedAt, maxIterations } = run;
    const input = {
      run: { runId, workflowId, workflowVersion, entityId, eventId, startedAt, maxIterations },
      iteration,
      proposalIds: [proposalId],
    };
    expect(await act(input)).toMatchObject({ observations: [{ status: 'ALREADY_EXECUTED' }] });
    expect(await act(input)).toMatchObject({ observations: [{ status: 'ALREADY_EXECUTED' }] });
    expect(result.scheduler.list()).toEqual([before]);
    const types = typesOf(result.lineage.recordsOf(runId));
    expect(types.filter((type) => type === 'followup.scheduled')).toHaveLength(1);
    expect(await result.runs.listFollowUpsOfRun(runId)).toHaveLength(1);
  });
});

describe('follow-up ids', () => {
  it('derive from the run and the execution, so a retried Act names the same follow-up', () => {
    expect(followUpIdFor('run-1', 'exec-1', 'revokeAccess')).toBe(
      followUpIdFor('run-1', 'exec-1', 'revokeAccess'),
    );
    expect(followUpIdFor('run-1', 'exec-1', 'revokeAccess')).not.toBe(
      followUpIdFor('run-1', 'exec-2', 'revokeAccess'),
    );
    expect(followUpIdFor('run-1', 'exec-1', 'revokeAccess')).toMatch(/^fu-[0-9a-f]{24}$/);
  });
});

describe('the in-memory scheduler', () => {
  it('keeps one schedule per name and hands out those due, once', async () => {
    const scheduler = new InMemoryFollowUpScheduler();
    await scheduler.create({ name: 'a', dueAt: '2026-11-20T14:00:00.000Z', payload: { n: 1 } });
    await scheduler.create({ name: 'a', dueAt: '2026-11-21T14:00:00.000Z', payload: { n: 2 } });
    await scheduler.create({ name: 'b', dueAt: '2026-11-20T13:00:00.000Z', payload: {} });
    expect(scheduler.takeDue(new Date('2026-11-20T13:30:00.000Z')).map((s) => s.name)).toEqual(['b']);
    expect(scheduler.takeDue(new Date('2026-11-20T13:30:00.000Z'))).toEqual([]);
    expect(scheduler.list()).toEqual([{ name: 'a', dueAt: '2026-11-20T14:00:00.000Z', payload: { n: 1 } }]);
    await scheduler.delete('a');
    await scheduler.delete('a');
    expect(scheduler.list()).toEqual([]);
  });
});
