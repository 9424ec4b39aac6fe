/**
 * The approvals endpoint at its HTTP boundary: who the caller is comes from
 * the identity AWS authenticated and nothing else; each route answers with the
 * status the protocol names; an untrusted identity's decision is refused and
 * recorded; the list holds only what the caller may decide.
 */
import {
  decisionRequest,
  functionUrlRequest,
  pendingApprovalsRequest,
} from '../../../core/approval/endpoint-request.js';
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
import { approverSession } from '../../support/trusted-ports.js';
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

/** A run waiting on the approval of a 1,249 USD refund carol@acme.example requested. */
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
  const request = buildStep(requestApprovalStep, pack, {
    runs,
    lineage,
    events: new RecordingEventPublisher(),
    clock,
  });
  await request({
    run: runRefOf(run),
    taskToken: 'token-1',
    gated: aGatedProposal(proposal, { decision: 'REQUIRE_APPROVAL' }),
  });
  const endpoint = buildStep(decideApprovalStep, pack, { runs, lineage, callbacks, clock });
  // The same endpoint for a directory where carol, who filed the request, is a payments approver too.
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
    { runs, lineage, callbacks, clock },
  );
  return {
    endpoint,
    withCarol,
    lineage,
    callbacks,
    runs,
    run,
    approvalId: approvalIdFor(run.runId, proposal.proposalId),
  };
}

const approveBody = { decision: 'APPROVE' as const, reason: 'Carrier confirmed the loss.' };
const parsed = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe('the approvals endpoint', () => {
  it('decides as the authenticated session and answers the approval without its token', async () => {
    const { endpoint, approvalId, lineage, run } = await setUp();
    const request = decisionRequest(approvalId, approveBody, approverSession('alice@acme.example'));
    const response = await endpoint(request);
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-awf-outcome']).toBe('APPROVED');
    expect(parsed(response).approval).toMatchObject({
      approvalId,
      status: 'APPROVED',
      decidedBy: 'alice@acme.example',
    });
    expect(JSON.stringify(parsed(response))).not.toContain('token-1');
    expect(lineage.ofType('approval.decided', run.runId)[0]).toMatchObject({
      actor: 'human:alice@acme.example',
      data: { identity: approverSession('alice@acme.example') },
    });
  });

  it('refuses a body that names an approver: the approver is never a field', async () => {
    const { endpoint, approvalId, lineage, run } = await setUp();
    const request = decisionRequest(approvalId, approveBody, approverSession('mallory@acme.example'));
    const forged = { ...request, body: JSON.stringify({ ...approveBody, approver: 'alice@acme.example' }) };
    const response = await endpoint(forged);
    expect(response.statusCode).toBe(400);
    expect(parsed(response)).toEqual({
      error: {
        code: 'MalformedRequest',
        message: expect.stringMatching(/the decision is malformed: .*approver/),
      },
    });
    expect(lineage.ofType('approval.decided', run.runId)).toEqual([]);
  });

  it('refuses a request with no IAM identity (not through an AWS_IAM function URL) and records nothing', async () => {
    const { endpoint, approvalId, lineage, run, callbacks } = await setUp();
    const before = lineage.recordsOf(run.runId).length;
    const unsigned = functionUrlRequest({
      method: 'POST',
      rawPath: `/approvals/${approvalId}/decision`,
      body: JSON.stringify(approveBody),
    });
    const response = await endpoint(unsigned);
    expect(response.statusCode).toBe(403);
    expect(parsed(response)).toMatchObject({ error: { code: 'CallerNotTrusted' } });
    // A direct invoke with some other shape is refused the same way.
    expect(
      (await endpoint({ approvalId, decision: 'APPROVE', approver: 'alice@acme.example', reason: 'x' }))
        .statusCode,
    ).toBe(403);
    expect(lineage.recordsOf(run.runId)).toHaveLength(before);
    expect(callbacks.calls).toEqual([]);
  });

  it('refuses and records a decision by an identity it does not trust to name a person', async () => {
    const { endpoint, approvalId, lineage, run } = await setUp();
    const developer = 'arn:aws:sts::000000000000:assumed-role/Developers/alice@acme.example';
    const response = await endpoint(decisionRequest(approvalId, approveBody, developer));
    expect(response.statusCode).toBe(403);
    expect(parsed(response)).toMatchObject({ error: { code: 'DecisionRefused' } });
    expect(lineage.ofType('approval.refused', run.runId).map((r) => r.data)).toEqual([
      expect.objectContaining({
        principal: developer,
        identity: developer,
        refusal: expect.stringMatching(/not an approver role of this workflow/),
      }),
    ]);
    expect(lineage.ofType('approval.decided', run.runId)).toEqual([]);
  });

  it('answers 404 for an unknown approval and for an unknown route, 400 for a body that is not JSON', async () => {
    const { endpoint, approvalId } = await setUp();
    const alice = approverSession('alice@acme.example');
    expect((await endpoint(decisionRequest('appr-nope', approveBody, alice))).statusCode).toBe(404);
    const elsewhere = { ...decisionRequest(approvalId, approveBody, alice), rawPath: '/runs' };
    expect(parsed(await endpoint(elsewhere))).toMatchObject({ error: { code: 'RouteNotFound' } });
    const garbled = { ...decisionRequest(approvalId, approveBody, alice), body: '{"decision":' };
    expect((await endpoint(garbled)).statusCode).toBe(400);
  });

  it('lists to an approver the pending approvals they may decide, and nothing to the requester of the case', async () => {
    const { endpoint, withCarol, approvalId } = await setUp();
    const forAlice = await endpoint(pendingApprovalsRequest(approverSession('alice@acme.example')));
    expect(forAlice.statusCode).toBe(200);
    const approvals = parsed(forAlice).approvals as Record<string, unknown>[];
    expect(approvals.map((a) => a.approvalId)).toEqual([approvalId]);
    expect(approvals[0]).not.toHaveProperty('taskToken');
    expect(approvals[0]).not.toHaveProperty('excludedApprovers');
    // carol filed the request: as an approver she sees nothing of her own case; as no approver, a refusal.
    const forCarol = await withCarol(pendingApprovalsRequest(approverSession('carol@acme.example')));
    expect(parsed(forCarol).approvals).toEqual([]);
    const notListed = await endpoint(pendingApprovalsRequest(approverSession('carol@acme.example')));
    expect(notListed.statusCode).toBe(403);
    expect(parsed(notListed)).toMatchObject({
      error: {
        code: 'DecisionRefused',
        message: '"carol@acme.example" is not an approver of workflow "refund-triage"',
      },
    });
    const forStranger = await endpoint(
      pendingApprovalsRequest('arn:aws:sts::000000000000:assumed-role/Developers/alice@acme.example'),
    );
    expect(forStranger.statusCode).toBe(403);
  });

  it('stops listing an approval once the caller has approved it', async () => {
    const { endpoint, approvalId } = await setUp();
    await endpoint(decisionRequest(approvalId, approveBody, approverSession('alice@acme.example')));
    const after = await endpoint(pendingApprovalsRequest(approverSession('bob@acme.example')));
    expect(parsed(after).approvals).toEqual([]);
  });
});
