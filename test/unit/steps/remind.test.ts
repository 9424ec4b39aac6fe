/**
 * The remind step: reminders of pending approvals, and the timed escalation
 * ladder. The reference workflow's approvals wait 24h, with a reminder every
 * 4h and the ladder payments-lead (rung 1, due 4h after the request), then
 * finance-director (rung 2, due after 8h).
 */
import { computeRecordHash } from '../../../core/lineage/chain.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import { lineageWriter } from '../../../core/lineage/writer.js';
import type { EventPublisher } from '../../../core/ports.js';
import { portsFor, UndeclaredPortError } from '../../../core/steps/ports.js';
import { remindStep } from '../../../core/steps/remind/remind.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';
import {
  InMemoryLineageStore,
  InMemoryRunsStore,
  manualClock,
  namedError,
  RecordingEventPublisher,
  RecordingTaskCallbacks,
} from '../../support/in-memory-stores.js';
import { anApprovalRecord } from '../../support/run-builders.js';
import { buildStep, type TestPorts } from '../../support/step-builders.js';
import { testRecordKeys } from '../../support/trusted-ports.js';

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

/** A scheduled event; Remind ignores its content. */
const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
const HOUR = 3_600_000;
const REQUESTED_AT = '2026-11-02T14:21:00.000Z';
const EXPIRES_AT = '2026-11-03T14:21:00.000Z';

/** A lineage store on which another writer appends just before the next put of this one, once. */
class RacedLineageStore extends InMemoryLineageStore {
  #before: (() => Promise<void>) | undefined;

  /** Runs `append` (another writer's append) right before the next put. */
  raceNextPut(append: () => Promise<void>): void {
    this.#before = append;
  }

  override async putIfAbsent(record: LineageRecord): Promise<boolean> {
    const before = this.#before;
    this.#before = undefined;
    if (before) await before();
    return super.putIfAbsent(record);
  }
}

async function setup() {
  const runs = new InMemoryRunsStore();
  const lineage = new RacedLineageStore();
  const publisher = new RecordingEventPublisher();
  const clock = manualClock('2026-11-02T15:21:00.000Z');
  return { runs, lineage, publisher, clock, deps: { spec: refundTriage, runs, lineage, publisher, clock } };
}

/**
 * A pending approval as request-approval leaves it: the approval item, and its
 * `approval.requested` record (MACed under request-approval's key) at `requestedAt`.
 */
async function requestApproval(
  { runs, lineage }: { readonly runs: InMemoryRunsStore; readonly lineage: InMemoryLineageStore },
  approvalId: string,
  requestedAt = REQUESTED_AT,
) {
  const approval = anApprovalRecord({
    approvalId,
    runId: `run-of-${approvalId}`,
    requestedAt,
    expiresAt: new Date(Date.parse(requestedAt) + 24 * HOUR).toISOString(),
  });
  await runs.putApproval(approval);
  await lineageWriter('request-approval', lineage, () => new Date(requestedAt), testRecordKeys()).append(
    approval.runId,
    {
      type: 'approval.requested',
      actor: 'awf:request-approval',
      workflowId: approval.workflowId,
      entityId: approval.entityId,
      versions: { workflowVersion: refundTriage.version },
      data: {
        approvalId,
        proposalId: approval.proposalId,
        action: 'issueRefund',
        input: { orderId: 'ord_4k8m2p', amount: 1249 },
        risk: 'high',
        reasons: ['refund-up-to-limit-needs-approval'],
        bindingHash: approval.bindingHash,
        approverRoles: ['payments-approver'],
        quorum: 1,
        distinctRoles: false,
        excludedApproverHashes: [],
        expiresAt: approval.expiresAt,
      },
    },
  );
  return approval;
}

/** The rungs the chain of an approval's run holds, as [rung, role, approverRoles]. */
function rungsOf(lineage: InMemoryLineageStore, runId: string) {
  return lineage
    .ofType('approval.escalated', runId)
    .map(({ data, actor }) => [data.rung, data.role, data.approverRoles, actor]);
}

const escalatedEvents = (publisher: RecordingEventPublisher) =>
  publisher.ofType('ApprovalEscalated').map((event) => [event.detail.approvalId, event.detail.rung]);

describe('remind', () => {
  it('declares no callbacks, writes reminder items only, appends lineage and verifies only what it climbs from', () => {
    expect(remindStep.ports).toEqual({
      runs: { writes: ['reminder'] },
      events: 'workflow',
      lineage: 'append',
      recordKeys: { sign: true, verify: ['request-approval', 'remind'] },
    });
  });

  it('looks at the pending approvals of its workflow only, and leaves every approval item as it was', async () => {
    const { runs, lineage, clock, deps } = await setup();
    await requestApproval(deps, 'appr-1');
    await requestApproval(deps, 'appr-2');
    await requestApproval(deps, 'appr-decided');
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
      escalated: [
        { approvalId: 'appr-1', rung: 1, role: 'payments-lead' },
        { approvalId: 'appr-2', rung: 1, role: 'payments-lead' },
      ],
      expired: [],
      oldestPendingSeconds: expect.any(Number),
    });
    expect(summary.oldestPendingSeconds).toBeGreaterThan(0);
    expect(await runs.lastReminderAt('appr-decided')).toBeUndefined();
    expect(rungsOf(lineage, 'run-of-appr-decided')).toEqual([]);
    expect(await runs.lastReminderAt('appr-x')).toBeUndefined();
    expect(
      await Promise.all(['appr-1', 'appr-2', 'appr-decided', 'appr-x'].map((id) => runs.getApproval(id))),
    ).toEqual(before);
  });

  it('is given no callbacks and no approval writes, so answering a task or editing an approval throws', async () => {
    const { runs, lineage, clock } = await setup();
    const ports = portsFor(
      'remind',
      remindStep.ports,
      {
        runs,
        lineage,
        recordKeys: testRecordKeys(),
        callbacks: new RecordingTaskCallbacks(),
        events: new RecordingEventPublisher(),
      },
      clock,
    );
    expect(() => (ports as unknown as { callbacks: unknown }).callbacks).toThrow(UndeclaredPortError);
    for (const method of ['putApproval', 'refreshApprovalToken', 'decideApproval'] as const) {
      expect(() => ports.runs[method]).toThrow(UndeclaredPortError);
    }
    expect(typeof ports.runs.markReminded).toBe('function');
    // It signs with its own key only, and checks the records of request-approval and its own.
    expect(() => ports.recordKeys.sign('decide-approval', 'a'.repeat(64))).toThrow(UndeclaredPortError);
    expect(() => ports.recordKeys.verify('decide-approval', 'a'.repeat(64), 'b'.repeat(64))).toThrow(
      UndeclaredPortError,
    );
  });

  it('publishes ApprovalReminder once the request is older than the reminder interval, naming the roles that may approve now, and notes it', async () => {
    const { runs, publisher, clock, deps } = await setup();
    await requestApproval(deps, 'appr-1');

    clock.set('2026-11-02T18:20:59.000Z'); // 3h59m59s after the request
    await remind(scheduled, deps);
    expect(publisher.events).toEqual([]);

    clock.set('2026-11-02T18:21:00.000Z');
    const summary = await remind(scheduled, deps);
    expect(summary.reminded).toEqual(['appr-1']);
    expect(publisher.ofType('ApprovalReminder')).toEqual([
      {
        source: 'awf.refund-triage',
        detailType: 'ApprovalReminder',
        detail: {
          approvalId: 'appr-1',
          runId: 'run-of-appr-1',
          action: 'issueRefund',
          // Rung 1 came due with this reminder, and its record comes first.
          approverRoles: ['payments-approver', 'payments-lead'],
          expiresAt: EXPIRES_AT,
        },
      },
    ]);
    expect(await runs.lastReminderAt('appr-1')).toBe('2026-11-02T18:21:00.000Z');
  });

  it('waits a full interval after the last reminder before the next one', async () => {
    const { runs, publisher, clock, deps } = await setup();
    await requestApproval(deps, 'appr-1');
    clock.set('2026-11-02T18:21:00.000Z');
    await remind(scheduled, deps);
    clock.advance(HOUR);
    await remind(scheduled, deps);
    expect(publisher.ofType('ApprovalReminder')).toHaveLength(1);
    clock.advance(3 * HOUR);
    await remind(scheduled, deps);
    expect(publisher.ofType('ApprovalReminder')).toHaveLength(2);
    expect(await runs.lastReminderAt('appr-1')).toBe('2026-11-02T22:21:00.000Z');
  });

  it('skips approvals past their expiry, leaving them to the run’s timeout, and records no rung for them', async () => {
    const { runs, lineage, publisher, clock, deps } = await setup();
    await requestApproval(deps, 'appr-1');
    clock.set(EXPIRES_AT);
    expect(await remind(scheduled, deps)).toEqual({
      checked: 1,
      reminded: [],
      escalated: [],
      expired: ['appr-1'],
      oldestPendingSeconds: 86_400,
    });
    expect(publisher.events).toEqual([]);
    expect(rungsOf(lineage, 'run-of-appr-1')).toEqual([]);
    expect(await runs.lastReminderAt('appr-1')).toBeUndefined();
  });

  it('reminds about the others when one reminder cannot be published, then fails naming it, without noting it', async () => {
    const { runs, publisher, clock, deps } = await setup();
    await requestApproval(deps, 'appr-a', '2026-11-02T16:00:00.000Z');
    await requestApproval(deps, 'appr-b', '2026-11-02T16:10:00.000Z');
    clock.set('2026-11-02T20:05:00.000Z'); // 4h05m after appr-a: its rung 1 and a reminder are due
    // appr-a's rung 1 event goes through; its reminder is refused.
    const publish = publisher.publish.bind(publisher);
    let calls = 0;
    publisher.publish = async (events) => {
      calls += 1;
      if (calls === 2) throw namedError('EventPublishError', 'event bus refused 1 event(s)');
      return publish(events);
    };

    await expect(remind(scheduled, deps)).rejects.toMatchObject({
      name: 'ReminderError',
      message:
        'could not remind about 1 approval(s): appr-a (EventPublishError: event bus refused 1 event(s))',
    });
    expect(publisher.events.map((e) => [e.detailType, e.detail.approvalId])).toEqual([
      ['ApprovalEscalated', 'appr-a'],
    ]);
    expect(await runs.lastReminderAt('appr-a')).toBeUndefined();
    expect(await runs.lastReminderAt('appr-b')).toBeUndefined(); // 3h55m: not due yet
  });
});

describe('the escalation ladder', () => {
  it('records and announces rung 1 after one interval and rung 2 after two, each once, in order', async () => {
    const { lineage, publisher, clock, deps } = await setup();
    const approval = await requestApproval(deps, 'appr-1');

    clock.set('2026-11-02T18:20:59.000Z');
    await remind(scheduled, deps);
    expect(rungsOf(lineage, approval.runId)).toEqual([]);

    clock.set('2026-11-02T18:21:00.000Z');
    await remind(scheduled, deps);
    await remind(scheduled, deps); // the schedule ran twice: nothing more
    expect(rungsOf(lineage, approval.runId)).toEqual([
      [1, 'payments-lead', ['payments-approver', 'payments-lead'], 'awf:remind'],
    ]);

    clock.set('2026-11-02T22:21:00.000Z');
    await remind(scheduled, deps);
    clock.advance(4 * HOUR);
    await remind(scheduled, deps); // the ladder has no third rung
    expect(rungsOf(lineage, approval.runId)).toEqual([
      [1, 'payments-lead', ['payments-approver', 'payments-lead'], 'awf:remind'],
      [2, 'finance-director', ['payments-approver', 'payments-lead', 'finance-director'], 'awf:remind'],
    ]);
    expect(publisher.ofType('ApprovalEscalated')).toEqual([
      {
        source: 'awf.refund-triage',
        detailType: 'ApprovalEscalated',
        detail: {
          approvalId: 'appr-1',
          runId: approval.runId,
          proposalId: approval.proposalId,
          action: 'issueRefund',
          rung: 1,
          role: 'payments-lead',
          approverRoles: ['payments-approver', 'payments-lead'],
          dueAt: '2026-11-02T18:21:00.000Z',
          expiresAt: EXPIRES_AT,
        },
      },
      expect.objectContaining({ detail: expect.objectContaining({ rung: 2, role: 'finance-director' }) }),
    ]);
    // Each rung's record carries when it was due and when it landed.
    expect(lineage.ofType('approval.escalated', approval.runId).map((r) => [r.data.dueAt, r.at])).toEqual([
      ['2026-11-02T18:21:00.000Z', '2026-11-02T18:21:00.000Z'],
      ['2026-11-02T22:21:00.000Z', '2026-11-02T22:21:00.000Z'],
    ]);
  });

  it('records every rung a late schedule finds due, in rung order, before the reminder', async () => {
    const { lineage, publisher, clock, deps } = await setup();
    const approval = await requestApproval(deps, 'appr-1');
    clock.set('2026-11-03T01:00:00.000Z'); // 10h39m after the request: both rungs are due

    const summary = await remind(scheduled, deps);

    expect(summary.escalated).toEqual([
      { approvalId: 'appr-1', rung: 1, role: 'payments-lead' },
      { approvalId: 'appr-1', rung: 2, role: 'finance-director' },
    ]);
    expect(lineage.recordsOf(approval.runId).map((r) => [r.type, r.data.rung])).toEqual([
      ['approval.requested', undefined],
      ['approval.escalated', 1],
      ['approval.escalated', 2],
    ]);
    expect(publisher.events.map((e) => [e.detailType, e.detail.rung])).toEqual([
      ['ApprovalEscalated', 1],
      ['ApprovalEscalated', 2],
      ['ApprovalReminder', undefined],
    ]);
  });

  it('after failing halfway, records only the rungs still missing: the chain says what was reached', async () => {
    const { lineage, publisher, clock, deps } = await setup();
    const approval = await requestApproval(deps, 'appr-1');
    clock.set('2026-11-03T01:00:00.000Z');
    // Rung 1 is recorded; its event is refused, so the run stops there for this approval.
    publisher.failNextWith(namedError('EventPublishError', 'event bus refused 1 event(s)'));
    await expect(remind(scheduled, deps)).rejects.toMatchObject({ name: 'ReminderError' });
    expect(rungsOf(lineage, approval.runId).map(([rung]) => rung)).toEqual([1]);

    await remind(scheduled, deps);

    expect(rungsOf(lineage, approval.runId).map(([rung]) => rung)).toEqual([1, 2]);
    // Rung 1 is not announced twice; the reminder names its role with rung 2's.
    expect(escalatedEvents(publisher)).toEqual([['appr-1', 2]]);
    expect(publisher.ofType('ApprovalReminder')[0]?.detail.approverRoles).toEqual([
      'payments-approver',
      'payments-lead',
      'finance-director',
    ]);
  });

  it('lands its rung after a decision appended at the same moment, once, on a chain that stays linked', async () => {
    const { lineage, clock, deps } = await setup();
    const approval = await requestApproval(deps, 'appr-1');
    clock.set('2026-11-02T18:30:00.000Z');
    lineage.raceNextPut(async () => {
      await lineageWriter('decide-approval', lineage, clock, testRecordKeys()).append(approval.runId, {
        type: 'approval.refused',
        actor: 'awf:decide-approval',
        workflowId: approval.workflowId,
        entityId: approval.entityId,
        versions: { workflowVersion: refundTriage.version },
        data: {
          approvalId: 'appr-1',
          proposalId: approval.proposalId,
          principal: 'mallory@acme.example',
          decision: 'APPROVE',
          refusal: '"mallory@acme.example" is not an approver of workflow "refund-triage"',
        },
      });
    });

    await remind(scheduled, deps);

    const chain = lineage.recordsOf(approval.runId);
    expect(chain.map((r) => [r.seq, r.type])).toEqual([
      [0, 'approval.requested'],
      [1, 'approval.refused'],
      [2, 'approval.escalated'],
    ]);
    expect(chain[2]?.prevHash).toBe(chain[1]?.hash);
  });

  it('writes and announces nothing when another remind run records the same rung first', async () => {
    const { lineage, publisher, clock, deps } = await setup();
    const approval = await requestApproval(deps, 'appr-1');
    clock.set('2026-11-02T18:30:00.000Z');
    const other = new RecordingEventPublisher();
    lineage.raceNextPut(() => remind(scheduled, { ...deps, publisher: other }).then(() => undefined));

    await remind(scheduled, deps);

    expect(rungsOf(lineage, approval.runId).map(([rung]) => rung)).toEqual([1]);
    expect(escalatedEvents(other)).toEqual([['appr-1', 1]]);
    expect(escalatedEvents(publisher)).toEqual([]);
  });

  it('is not stopped by a forged rung record: the real rung is recorded, under its own MAC', async () => {
    const { lineage, clock, deps } = await setup();
    const approval = await requestApproval(deps, 'appr-1');
    const [requested] = lineage.recordsOf(approval.runId) as [LineageRecord];
    // What someone with write access to the lineage table could put: linked and hashed, no valid MAC.
    const forged = {
      ...requested,
      type: 'approval.escalated' as const,
      actor: 'awf:remind',
      seq: 1,
      prevHash: requested.hash,
      data: {
        approvalId: 'appr-1',
        proposalId: approval.proposalId,
        action: 'issueRefund',
        rung: 1,
        role: 'payments-lead',
        approverRoles: ['payments-approver', 'payments-lead'],
        dueAt: '2026-11-02T18:21:00.000Z',
        expiresAt: EXPIRES_AT,
      },
    };
    const { hash: _hash, mac: _mac, ...unhashed } = forged;
    await lineage.putIfAbsent({ ...unhashed, hash: computeRecordHash(unhashed), mac: 'ab'.repeat(32) });

    clock.set('2026-11-02T18:30:00.000Z');
    await remind(scheduled, deps);

    expect(lineage.recordsOf(approval.runId).map((r) => [r.seq, r.type, r.data.rung])).toEqual([
      [0, 'approval.requested', undefined],
      [1, 'approval.escalated', 1],
      [2, 'approval.escalated', 1],
    ]);
  });

  it("climbs no ladder for a follow-up's cancellation, which holds back no action, and still reminds of it", async () => {
    const { runs, lineage, publisher, clock, deps } = await setup();
    await runs.putApproval(
      anApprovalRecord({
        approvalId: 'appr-cancel',
        runId: 'run-cancel',
        followUpCancellation: {
          followUpId: 'fu-1',
          dueAt: '2026-11-05T14:21:00.000Z',
          requestedBy: 'ops@acme.example',
        },
      }),
    );
    clock.set('2026-11-03T01:00:00.000Z');

    const summary = await remind(scheduled, deps);

    expect(summary).toMatchObject({ reminded: ['appr-cancel'], escalated: [] });
    expect(lineage.recordsOf('run-cancel')).toEqual([]);
    expect(publisher.events.map((e) => [e.detailType, e.detail.approverRoles])).toEqual([
      ['ApprovalReminder', ['payments-approver']],
    ]);
  });

  it('fails naming an approval whose request the lineage lacks, and climbs the others', async () => {
    const { runs, lineage, clock, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-orphan', runId: 'run-orphan' }));
    const approval = await requestApproval(deps, 'appr-1');
    clock.set('2026-11-02T18:30:00.000Z');

    await expect(remind(scheduled, deps)).rejects.toThrow(
      'could not remind about 1 approval(s): appr-orphan (EscalationLadderError: approval "appr-orphan" has no authentic approval.requested record in the lineage of run run-orphan: its escalation ladder cannot be climbed)',
    );
    expect(rungsOf(lineage, approval.runId).map(([rung]) => rung)).toEqual([1]);
  });
});
