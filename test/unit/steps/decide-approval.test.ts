import { ApprovalDecisionError } from '../../../core/errors.js';
import { approvalIdFor } from '../../../core/ids.js';
import { decideApprovalStep } from '../../../core/steps/decide-approval/decide-approval.js';
import { requestApprovalStep } from '../../../core/steps/request-approval/request-approval.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import {
  InMemoryLineageStore,
  InMemoryRunsStore,
  manualClock,
  RecordingEventPublisher,
  RecordingTaskCallbacks,
} from '../../support/in-memory-stores.js';
import { buildStep } from '../../support/step-builders.js';
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

/** A run waiting on one approval of a 1,249 USD refund that carol@acme.example requested. */
async function setUp() {
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
  const gated = aGatedProposal(proposal, {
    decision: 'REQUIRE_APPROVAL',
  });
  const request = buildStep(requestApprovalStep, pack, {
    runs,
    lineage,
    events: new RecordingEventPublisher(),
    clock,
  });
  await request({ run: runRefOf(run), taskToken: 'token-1', gated });
  const decide = buildStep(decideApprovalStep, pack, { runs, lineage, callbacks, clock });
  const approvalId = approvalIdFor(run.runId, proposal.proposalId);
  return { runs, lineage, callbacks, clock, run, decide, approvalId };
}

const approve = (approvalId: string, approver = 'alice@acme.example') => ({
  approvalId,
  decision: 'APPROVE',
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

  it('fails for someone who is not an approver, and changes nothing', async () => {
    const { decide, approvalId, runs, lineage, callbacks, run } = await setUp();
    const before = lineage.recordsOf(run.runId).length;

    await expect(decide(approve(approvalId, 'mallory@acme.example'))).rejects.toThrow(
      new ApprovalDecisionError(
        `approval "${approvalId}": "mallory@acme.example" is not an approver of workflow "refund-triage"`,
      ),
    );
    expect((await runs.getApproval(approvalId))?.status).toBe('PENDING');
    expect(lineage.recordsOf(run.runId)).toHaveLength(before);
    expect(callbacks.calls).toEqual([]);
  });

  it('fails for the requester of the case (separation of duties)', async () => {
    const { approvalId, runs } = await setUp();
    // carol filed the request; make her an approver to show the exclusion is what stops her.
    const withCarol = buildStep(
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
        lineage: new InMemoryLineageStore(),
        callbacks: new RecordingTaskCallbacks(),
        clock: () => new Date(NOW),
      },
    );

    await expect(withCarol(approve(approvalId, 'Carol@acme.example'))).rejects.toThrow(
      /separation of duties/,
    );
    expect((await runs.getApproval(approvalId))?.status).toBe('PENDING');
  });

  it('fails a second decision, naming who decided first', async () => {
    const { decide, approvalId, callbacks } = await setUp();
    await decide(approve(approvalId));

    await expect(decide({ ...approve(approvalId, 'bob@acme.example'), decision: 'REJECT' })).rejects.toThrow(
      `approval "${approvalId}" is already APPROVED by alice@acme.example at ${NOW}`,
    );
    expect(callbacks.calls).toHaveLength(1);
  });

  it('fails once the approval expired', async () => {
    const { decide, approvalId, clock, runs } = await setUp();
    clock.advance(24 * 3600 * 1000);

    await expect(decide(approve(approvalId))).rejects.toThrow(
      `approval "${approvalId}" expired at 2026-11-21T12:00:00.000Z; it can no longer be decided`,
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
      decide({ approvalId, decision: 'MAYBE', approver: 'alice@acme.example', reason: 'x' }),
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
