import { bindingHashFor } from '../../../core/approval/binding.js';
import { GovernanceViolationError } from '../../../core/errors.js';
import { approvalIdFor } from '../../../core/ids.js';
import type { ApprovalRequestInput } from '../../../core/steps/contracts.js';
import { portsFor } from '../../../core/steps/ports.js';
import { requestApprovalStep } from '../../../core/steps/request-approval/request-approval.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import {
  fixedClock,
  InMemoryLineageStore,
  InMemoryRunsStore,
  RecordingEventPublisher,
} from '../../support/in-memory-stores.js';
import { buildStep } from '../../support/step-builders.js';
import { testKeys, testRecordKeys, testTokenSeal } from '../../support/trusted-ports.js';
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

async function setUp() {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const events = new RecordingEventPublisher();
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
    reasons: ['refund-up-to-limit-needs-approval'],
  });
  const request = buildStep(requestApprovalStep, pack, {
    runs,
    lineage,
    events,
    clock: fixedClock(NOW),
  });
  const input: ApprovalRequestInput = { run: runRefOf(run), taskToken: 'token-1', gated };
  const approvalId = approvalIdFor(run.runId, proposal.proposalId);
  return { runs, lineage, events, run, proposal, gated, request, input, approvalId };
}

/** The task token the approval item holds, opened as the decide step opens it. */
async function storedTokenOf(runs: InMemoryRunsStore, approvalId: string): Promise<string> {
  const stored = (await runs.getApproval(approvalId))?.taskToken ?? '';
  return testTokenSeal().open(approvalId, stored);
}

describe('request-approval step', () => {
  it('stores a pending approval bound to the exact action, with roles, excluded approvers and expiry', async () => {
    const { request, input, runs, approvalId, run, proposal } = await setUp();

    const result = await request(input);

    expect(result).toEqual({ approvalId, status: 'PENDING', expiresAt: '2026-11-21T12:00:00.000Z' });
    expect(await runs.getApproval(approvalId)).toEqual({
      approvalId,
      runId: run.runId,
      workflowId: 'refund-triage',
      entityId: 'ord_4k8m2p',
      proposalId: proposal.proposalId,
      gated: input.gated,
      bindingHash: bindingHashFor(run.runId, proposal),
      taskToken: expect.stringMatching(/^memory:v1:[A-Za-z0-9+/]+=*$/),
      status: 'PENDING',
      approverRoles: ['payments-approver'],
      quorum: 1,
      distinctRoles: false,
      excludedApprovers: ['carol@acme.example'],
      requestedAt: NOW,
      expiresAt: '2026-11-21T12:00:00.000Z',
    });
  });

  it('stores the task token sealed for this approval only, never in clear', async () => {
    const { request, input, runs, approvalId } = await setUp();
    const token = `AQCEAAAAKgAAAAMAAAAA${'x'.repeat(1000)}`;

    await request({ ...input, taskToken: token });

    const item = await runs.getApproval(approvalId);
    expect(JSON.stringify(item)).not.toContain('AQCEAAAAKgAAAAMAAAAA');
    expect(JSON.stringify(item)).not.toContain('x'.repeat(16));
    expect(await storedTokenOf(runs, approvalId)).toBe(token);
    // Moved to another approval's item, it does not open: the approval id is bound in.
    await expect(testTokenSeal().open('appr-other', item?.taskToken ?? '')).rejects.toThrow(
      'sealed for another approval',
    );
  });

  it('may seal tokens but never open one', async () => {
    const { runs, lineage, events } = await setUp();
    const ports = portsFor(
      'request-approval',
      requestApprovalStep.ports,
      { runs, lineage, events, keys: testKeys(), recordKeys: testRecordKeys(), tokens: testTokenSeal() },
      fixedClock(NOW),
    );
    expect(() => ports.tokens.open('appr-1', 'memory:v1:AAAA')).toThrow(
      'the request-approval step asked to open a task token, but declared tokens "seal"',
    );
  });

  it('sets the run AWAITING_APPROVAL, records approval.requested and tells approvers without the token', async () => {
    const { request, input, runs, lineage, events, run, approvalId } = await setUp();

    await request(input);

    expect((await runs.getRun(run.runId))?.status).toBe('AWAITING_APPROVAL');
    const [record] = lineage.ofType('approval.requested', run.runId);
    expect(record).toMatchObject({
      actor: 'awf:request-approval',
      data: {
        approvalId,
        action: 'issueRefund',
        risk: 'high',
        quorum: 1,
        // Who the case names is kept as a keyed hash, never the name.
        excludedApproverHashes: [expect.stringMatching(/^[0-9a-f]{64}$/)],
      },
    });
    expect(events.events).toEqual([
      {
        source: 'awf.refund-triage',
        detailType: 'ApprovalRequested',
        detail: expect.objectContaining({
          approvalId,
          runId: run.runId,
          workflowId: 'refund-triage',
          entityId: 'ord_4k8m2p',
          action: 'issueRefund',
          input: input.gated.proposal.input,
          risk: 'high',
          approverRoles: ['payments-approver'],
          expiresAt: '2026-11-21T12:00:00.000Z',
        }),
      },
    ]);
    expect(JSON.stringify(events.events)).not.toContain('token-1');
    expect(JSON.stringify(lineage.all())).not.toContain('token-1');
  });

  it('on a retry keeps one approval and one lineage record but waits on the new token', async () => {
    const { request, input, runs, lineage, approvalId, run } = await setUp();

    await request(input);
    await request({ ...input, taskToken: 'token-2' });

    expect(await runs.listApprovalsOfRun(run.runId)).toHaveLength(1);
    expect(await storedTokenOf(runs, approvalId)).toBe('token-2');
    expect(lineage.ofType('approval.requested', run.runId)).toHaveLength(1);
  });

  it('leaves an approval decided before the retry as it is', async () => {
    const { request, input, runs, events, approvalId } = await setUp();
    await request(input);
    await runs.decideApproval(approvalId, {
      status: 'APPROVED',
      at: NOW,
      by: 'alice@acme.example',
      reason: 'Carrier confirmed the loss.',
    });

    const result = await request({ ...input, taskToken: 'token-2' });

    expect(result.status).toBe('APPROVED');
    expect(await runs.getApproval(approvalId)).toMatchObject({ status: 'APPROVED' });
    expect(await storedTokenOf(runs, approvalId)).toBe('token-1');
    expect(events.events).toHaveLength(1);
  });

  it('fails for a proposal that does not need an approval', async () => {
    const { request, input } = await setUp();
    const allowed = { ...input, gated: { ...input.gated, decision: 'ALLOW' as const } };
    await expect(request(allowed)).rejects.toThrow(GovernanceViolationError);
    await expect(request(allowed)).rejects.toThrow(/does not need an approval: decision ALLOW/);
  });

  it('fails when a retry carries a different input than the stored approval was bound to', async () => {
    const { request, input } = await setUp();
    await request(input);
    const tampered = {
      ...input,
      gated: {
        ...input.gated,
        proposal: { ...input.gated.proposal, input: { ...input.gated.proposal.input, amount: 9999 } },
      },
    };
    await expect(request(tampered)).rejects.toThrow(
      /is bound to [0-9a-f]{64}, but the proposal now hashes to/,
    );
  });
});
