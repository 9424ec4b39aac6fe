/**
 * What the local demo (`npm start`) reports: awf decides by its own clock,
 * never by an event's time, so an example that gives its own `time` may end
 * otherwise at the hour the demo runs. The demo says so, counts it apart and
 * not as a failure; any other difference stays one. Its approver drives a
 * quorum to its end, asking each person once and never the requester.
 */
import { join } from 'node:path';
import {
  clockDecisionLine,
  type DemoRunOutcome,
  demoApproverFor,
  demoSummary,
  judgeOutcome,
} from '../../../cli/commands/local-demo.js';
import type { ApprovalRecord } from '../../../core/runs/records.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import { loadWorkflowPack, WORKFLOWS_DIR } from '../../../workflows/discover.js';

/** When the demo runs: a Saturday, outside the access-request business hours. */
const DEMO_CLOCK = new Date('2026-12-05T04:50:00.000Z');
const EVENING = '2026-11-17T20:00:00Z';

const forbiddenInTheEvening = {
  expect: { outcome: 'DENY' as const, status: 'ESCALATED' as const, actions: [] },
  time: EVENING,
};
const untimed = {
  expect: { outcome: 'ALLOW' as const, status: 'COMPLETED' as const, actions: ['issueRefund'] },
};

describe('judgeOutcome', () => {
  it('holds a run that ended as its example expects as expected, timed or not', () => {
    expect(judgeOutcome(forbiddenInTheEvening, 'ESCALATED', DEMO_CLOCK)).toEqual({ asExpected: true });
    expect(judgeOutcome(untimed, 'COMPLETED', DEMO_CLOCK)).toEqual({ asExpected: true });
  });

  it("says a timed example that ended otherwise was decided by awf's clock, not at its time", () => {
    expect(judgeOutcome(forbiddenInTheEvening, 'COMPLETED', DEMO_CLOCK)).toEqual({
      asExpected: false,
      decidedByClock: { exampleTime: '2026-11-17T20:00:00.000Z', decidedAt: '2026-12-05T04:50:00.000Z' },
    });
  });

  it('keeps a difference of an example without its own time a failure', () => {
    expect(judgeOutcome(untimed, 'ESCALATED', DEMO_CLOCK)).toEqual({ asExpected: false });
  });

  it('never puts a failed run down to the clock, timed or not', () => {
    for (const outcome of ['FAILED', 'EXECUTION_TIMED_OUT', 'EVENT_REJECTED']) {
      expect(judgeOutcome(forbiddenInTheEvening, outcome, DEMO_CLOCK)).toEqual({ asExpected: false });
    }
  });
});

describe('clockDecisionLine', () => {
  it("names the example's time, awf's clock and the command that runs it at its time", () => {
    const clock = { exampleTime: '2026-11-17T20:00:00.000Z', decidedAt: '2026-12-05T10:15:00.000Z' };
    const line = clockDecisionLine(
      { workflowId: 'grant-review', example: 'admin-prod-evening-forbidden', outcome: 'COMPLETED' },
      'ESCALATED',
      clock,
    );
    expect(line).toBe(
      '  demo: grant-review/admin-prod-evening-forbidden ended COMPLETED; its example expects ESCALATED at its own time ' +
        "(2026-11-17T20:00:00.000Z), but awf decided by its clock at 2026-12-05T10:15:00.000Z, never by the event's time. " +
        'npx awf packs test --pack grant-review runs it at its time.',
    );
  });
});

describe('demoSummary', () => {
  const run = (example: string, outcome: string, judged: Partial<DemoRunOutcome> = {}): DemoRunOutcome => ({
    workflowId: 'grant-review',
    example,
    outcome,
    asExpected: true,
    ...judged,
  });
  const byClock = (example: string, outcome: string, decidedAt: string) =>
    run(example, outcome, {
      asExpected: false,
      decidedByClock: { exampleTime: '2026-11-17T10:00:00.000Z', decidedAt },
    });

  it('says every run ended as expected when they did', () => {
    expect(demoSummary([run('a', 'COMPLETED'), run('b', 'ESCALATED')])).toBe(
      'demo: 2 example event(s) ended; 2 as their examples expect',
    );
  });

  it("counts the runs decided by awf's clock apart from the expected ones and from the failures", () => {
    const summary = demoSummary([
      run('viewer-dev-autonomous', 'COMPLETED'),
      byClock('admin-prod-business-hours-approved', 'ESCALATED', '2026-12-05T04:50:01.000Z'),
      run('vague-justification', 'FAILED', { asExpected: false }),
    ]);
    expect(summary).toBe(
      "demo: 3 example event(s) ended; 1 as their examples expect; 1 decided by awf's clock at 2026-12-05T04:50:01.000Z, " +
        "not at their examples' time (grant-review/admin-prod-business-hours-approved ended ESCALATED; npx awf packs test runs them at it)" +
        '; not as expected: grant-review/vague-justification ended FAILED',
    );
  });

  it("spans the clock's times when several runs were decided by it", () => {
    const summary = demoSummary([
      byClock('b', 'COMPLETED', '2026-12-05T04:50:02.000Z'),
      byClock('a', 'ESCALATED', '2026-12-05T04:50:01.000Z'),
    ]);
    expect(summary).toContain(
      "0 as their examples expect; 2 decided by awf's clock at 2026-12-05T04:50:01.000Z to 2026-12-05T04:50:02.000Z",
    );
    expect(summary).not.toContain('not as expected');
  });
});

describe('demoApproverFor', () => {
  let spec: WorkflowSpec;
  beforeAll(async () => {
    spec = (await loadWorkflowPack(join(WORKFLOWS_DIR, 'access-request'))).spec;
  });

  /** An admin grant's approval as the runs table holds it: security and a system owner. */
  const adminApproval = (requester: string) =>
    ({
      approverRoles: ['security', 'system-owner'],
      quorum: 2,
      distinctRoles: true,
      excludedApprovers: [requester],
    }) as unknown as ApprovalRecord;

  it('drives a two-role quorum to its end: an owner, then security, then nobody more', () => {
    const approval = adminApproval('ravi.patel@acme.example');
    expect(demoApproverFor(spec, approval)).toBe('olivia@acme.example');
    expect(demoApproverFor(spec, approval, ['olivia@acme.example'])).toBe('sam@acme.example');
    // Both roles stand: another owner would add nothing.
    expect(demoApproverFor(spec, approval, ['olivia@acme.example', 'sam@acme.example'])).toBeUndefined();
  });

  it('never picks the requester, nor anyone twice', () => {
    const approval = adminApproval('sam@acme.example');
    expect(demoApproverFor(spec, approval, ['olivia@acme.example'])).toBe('grace@acme.example');
    expect(demoApproverFor(spec, approval, ['grace@acme.example'])).toBe('olivia@acme.example');
  });
});
