/**
 * The escalation ladder on the virtual clock, through the real state machine
 * and steps (the pack tester, which runs the remind step every reminder
 * interval as the workflow's schedule does): an approval nobody decides
 * reaches rung 1 after 4 hours and rung 2 after 8, each recorded and
 * announced once, then expires at 24 hours and the action is denied by
 * default; a rung's role may approve once its rung is recorded, not before.
 */
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { createPackTester, type PackTester } from '../../../local/pack-test/pack-tester.js';
import { type ExampleEvent, loadExampleEvents } from '../../../workflows/discover.js';
import { loadReferencePack } from '../../support/packs.js';

const HOUR = 3_600_000;

let tester: PackTester;
let largeRefund: ExampleEvent;

beforeAll(async () => {
  const reference = await loadReferencePack();
  // dana directs finance: the ladder's second rung is her only claim to approve.
  const pack: WorkflowPack = {
    ...reference.pack,
    spec: {
      ...reference.pack.spec,
      approvals: {
        ...reference.pack.spec.approvals,
        approvers: { ...reference.pack.spec.approvals.approvers, 'dana@acme.example': ['finance-director'] },
      },
    },
  };
  tester = await createPackTester(pack, reference.dir);
  const example = loadExampleEvents(reference.dir).find((e) => e.name === 'approval-large-refund');
  if (!example) throw new Error('expected the approval-large-refund example');
  largeRefund = example;
});

/** Milliseconds from the run's start to an instant. */
function sinceStart(at: string): number {
  const started = tester.lineage.find((record) => record.type === 'run.started');
  if (!started) throw new Error('the run has no run.started record');
  return Date.parse(at) - Date.parse(started.at);
}

describe('the escalation ladder on the virtual clock', () => {
  it('records rung 1, then rung 2, then the expiry, and ends ESCALATED with nothing run', async () => {
    const result = await tester.run({ ...largeRefund, approvals: ['no-decision'] });

    expect(result.actual).toEqual({ outcome: 'REQUIRE_APPROVAL', status: 'ESCALATED', actions: [] });
    const ladder = tester.lineage
      .filter((record) => record.type.startsWith('approval.') || record.type.startsWith('run.escalated'))
      .map((record) => [
        record.type,
        record.data.rung ?? null,
        record.data.role ?? null,
        sinceStart(record.at),
      ]);
    expect(ladder).toEqual([
      ['approval.requested', null, null, 0],
      ['approval.escalated', 1, 'payments-lead', 4 * HOUR],
      ['approval.escalated', 2, 'finance-director', 8 * HOUR],
      ['approval.expired', null, null, 24 * HOUR],
      ['run.escalated', null, null, 24 * HOUR],
    ]);
    expect(tester.lineage.find((record) => record.type === 'run.escalated')?.data).toMatchObject({
      status: 'ESCALATED',
      reason: 'APPROVAL_EXPIRED',
    });
    // Each rung announced once, in order, before the run's escalation.
    const announced = tester.events
      .filter((event) => ['ApprovalEscalated', 'WorkflowEscalated'].includes(event.detailType))
      .map((event) => [event.detailType, event.detail.rung ?? null]);
    expect(announced).toEqual([
      ['ApprovalEscalated', 1],
      ['ApprovalEscalated', 2],
      ['WorkflowEscalated', null],
    ]);
  });

  it("refuses rung 2's role before rung 2, and the approval still expires", async () => {
    const result = await tester.run({
      ...largeRefund,
      approvals: [{ decision: 'APPROVE', after: '5h', approver: 'dana@acme.example' }],
    });

    expect(result.mismatches[0]).toMatch(
      /was refused: .*"dana@acme.example" holds finance-director: finance-director may decide it from rung 2 of its escalation ladder/,
    );
    expect(result.actual).toEqual({ outcome: 'REQUIRE_APPROVAL', status: 'ESCALATED', actions: [] });
    expect(tester.lineage.map((record) => record.type)).toContain('approval.refused');
  });

  it("lets rung 2's role approve once rung 2 is recorded, and the action runs", async () => {
    const result = await tester.run({
      ...largeRefund,
      approvals: [
        { decision: 'APPROVE', after: '9h', approver: 'dana@acme.example', reason: 'Lost parcel.' },
      ],
    });

    expect(result.mismatches).toEqual([]);
    expect(result.actual).toEqual({
      outcome: 'REQUIRE_APPROVAL',
      status: 'COMPLETED',
      actions: ['issueRefund'],
    });
    const executed = tester.lineage.find((record) => record.type === 'action.executed');
    expect(executed?.data.approvers).toEqual(['dana@acme.example']);
  });
});
