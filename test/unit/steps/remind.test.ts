import type { EventPublisher } from '../../../core/ports.js';
import { remindStep } from '../../../core/steps/remind/remind.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import { buildStep, type TestPorts } from '../../support/step-builders.js';

function remind(
  event: unknown,
  {
    spec,
    publisher,
    ...ports
  }: TestPorts & { readonly spec: WorkflowSpec; readonly publisher: EventPublisher },
) {
  return buildStep(remindStep, { spec, prompt: '', policies: '' }, { ...ports, events: publisher })(event);
}

import refundTriage from '../../../workflows/refund-triage/workflow.js';
import {
  InMemoryRunsStore,
  manualClock,
  namedError,
  RecordingEventPublisher,
  RecordingTaskCallbacks,
} from '../../support/in-memory-stores.js';
import { anApprovalRecord } from '../../support/run-builders.js';

/** A scheduled event; Remind ignores its content. */
const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
const HOUR = 3_600_000;

async function setup() {
  const runs = new InMemoryRunsStore();
  const callbacks = new RecordingTaskCallbacks();
  const publisher = new RecordingEventPublisher();
  // Approvals below are requested at 14:21 and expire 24 hours later; the reminder interval is 4h.
  const clock = manualClock('2026-11-02T15:21:00.000Z');
  return {
    runs,
    callbacks,
    publisher,
    clock,
    deps: { spec: refundTriage, runs, callbacks, publisher, clock },
  };
}

describe('remind', () => {
  it('sends a heartbeat for every pending approval of the workflow, and none for decided or foreign ones', async () => {
    const { runs, callbacks, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-1', taskToken: 'token-1' }));
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-2', taskToken: 'token-2' }));
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-decided', taskToken: 'token-decided' }));
    await runs.putApproval(
      anApprovalRecord({ approvalId: 'appr-x', taskToken: 'token-x', workflowId: 'ticket-triage' }),
    );
    await runs.decideApproval('appr-decided', {
      status: 'APPROVED',
      at: '2026-11-02T15:00:00.000Z',
      by: 'a',
      reason: 'ok',
    });

    const summary = await remind(scheduled, deps);
    expect(callbacks.heartbeats.map((c) => c.taskToken)).toEqual(['token-1', 'token-2']);
    expect(summary).toEqual({ checked: 2, heartbeats: 2, reminded: [], gone: [], expired: [] });
  });

  it('publishes ApprovalReminder once the request is older than the reminder interval, and notes it', async () => {
    const { runs, publisher, clock, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-1' }));

    clock.set('2026-11-02T18:20:59.000Z'); // 3h59m59s after the request
    await remind(scheduled, deps);
    expect(publisher.events).toEqual([]);

    clock.set('2026-11-02T18:21:00.000Z');
    const summary = await remind(scheduled, deps);
    expect(summary.reminded).toEqual(['appr-1']);
    expect(publisher.events).toEqual([
      {
        source: 'awf.refund-triage',
        detailType: 'ApprovalReminder',
        detail: {
          approvalId: 'appr-1',
          runId: 'run-0123456789abcdef01234567',
          action: 'issueRefund',
          approverRoles: ['payments-approver'],
          expiresAt: '2026-11-03T14:21:00.000Z',
        },
      },
    ]);
    expect((await runs.getApproval('appr-1'))?.lastReminderAt).toBe('2026-11-02T18:21:00.000Z');
  });

  it('waits a full interval after the last reminder before the next one', async () => {
    const { runs, publisher, clock, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-1' }));
    clock.set('2026-11-02T18:21:00.000Z');
    await remind(scheduled, deps);
    clock.advance(HOUR);
    await remind(scheduled, deps);
    expect(publisher.events).toHaveLength(1);
    clock.advance(3 * HOUR);
    await remind(scheduled, deps);
    expect(publisher.events).toHaveLength(2);
  });

  it('skips approvals past their expiry, leaving them to the run’s timeout', async () => {
    const { runs, callbacks, publisher, clock, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-1' }));
    clock.set('2026-11-03T14:21:00.000Z');
    expect(await remind(scheduled, deps)).toMatchObject({ heartbeats: 0, expired: ['appr-1'] });
    expect(callbacks.calls).toEqual([]);
    expect(publisher.events).toEqual([]);
  });

  it('goes on with the other approvals when a task is gone (TaskTimedOut, TaskDoesNotExist)', async () => {
    const { runs, callbacks, publisher, clock, deps } = await setup();
    await runs.putApproval(
      anApprovalRecord({
        approvalId: 'appr-a',
        taskToken: 'token-a',
        requestedAt: '2026-11-02T14:00:00.000Z',
      }),
    );
    await runs.putApproval(
      anApprovalRecord({
        approvalId: 'appr-b',
        taskToken: 'token-b',
        requestedAt: '2026-11-02T14:10:00.000Z',
      }),
    );
    await runs.putApproval(
      anApprovalRecord({
        approvalId: 'appr-c',
        taskToken: 'token-c',
        requestedAt: '2026-11-02T14:20:00.000Z',
      }),
    );
    callbacks.closeToken('token-a', 'TaskTimedOut');
    callbacks.closeToken('token-b', 'TaskDoesNotExist');
    clock.set('2026-11-02T19:00:00.000Z');

    const summary = await remind(scheduled, deps);
    expect(summary).toMatchObject({ heartbeats: 1, gone: ['appr-a', 'appr-b'], reminded: ['appr-c'] });
    expect(publisher.events.map((e) => e.detail.approvalId)).toEqual(['appr-c']);
  });

  it('fails after tending the others when a heartbeat fails for another reason, naming the approval', async () => {
    const { runs, callbacks, deps } = await setup();
    await runs.putApproval(
      anApprovalRecord({
        approvalId: 'appr-a',
        taskToken: 'token-a',
        requestedAt: '2026-11-02T14:00:00.000Z',
      }),
    );
    await runs.putApproval(
      anApprovalRecord({
        approvalId: 'appr-b',
        taskToken: 'token-b',
        requestedAt: '2026-11-02T14:10:00.000Z',
      }),
    );
    callbacks.failCallsOn('token-a', namedError('ThrottlingException', 'Rate exceeded'));

    await expect(remind(scheduled, deps)).rejects.toMatchObject({
      name: 'ReminderError',
      message: 'could not tend 1 approval(s): appr-a (ThrottlingException: Rate exceeded)',
    });
    expect(callbacks.heartbeats.map((c) => c.taskToken)).toEqual(['token-b']);
  });

  it('fails naming the approval when its reminder cannot be published, without noting it as reminded', async () => {
    const { runs, publisher, clock, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-1' }));
    clock.set('2026-11-02T19:00:00.000Z');
    publisher.failNextWith(namedError('EventPublishError', 'event bus refused 1 event(s)'));
    await expect(remind(scheduled, deps)).rejects.toThrow(/appr-1 \(EventPublishError/);
    expect((await runs.getApproval('appr-1'))?.lastReminderAt).toBeUndefined();
  });
});
