/**
 * Admit, Ground, Complete and Escalate on the DynamoDB adapters against real
 * DynamoDB Local: what the steps write survives the round trip through the
 * tables, and the chains they leave verify.
 */

import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../../adapters/dynamodb-runs-store.js';
import { verifyChain } from '../../core/lineage/verify.js';
import { admit } from '../../lambdas/admit/admit.js';
import { complete } from '../../lambdas/complete/complete.js';
import { escalate } from '../../lambdas/escalate/escalate.js';
import { ground } from '../../lambdas/ground/ground.js';
import refundTriage from '../../workflows/refund-triage/workflow.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local.js';
import { aRefundRequestedEvent } from '../support/event-builders.js';
import { RecordingEventPublisher, steppingClock } from '../support/in-memory-stores.js';
import { anApprovalRecord } from '../support/run-builders.js';

let ddb: DynamoDbLocal;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
});
afterAll(async () => {
  await ddb?.stop();
});

function deps() {
  const clock = steppingClock('2026-11-02T14:21:00.000Z', 1000);
  return {
    spec: refundTriage,
    runs: new DynamoDbRunsStore({ client: ddb.documentClient, tableName: ddb.runsTableName }),
    lineage: new DynamoDbLineageStore({ client: ddb.client, tableName: ddb.lineageTableName }),
    publisher: new RecordingEventPublisher(),
    clock,
  };
}

describe('run lifecycle on DynamoDB Local', () => {
  it('admits, grounds and completes a run; a second delivery is a duplicate; the chain verifies', async () => {
    const d = deps();
    const event = aRefundRequestedEvent({}, { id: 'evt-lifecycle-1' });
    const admitted = await admit({ event, executionId: 'exec-1' }, d);
    if (admitted.outcome !== 'ADMITTED') throw new Error(`expected ADMITTED, got ${admitted.outcome}`);
    const { run } = admitted;

    await d.runs.recordHistory('refund-triage', 'cus_9x2b7d', 'issueRefund', '2026-10-30T10:00:00.000Z');
    expect(await ground({ run }, d)).toEqual({ facts: { history: { issueRefund: 1 } } });
    expect(await complete({ run, plan: { outcome: 'FINISHED', summary: 'Refunded.' } }, d)).toEqual({
      runId: run.runId,
      status: 'COMPLETED',
    });
    expect(await admit({ event, executionId: 'exec-2' }, d)).toEqual({
      outcome: 'DUPLICATE',
      runId: run.runId,
    });

    const stored = await d.runs.getRun(run.runId);
    expect(stored).toMatchObject({
      status: 'COMPLETED',
      event,
      redactedDetail: { customerEmail: '[REDACTED:pii]' },
    });
    const chain = await d.lineage.chain(run.runId);
    expect(chain.map((r) => r.type)).toEqual(['run.started', 'context.grounded', 'run.completed']);
    expect(verifyChain(chain, { ended: true })).toEqual({ ok: true, problems: [] });
  });

  it('rejects an invalid event once, with a verifiable one-record chain', async () => {
    const d = deps();
    const event = aRefundRequestedEvent({ amount: -5 }, { id: 'evt-lifecycle-bad' });
    const first = await admit({ event, executionId: 'exec-1' }, d);
    await admit({ event, executionId: 'exec-2' }, d);
    if (first.outcome !== 'REJECTED') throw new Error(`expected REJECTED, got ${first.outcome}`);
    const chain = await d.lineage.chain(first.runId);
    expect(chain.map((r) => r.type)).toEqual(['event.rejected']);
    expect(verifyChain(chain, { ended: true }).ok).toBe(true);
  });

  it('escalates an expired approval wait: approvals expired, run closed, chain verifies', async () => {
    const d = deps();
    const admitted = await admit(
      { event: aRefundRequestedEvent({}, { id: 'evt-lifecycle-2' }), executionId: 'e' },
      d,
    );
    if (admitted.outcome !== 'ADMITTED') throw new Error(`expected ADMITTED, got ${admitted.outcome}`);
    const { run } = admitted;
    await d.runs.putApproval(anApprovalRecord({ approvalId: 'appr-lifecycle', runId: run.runId }));

    const timeout = { Error: 'States.Timeout', Cause: 'timed out' };
    expect(await escalate({ run, escalation: { reason: 'APPROVAL_EXPIRED', detail: timeout } }, d)).toEqual({
      runId: run.runId,
      status: 'ESCALATED',
    });
    expect((await d.runs.getApproval('appr-lifecycle'))?.status).toBe('EXPIRED');
    expect(await d.runs.listPendingApprovals({ workflowId: 'refund-triage' })).toEqual([]);
    const chain = await d.lineage.chain(run.runId);
    expect(chain.map((r) => r.type)).toEqual(['run.started', 'approval.expired', 'run.escalated']);
    expect(verifyChain(chain, { ended: true }).ok).toBe(true);
  });
});
