import type { EventPublisher } from '../../../core/ports.js';
import { portsFor, UndeclaredPortError } from '../../../core/steps/ports.js';
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
  const publisher = new RecordingEventPublisher();
  // Approvals below are requested at 14:21 and expire 24 hours later; the reminder interval is 4h.
  const clock = manualClock('2026-11-02T15:21:00.000Z');
  return { runs, publisher, clock, deps: { spec: refundTriage, runs, publisher, clock } };
}

describe('remind', () => {
  it('declares no callbacks and writes reminder items only: it can neither resume a task nor edit an approval', () => {
    expect(remindStep.ports).toEqual({ runs: { writes: ['reminder'] }, events: 'workflow' });
  });

  it('looks at the pending approvals of its workflow only, and leaves every approval as it was', async () => {
    const { runs, clock, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-1' }));
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-2' }));
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-decided' }));
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-x', workflowId: 'ticket-triage' }));
    await runs.decideApproval('appr-decided', {
      status: 'APPROVED',
      at: '2026-11-02T15:00:00.000Z',
      by: 'a',
      reason: 'ok',
    });
    const before = await Promise.all(
      ['appr-1', 'appr-2', 'appr-decided', 'appr-x'].map((id) => runs.getApproval(id)),
    );

    clock.set('2026-11-02T19:00:00.000Z');
    const summary = await remind(scheduled, deps);
    expect(summary).toEqual({
      checked: 2,
      reminded: ['appr-1', 'appr-2'],
      expired: [],
      oldestPendingSeconds: expect.any(Number),
    });
    expect(summary.oldestPendingSeconds).toBeGreaterThan(0);
    expect(await runs.lastReminderAt('appr-decided')).toBeUndefined();
    expect(await runs.lastReminderAt('appr-x')).toBeUndefined();
    expect(
      await Promise.all(['appr-1', 'appr-2', 'appr-decided', 'appr-x'].map((id) => runs.getApproval(id))),
    ).toEqual(before);
  });

  it('is given no callbacks and no approval writes, so answering a task or editing an approval throws', async () => {
    const { runs, clock } = await setup();
    const ports = portsFor(
      'remind',
      remindStep.ports,
      { runs, callbacks: new RecordingTaskCallbacks(), events: new RecordingEventPublisher() },
      clock,
    );
    expect(() => (ports as unknown as { callbacks: unknown }).callbacks).toThrow(UndeclaredPortError);
    for (const method of ['putApproval', 'refreshApprovalToken', 'decideApproval'] as const) {
      expect(() => ports.runs[method]).toThrow(UndeclaredPortError);
    }
    expect(typeof ports.runs.markReminded).toBe('function');
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
    expect(await runs.lastReminderAt('appr-1')).toBe('2026-11-02T18:21:00.000Z');
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
    expect(await runs.lastReminderAt('appr-1')).toBe('2026-11-02T22:21:00.000Z');
  });

  it('skips approvals past their expiry, leaving them to the run’s timeout', async () => {
    const { runs, publisher, clock, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-1' }));
    clock.set('2026-11-03T14:21:00.000Z');
    expect(await remind(scheduled, deps)).toEqual({
      checked: 1,
      reminded: [],
      expired: ['appr-1'],
      oldestPendingSeconds: 86_400,
    });
    expect(publisher.events).toEqual([]);
    expect(await runs.lastReminderAt('appr-1')).toBeUndefined();
  });

  it('reminds about the others when one reminder cannot be published, then fails naming it, without noting it', async () => {
    const { runs, publisher, clock, deps } = await setup();
    await runs.putApproval(
      anApprovalRecord({ approvalId: 'appr-a', requestedAt: '2026-11-02T14:00:00.000Z' }),
    );
    await runs.putApproval(
      anApprovalRecord({ approvalId: 'appr-b', requestedAt: '2026-11-02T14:10:00.000Z' }),
    );
    clock.set('2026-11-02T19:00:00.000Z');
    publisher.failNextWith(namedError('EventPublishError', 'event bus refused 1 event(s)'));

    await expect(remind(scheduled, deps)).rejects.toMatchObject({
      name: 'ReminderError',
      message:
        'could not remind about 1 approval(s): appr-a (EventPublishError: event bus refused 1 event(s))',
    });
    expect(publisher.events.map((e) => e.detail.approvalId)).toEqual(['appr-b']);
    expect(await runs.lastReminderAt('appr-a')).toBeUndefined();
    expect(await runs.lastReminderAt('appr-b')).toBe('2026-11-02T19:00:00.000Z');
  });
});
