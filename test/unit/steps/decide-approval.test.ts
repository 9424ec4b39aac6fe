import { ApprovalDecisionError } from '../../../core/errors.js';
import { approvalIdFor } from '../../../core/ids.js';
import type { GatedProposal } from '../../../core/steps/contracts.js';
import { decideApprovalStep } from '../../../core/steps/decide-approval/decide-approval.js';
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
import { approverSession, testTokenSeal } from '../../support/trusted-ports.js';
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
  pack = await loadRefundTriagePack();
});

/**
 * A run waiting on one approval of a 1,249 USD refund that carol@acme.example
 * requested, needing what `approval` says (one payments approver by default).
 */
async function setUp(approval?: GatedProposal['approval']) {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const callbacks = new RecordingTaskCallbacks();
  const clock = manualClock(NOW);
  const run = aRunRecord(pack.spec, aRefundDetail({ amount: 1249, orderTotal: 1249 }));
  await runs.createRun(run);
  const proposal = aProposal(run.runId, 'issueRefund', {
    orderId: 'ord_4k8m2p',
    amount: 1249,
    currency: 'USD',
    reasonCode: 'not-delivered',
  });
  const gated = {
    ...aGatedProposal(proposal, { decision: 'REQUIRE_APPROVAL' }),
    ...(approval && { approval }),
  };
  const request = buildStep(requestApprovalStep, pack, {
    runs,
    lineage,
    events: new RecordingEventPublisher(),
    clock,
  });
  await request({ run: runRefOf(run), taskToken: 'token-1', gated });
  const decide = decisionsThrough(buildStep(decideApprovalStep, pack, { runs, lineage, callbacks, clock }));
  const approvalId = approvalIdFor(run.runId, proposal.proposalId);
  return { runs, lineage, callbacks, clock, run, decide, approvalId };
}

const approve = (approvalId: string, approver = 'alice@acme.example') => ({
  approvalId,
  decision: 'APPROVE' as const,
  approver,
  reason: 'Carrier confirmed the parcel was lost.',
});

describe('decide-approval step', () => {
  it('approves: records the decision, resumes the run with the outcome and returns the approval without its token', async () => {
    const { decide, approvalId, runs, lineage, callbacks, run } = await setUp();

    const summary = await decide(approve(approvalId));

    expect(summary).toMatchObject({
      approvalId,
      status: 'APPROVED',
      decidedBy: 'alice@acme.example',
      decidedAt: NOW,
    });
    expect(summary).not.toHaveProperty('taskToken');
    expect((await runs.getRun(run.runId))?.status).toBe('RUNNING');
    const stored = await runs.getApproval(approvalId);
    expect(callbacks.succeeded).toEqual([
      {
        kind: 'succeed',
        taskToken: 'token-1',
        output: {
          approvalId,
          proposalId: stored?.proposalId,
          decision: 'APPROVED',
          approver: 'alice@acme.example',
          bindingHash: stored?.bindingHash,
        },
      },
    ]);
    expect(lineage.ofType('approval.decided', run.runId)[0]).toMatchObject({
      actor: 'human:alice@acme.example',
      data: {
        approvalId,
        decision: 'APPROVED',
        reason: 'Carrier confirmed the parcel was lost.',
        bindingHash: stored?.bindingHash,
      },
    });
  });

  it('rejects: fails the waiting task with AWF.ApprovalRejected', async () => {
    const { decide, approvalId, callbacks } = await setUp();

    const summary = await decide({ ...approve(approvalId), decision: 'REJECT', reason: 'No proof of loss.' });

    expect(summary.status).toBe('REJECTED');
    expect(callbacks.failed).toEqual([
      {
        kind: 'fail',
        taskToken: 'token-1',
        error: 'AWF.ApprovalRejected',
        cause: expect.stringContaining('No proof of loss.'),
      },
    ]);
  });

  it('refuses someone who is not an approver, records who tried and why, and changes nothing else', async () => {
    const { decide, approvalId, runs, lineage, callbacks, run } = await setUp();
    const before = lineage.recordsOf(run.runId).length;

    await expect(decide(approve(approvalId, 'mallory@acme.example'))).rejects.toThrow(
      new ApprovalDecisionError(
        `approval "${approvalId}": "mallory@acme.example" is not an approver of workflow "refund-triage"`,
      ),
    );
    expect((await runs.getApproval(approvalId))?.status).toBe('PENDING');
    expect(
      lineage
        .recordsOf(run.runId)
        .slice(before)
        .map((r) => [r.type, r.data]),
    ).toEqual([
      [
        'approval.refused',
        {
          approvalId,
          proposalId: expect.any(String),
          principal: 'mallory@acme.example',
          identity: approverSession('mallory@acme.example'),
          decision: 'APPROVE',
          refusal: '"mallory@acme.example" is not an approver of workflow "refund-triage"',
        },
      ],
    ]);
    expect(callbacks.calls).toEqual([]);
  });

  it('fails for the requester of the case (separation of duties)', async () => {
    const { approvalId, runs, lineage } = await setUp();
    // carol filed the request; make her an approver to show the exclusion is what stops her.
    const withCarol = decisionsThrough(
      buildStep(
        decideApprovalStep,
        {
          ...pack,
          spec: {
            ...pack.spec,
            approvals: {
              ...pack.spec.approvals,
              approvers: { ...pack.spec.approvals.approvers, 'carol@acme.example': ['payments-approver'] },
            },
          },
        },
        {
          runs,
          lineage,
          callbacks: new RecordingTaskCallbacks(),
          clock: () => new Date(NOW),
        },
      ),
    );

    await expect(withCarol(approve(approvalId, 'Carol@acme.example'))).rejects.toThrow(
      /separation of duties/,
    );
    expect((await runs.getApproval(approvalId))?.status).toBe('PENDING');
    expect(lineage.ofType('approval.refused').map((r) => r.data.principal)).toEqual(['Carol@acme.example']);
  });

  it('fails a second decision, naming who decided first', async () => {
    const { decide, approvalId, callbacks } = await setUp();
    await decide(approve(approvalId));

    await expect(decide({ ...approve(approvalId, 'bob@acme.example'), decision: 'REJECT' })).rejects.toThrow(
      `approval "${approvalId}": it is already decided: it was approved by alice@acme.example`,
    );
    expect(callbacks.calls).toHaveLength(1);
  });

  it('fails once the approval expired', async () => {
    const { decide, approvalId, clock, runs } = await setUp();
    clock.advance(24 * 3600 * 1000);

    await expect(decide(approve(approvalId))).rejects.toThrow(
      `approval "${approvalId}": it expired at 2026-11-21T12:00:00.000Z; it can no longer be decided`,
    );
    expect((await runs.getApproval(approvalId))?.status).toBe('PENDING');
  });

  it('fails for an unknown approval id', async () => {
    const { decide } = await setUp();
    await expect(decide(approve('appr-nope'))).rejects.toThrow('approval "appr-nope" does not exist');
  });

  it('fails naming the field when the reason is missing or blank', async () => {
    const { decide, approvalId } = await setUp();
    await expect(decide({ ...approve(approvalId), reason: '   ' })).rejects.toThrow(
      /the decision is malformed: reason: expected the reason for the decision/,
    );
    await expect(
      decide({ approvalId, decision: 'MAYBE' as 'APPROVE', approver: 'alice@acme.example', reason: 'x' }),
    ).rejects.toThrow(/decision: /);
  });

  it('says so when the decision is recorded but the run no longer waits', async () => {
    const { decide, approvalId, callbacks, runs } = await setUp();
    callbacks.closeToken('token-1');

    await expect(decide(approve(approvalId))).rejects.toThrow(
      /was recorded as APPROVED, but its run could not be resumed \(TaskTimedOut\)/,
    );
    expect((await runs.getApproval(approvalId))?.status).toBe('APPROVED');
  });
});

describe('sealed task tokens', () => {
  it('resumes the run with the token the request sealed, which the item never holds in clear', async () => {
    const { decide, approvalId, callbacks, runs } = await setUp();
    expect((await runs.getApproval(approvalId))?.taskToken).toMatch(/^memory:v1:/);

    await decide(approve(approvalId));

    expect(callbacks.calls).toEqual([expect.objectContaining({ kind: 'succeed', taskToken: 'token-1' })]);
  });

  it("does not resume the run with another approval's sealed token moved into the item", async () => {
    const { decide, approvalId, callbacks, runs } = await setUp();
    const moved = await testTokenSeal().seal('appr-another', 'token-of-another-run');
    await runs.refreshApprovalToken(approvalId, moved);

    await expect(decide(approve(approvalId))).rejects.toThrow(
      /was recorded as APPROVED, but its task token does not open \(TaskTokenSealError\)/,
    );
    expect(callbacks.calls).toEqual([]);
  });

  it('resumes a run whose item was written before tokens were sealed, with the clear token as it is', async () => {
    const { decide, approvalId, callbacks, runs } = await setUp();
    await runs.refreshApprovalToken(approvalId, 'token-1');

    await decide(approve(approvalId));

    expect(callbacks.calls).toEqual([expect.objectContaining({ kind: 'succeed', taskToken: 'token-1' })]);
  });
});

describe('approvals counted from the lineage', () => {
  /** A run waiting on an approval that needs two distinct payments approvers. */
  const setUpQuorumOfTwo = () => setUp({ roles: ['payments-approver'], quorum: 2, distinctRoles: false });

  it('records the quorum the approval needs, and excluded approvers only as keyed hashes', async () => {
    const { lineage } = await setUpQuorumOfTwo();
    const [requested] = lineage.ofType('approval.requested');
    expect(requested?.data).toMatchObject({
      approverRoles: ['payments-approver'],
      quorum: 2,
      distinctRoles: false,
    });
    expect(requested?.data.excludedApproverHashes).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(JSON.stringify(lineage.all())).not.toContain('carol@acme.example');
  });

  it('keeps a quorum-of-two approval pending after one approval, and resumes the run after the second', async () => {
    const { decide, approvalId, runs, callbacks } = await setUpQuorumOfTwo();

    expect((await decide(approve(approvalId, 'alice@acme.example'))).status).toBe('PENDING');
    expect(callbacks.calls).toEqual([]);
    expect((await runs.getApproval(approvalId))?.status).toBe('PENDING');

    const decided = await decide(approve(approvalId, 'bob@acme.example'));
    expect(decided).toMatchObject({ status: 'APPROVED', decidedBy: 'bob@acme.example' });
    expect(callbacks.calls).toEqual([expect.objectContaining({ kind: 'succeed', taskToken: 'token-1' })]);
  });

  it('refuses and records an approver who holds none of the roles the approval needs', async () => {
    // Only bob is a payments lead; alice is a payments approver only.
    const { decide, approvalId, lineage, callbacks } = await setUp({
      roles: ['payments-lead'],
      quorum: 1,
      distinctRoles: false,
    });
    await expect(decide(approve(approvalId, 'alice@acme.example'))).rejects.toThrow(
      `approval "${approvalId}": "alice@acme.example" holds payments-approver, but this approval needs one of payments-lead`,
    );
    expect(lineage.ofType('approval.refused').map((r) => r.data.principal)).toEqual(['alice@acme.example']);
    expect(callbacks.calls).toEqual([]);
    expect(await decide(approve(approvalId, 'bob@acme.example'))).toMatchObject({ status: 'APPROVED' });
  });

  it('resumes the run once when an approval and a rejection race, and records both attempts', async () => {
    const { decide, approvalId, lineage, runs, callbacks } = await setUp();
    const outcomes = await Promise.allSettled([
      decide(approve(approvalId, 'alice@acme.example')),
      decide({ ...approve(approvalId, 'bob@acme.example'), decision: 'REJECT', reason: 'No proof of loss.' }),
    ]);

    expect(callbacks.calls).toHaveLength(1);
    const decided = lineage.ofType('approval.decided').map((r) => r.data.decision);
    const refused = lineage.ofType('approval.refused').map((r) => r.data.refusal);
    // Every attempt is in the lineage: decided, or refused because the other ended it first.
    expect(decided.length + refused.length).toBe(2);
    // The item ends once, and the run resumes as it says; a rejection in the lineage still
    // makes Act refuse the action whatever the item says (test/unit/approval/quorum.test.ts).
    const status = (await runs.getApproval(approvalId))?.status;
    expect(status === 'APPROVED' || status === 'REJECTED').toBe(true);
    expect(callbacks.calls[0]?.kind).toBe(status === 'APPROVED' ? 'succeed' : 'fail');
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
  });

  it('counts each approver once: the same principal twice is refused and recorded', async () => {
    const { decide, approvalId, lineage, callbacks } = await setUpQuorumOfTwo();
    await decide(approve(approvalId, 'alice@acme.example'));

    await expect(decide(approve(approvalId, 'Alice@acme.example'))).rejects.toThrow(
      `approval "${approvalId}": "alice@acme.example" approved it already; each approver counts once`,
    );
    expect(lineage.ofType('approval.decided')).toHaveLength(1);
    expect(lineage.ofType('approval.refused')).toHaveLength(1);
    expect(callbacks.calls).toEqual([]);
  });

  it('ends the approval with one rejection, whatever approvals came before', async () => {
    const { decide, approvalId, callbacks } = await setUpQuorumOfTwo();
    await decide(approve(approvalId, 'alice@acme.example'));

    const rejected = await decide({ ...approve(approvalId, 'bob@acme.example'), decision: 'REJECT' });
    expect(rejected.status).toBe('REJECTED');
    expect(callbacks.calls).toEqual([
      expect.objectContaining({ kind: 'fail', error: 'AWF.ApprovalRejected' }),
    ]);
  });

  it('ignores insider edits of the approval item: roles, quorum, excluded approvers and expiry come from the lineage', async () => {
    const { decide, approvalId, runs, callbacks } = await setUpQuorumOfTwo();
    const item = await runs.getApproval(approvalId);
    if (!item) throw new Error('no approval item');
    // An insider rewrites the item: any role, a quorum of one, nobody excluded, no expiry to speak of.
    const edited = {
      ...item,
      approverRoles: ['finance-director'],
      quorum: 1,
      excludedApprovers: [],
      expiresAt: '2099-01-01T00:00:00.000Z',
    };
    (runs as unknown as { approvals: Map<string, unknown> }).approvals.set(approvalId, edited);

    expect((await decide(approve(approvalId, 'alice@acme.example'))).status).toBe('PENDING');
    expect(callbacks.calls).toEqual([]);
  });
});
