/**
 * The escalation ladder's arithmetic (when each rung is due), what the chain
 * says was reached, and how the tally counts a rung's role: only in
 * decisions recorded after the rung.
 */
import {
  dueRungs,
  ladderOf,
  notYetReached,
  reachedRungs,
  rolesWithRungs,
} from '../../../core/approval/ladder.js';
import { tallyApprovals } from '../../../core/approval/tally.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import type { LineageRecordType } from '../../../core/lineage/registry.js';
import { lineageWriter } from '../../../core/lineage/writer.js';
import type { StepName } from '../../../core/steps/step-names.js';
import { InMemoryLineageStore, steppingClock } from '../../support/in-memory-stores.js';
import { aRecordData } from '../../support/lineage-builders.js';
import { testRecordKeys } from '../../support/trusted-ports.js';

const approvals = { escalation: ['payments-lead', 'finance-director'], reminderInterval: '4h' };
const REQUESTED_AT = '2026-11-02T14:21:00.000Z';
const EXPIRES_AT = '2026-11-03T14:21:00.000Z';

describe('ladderOf', () => {
  it('puts rung k k reminder intervals after the request, in the escalation order', () => {
    expect(ladderOf({ approvals, requestedAt: REQUESTED_AT, expiresAt: EXPIRES_AT })).toEqual([
      { rung: 1, role: 'payments-lead', dueAt: '2026-11-02T18:21:00.000Z' },
      { rung: 2, role: 'finance-director', dueAt: '2026-11-02T22:21:00.000Z' },
    ]);
  });

  it('leaves out the rungs the expiry comes before or with: the approval is denied first', () => {
    expect(
      ladderOf({
        approvals: { ...approvals, escalation: ['lead', 'director', 'cfo'] },
        requestedAt: REQUESTED_AT,
        expiresAt: '2026-11-02T22:21:00.000Z', // exactly when rung 2 would be due
      }).map((rung) => rung.role),
    ).toEqual(['lead']);
  });

  it('names the instant that does not parse', () => {
    expect(() => ladderOf({ approvals, requestedAt: 'yesterday', expiresAt: EXPIRES_AT })).toThrow(
      'requestedAt: expected an ISO-8601 instant, got "yesterday"',
    );
    expect(() => ladderOf({ approvals, requestedAt: REQUESTED_AT, expiresAt: '' })).toThrow(
      'expiresAt: expected an ISO-8601 instant, got ""',
    );
  });
});

describe('dueRungs', () => {
  const ladder = ladderOf({ approvals, requestedAt: REQUESTED_AT, expiresAt: EXPIRES_AT });

  it('has a rung due from its instant on, and several when the schedule comes late', () => {
    expect(dueRungs(ladder, new Date('2026-11-02T18:20:59.999Z'))).toEqual([]);
    expect(dueRungs(ladder, new Date('2026-11-02T18:21:00.000Z')).map((r) => r.rung)).toEqual([1]);
    expect(dueRungs(ladder, new Date('2026-11-03T02:00:00.000Z')).map((r) => r.rung)).toEqual([1, 2]);
  });
});

/** Appends records as their registry writers do, a second apart from REQUESTED_AT. */
async function chainOf(
  entries: readonly (readonly [StepName, LineageRecordType, Record<string, unknown>?, string?])[],
): Promise<LineageRecord[]> {
  const store = new InMemoryLineageStore();
  const clock = steppingClock(REQUESTED_AT);
  for (const [step, type, data = {}, actor = `awf:${step}`] of entries) {
    await lineageWriter(step, store, clock, testRecordKeys()).append('run-1', {
      type,
      actor,
      workflowId: 'payout-review',
      entityId: 'ord_4k8m2p',
      versions: { workflowVersion: '1.0.0' },
      data: { ...aRecordData(type), ...data },
    } as never);
  }
  return store.recordsOf('run-1');
}

const rung = (n: number, role: string, approvalId = 'appr-1') =>
  ['remind', 'approval.escalated', { approvalId, rung: n, role }] as const;
const decided = (principal: string) =>
  ['decide-approval', 'approval.decided', {}, `human:${principal}`] as const;

describe('reachedRungs', () => {
  it('reads each rung once, after the request, for its approval only', async () => {
    const chain = await chainOf([
      rung(1, 'payments-lead'), // before the request: widens nothing
      ['request-approval', 'approval.requested'],
      rung(2, 'finance-director', 'appr-other'),
      rung(1, 'payments-lead'),
      rung(1, 'payments-lead'),
      rung(2, 'finance-director'),
    ]);
    expect(reachedRungs(chain, 'appr-1')).toEqual([
      { rung: 1, role: 'payments-lead', seq: 3 },
      { rung: 2, role: 'finance-director', seq: 5 },
    ]);
    expect(reachedRungs(chain, 'appr-unknown')).toEqual([]);
  });

  it('widens the roles in rung order, without repeats', () => {
    expect(
      rolesWithRungs(
        ['payments-approver', 'payments-lead'],
        [
          { rung: 1, role: 'payments-lead', seq: 2 },
          { rung: 2, role: 'finance-director', seq: 3 },
        ],
      ),
    ).toEqual(['payments-approver', 'payments-lead', 'finance-director']);
  });
});

describe('notYetReached', () => {
  const ladder = ladderOf({ approvals, requestedAt: REQUESTED_AT, expiresAt: EXPIRES_AT });

  it('names the rung a held role waits for, and says when a role comes due only after the expiry', () => {
    expect(notYetReached(['finance-director'], ladder, [], approvals.escalation)).toBe(
      'finance-director may decide it from rung 2 of its escalation ladder, due at 2026-11-02T22:21:00.000Z, which is not reached yet',
    );
    expect(notYetReached(['finance-director'], ladder.slice(0, 1), [], approvals.escalation)).toBe(
      'finance-director is a rung of the escalation ladder that comes due only after the approval expires',
    );
    expect(
      notYetReached(
        ['finance-director'],
        ladder,
        [{ rung: 2, role: 'finance-director', seq: 4 }],
        approvals.escalation,
      ),
    ).toBeUndefined();
    expect(notYetReached(['support'], ladder, [], approvals.escalation)).toBeUndefined();
  });
});

describe('the tally with rungs', () => {
  const spec = {
    approvals: {
      approverRoles: ['payments-approver'],
      approvers: { 'alice@acme.example': ['payments-approver'], 'dana@acme.example': ['finance-director'] },
      timeout: '24h',
      reminderInterval: '4h',
      escalation: ['payments-lead', 'finance-director'],
      separationOfDuties: { excludeEventFields: [] },
    },
  };
  const tally = (chain: readonly LineageRecord[]) =>
    tallyApprovals({
      spec,
      chain,
      approvalId: 'appr-1',
      bindingHash: 'b'.repeat(64),
      requirement: { roles: ['payments-approver'], quorum: 1, distinctRoles: false },
      excluded: [],
    });

  it("counts a rung's role in a decision recorded after the rung", async () => {
    const result = tally(
      await chainOf([
        ['request-approval', 'approval.requested'],
        rung(1, 'payments-lead'),
        rung(2, 'finance-director'),
        decided('dana@acme.example'),
      ]),
    );
    expect(result.met).toBe(true);
    expect(result.approvals.map((a) => [a.principal, a.roles])).toEqual([
      ['dana@acme.example', ['finance-director']],
    ]);
  });

  it("does not count a rung's role in a decision recorded before the rung, nor without it", async () => {
    const before = tally(
      await chainOf([
        ['request-approval', 'approval.requested'],
        rung(1, 'payments-lead'),
        decided('dana@acme.example'),
        rung(2, 'finance-director'),
      ]),
    );
    expect(before.met).toBe(false);
    expect(before.ignored).toEqual([
      {
        seq: 2,
        why: '"dana@acme.example" holds finance-director, not one of payments-approver, payments-lead',
      },
    ]);
    const other = tally(
      await chainOf([
        ['request-approval', 'approval.requested'],
        rung(2, 'finance-director', 'appr-other'),
        decided('dana@acme.example'),
      ]),
    );
    expect(other.met).toBe(false);
  });
});
