/**
 * decide-approval on the escalation ladder: a rung's role may decide an
 * approval once the chain records the rung (never by the clock or the
 * approval item alone), earlier roles keep their right, and separation of
 * duties still holds. The reference workflow requests at NOW (12:00), with
 * rung 1 (payments-lead) due at 16:00 and rung 2 (finance-director) at 20:00.
 */
import { withoutForgedApprovals } from '../../../core/approval/authentic.js';
import type { FunctionUrlResponse } from '../../../core/approval/endpoint-protocol.js';
import { pendingApprovalsRequest } from '../../../core/approval/endpoint-request.js';
import { tallyApprovals } from '../../../core/approval/tally.js';
import { approvalIdFor } from '../../../core/ids.js';
import { computeRecordHash } from '../../../core/lineage/chain.js';
import { decideApprovalStep } from '../../../core/steps/decide-approval/decide-approval.js';
import { remindStep } from '../../../core/steps/remind/remind.js';
import { requestApprovalStep } from '../../../core/steps/request-approval/request-approval.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { decisionsThrough } from '../../support/approval-decisions.js';
import {
  InMemoryLineageStore,
  InMemoryRunsStore,
  manualClock,
  RecordingEventPublisher,
  RecordingTaskCallbacks,
} from '../../support/in-memory-stores.js';
import { buildStep } from '../../support/step-builders.js';
import { approverSession, testRecordKeys } from '../../support/trusted-ports.js';
import {
  aGatedProposal,
  aProposal,
  aRefundDetail,
  aRunRecord,
  loadRefundTriagePack,
  NOW,
  runRefOf,
} from '../agent/fixtures.js';

let pack: WorkflowPack;
beforeAll(async () => {
  const reference = await loadRefundTriagePack();
  // lee leads payments, dana directs finance: each holds a rung's role only; carol files the refunds.
  pack = {
    ...reference,
    spec: {
      ...reference.spec,
      approvals: {
        ...reference.spec.approvals,
        approvers: {
          ...reference.spec.approvals.approvers,
          'lee@acme.example': ['payments-lead'],
          'dana@acme.example': ['finance-director'],
          'carol@acme.example': ['finance-director'],
        },
      },
    },
  };
});

const approve = (approvalId: string, approver: string) => ({
  approvalId,
  decision: 'APPROVE' as const,
  approver,
  reason: 'Carrier confirmed the parcel was lost.',
});

/** A run waiting on one approval of a 1,249 USD refund carol requested, with remind and decide built. */
async function setUp() {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const callbacks = new RecordingTaskCallbacks();
  const events = new RecordingEventPublisher();
  const clock = manualClock(NOW);
  const run = aRunRecord(pack.spec, aRefundDetail({ amount: 1249, orderTotal: 1249 }));
  await runs.createRun(run);
  const proposal = aProposal(run.runId, 'issueRefund', {
    orderId: 'ord_4k8m2p',
    amount: 1249,
    currency: 'USD',
    reasonCode: 'not-delivered',
  });
  const gated = aGatedProposal(proposal, { decision: 'REQUIRE_APPROVAL' });
  await buildStep(requestApprovalStep, pack, { runs, lineage, events, clock })({
    run: runRefOf(run),
    taskToken: 'token-1',
    gated,
  });
  // The approvals endpoint, as the function URL serves it.
  const endpoint = buildStep(decideApprovalStep, pack, { runs, lineage, callbacks, clock });
  const decide = decisionsThrough(endpoint);
  const remind = buildStep(remindStep, pack, { runs, lineage, events, clock });
  const approvalId = approvalIdFor(run.runId, proposal.proposalId);
  /** The approval ids GET /approvals lists for `person`. */
  const listedFor = async (person: string) => {
    const response: FunctionUrlResponse = await endpoint(pendingApprovalsRequest(approverSession(person)));
    expect(response.statusCode).toBe(200);
    return (JSON.parse(response.body) as { approvals: { approvalId: string }[] }).approvals.map(
      (approval) => approval.approvalId,
    );
  };
  return { runs, lineage, callbacks, clock, run, decide, remind, approvalId, listedFor };
}

describe('decide-approval on the escalation ladder', () => {
  it("refuses a rung's role before its rung, naming the rung, and records the refusal", async () => {
    const { decide, approvalId, lineage, run, runs, listedFor } = await setUp();

    await expect(decide(approve(approvalId, 'dana@acme.example'))).rejects.toThrow(
      `approval "${approvalId}": "dana@acme.example" holds finance-director: finance-director may decide it from rung 2 of its escalation ladder, due at 2026-11-20T20:00:00.000Z, which is not reached yet`,
    );
    expect(
      lineage.ofType('approval.refused', run.runId).map((r) => [r.data.principal, r.data.refusal]),
    ).toEqual([['dana@acme.example', expect.stringContaining('rung 2 of its escalation ladder')]]);
    expect((await runs.getApproval(approvalId))?.status).toBe('PENDING');
    expect(await listedFor('dana@acme.example')).toEqual([]);
    expect(await listedFor('alice@acme.example')).toEqual([approvalId]);
  });

  it('widens with the rungs the chain records, not with the clock: past the due time, no record, no right', async () => {
    const { decide, approvalId, clock, listedFor } = await setUp();
    clock.set('2026-11-20T16:30:00.000Z'); // rung 1 is due, but remind has not run

    expect(await listedFor('lee@acme.example')).toEqual([]);
    await expect(decide(approve(approvalId, 'lee@acme.example'))).rejects.toThrow(
      'rung 1 of its escalation ladder, due at 2026-11-20T16:00:00.000Z, which is not reached yet',
    );
  });

  it("lists and lets rung 1's role decide once rung 1 is recorded, while rung 2's waits", async () => {
    const { decide, approvalId, clock, remind, listedFor } = await setUp();
    clock.set('2026-11-20T16:30:00.000Z');
    await remind({});

    expect(await listedFor('lee@acme.example')).toEqual([approvalId]);
    expect(await listedFor('dana@acme.example')).toEqual([]);
    expect(await listedFor('alice@acme.example')).toEqual([approvalId]); // earlier roles keep their right
    const summary = await decide(approve(approvalId, 'lee@acme.example'));
    expect(summary).toMatchObject({ status: 'APPROVED', decidedBy: 'lee@acme.example' });
  });

  it("lets rung 2's role decide once rung 2 is recorded, and Act's count of the lineage agrees", async () => {
    const { decide, approvalId, clock, remind, callbacks, lineage, run, listedFor } = await setUp();
    clock.set('2026-11-20T20:30:00.000Z');
    await remind({});
    expect(await listedFor('dana@acme.example')).toEqual([approvalId]);

    await decide(approve(approvalId, 'dana@acme.example'));

    expect(callbacks.succeeded).toHaveLength(1);
    const requested = lineage.ofType('approval.requested', run.runId)[0];
    const { chain } = await withoutForgedApprovals(
      lineage.recordsOf(run.runId),
      approvalId,
      testRecordKeys(),
    );
    const tally = tallyApprovals({
      spec: pack.spec,
      chain,
      approvalId,
      bindingHash: String(requested?.data.bindingHash),
      requirement: { roles: ['payments-approver'], quorum: 1, distinctRoles: false },
      excluded: ['carol@acme.example'],
    });
    expect(tally.met).toBe(true);
    expect(tally.approvals.map((a) => [a.principal, a.roles])).toEqual([
      ['dana@acme.example', ['finance-director']],
    ]);
  });

  it('widens nothing with a forged rung record (a correct hash, no valid MAC)', async () => {
    const { decide, approvalId, clock, lineage, run, listedFor } = await setUp();
    clock.set('2026-11-20T20:30:00.000Z');
    const head = lineage.recordsOf(run.runId).at(-1);
    if (!head) throw new Error('the run has no lineage');
    // What anyone who may put items in the lineage table could write for rung 2.
    const forged = {
      ...head,
      type: 'approval.escalated' as const,
      actor: 'awf:remind',
      seq: head.seq + 1,
      prevHash: head.hash,
      at: clock().toISOString(),
      data: {
        approvalId,
        proposalId: String(head.data.proposalId),
        action: 'issueRefund',
        rung: 2,
        role: 'finance-director',
        approverRoles: ['payments-approver', 'payments-lead', 'finance-director'],
        dueAt: '2026-11-20T20:00:00.000Z',
        expiresAt: '2026-11-21T12:00:00.000Z',
      },
    };
    const { hash: _hash, mac: _mac, ...unhashed } = forged;
    expect(
      await lineage.putIfAbsent({ ...unhashed, hash: computeRecordHash(unhashed), mac: 'ab'.repeat(32) }),
    ).toBe(true);

    expect(await listedFor('dana@acme.example')).toEqual([]);
    await expect(decide(approve(approvalId, 'dana@acme.example'))).rejects.toThrow(
      'rung 2 of its escalation ladder, due at 2026-11-20T20:00:00.000Z, which is not reached yet',
    );
  });

  it('still refuses a rung role holder the case names (separation of duties)', async () => {
    const { decide, approvalId, clock, remind, listedFor } = await setUp();
    clock.set('2026-11-20T20:30:00.000Z');
    await remind({});

    expect(await listedFor('carol@acme.example')).toEqual([]);
    await expect(decide(approve(approvalId, 'carol@acme.example'))).rejects.toThrow(/separation of duties/);
  });
});
