/**
 * Admit, Ground, Complete and Escalate on the DynamoDB adapters against real
 * DynamoDB Local: what the steps write survives the round trip through the
 * tables, and the chains they leave verify.
 */

import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../../adapters/dynamodb-runs-store.js';
import { verifyChain } from '../../core/lineage/verify.js';
import { admitStep } from '../../core/steps/admit/admit.js';
import { completeStep } from '../../core/steps/complete/complete.js';
import { escalateStep } from '../../core/steps/escalate/escalate.js';
import { groundStep } from '../../core/steps/ground/ground.js';
import { planStep } from '../../core/steps/plan/plan.js';
import refundTriage from '../../workflows/refund-triage/workflow.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local.js';
import { aRefundRequestedEvent } from '../support/event-builders.js';
import { RecordingEventPublisher, steppingClock } from '../support/in-memory-stores.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { anApprovalRecord } from '../support/run-builders.js';
import { buildStep } from '../support/step-builders.js';
import { storedKeyOf } from '../support/trusted-ports.js';
import { answer, loadRefundTriagePack, refundCall, ScriptedModel, toolUse } from '../unit/agent/fixtures.js';

let ddb: DynamoDbLocal;
beforeAll(async () => {
  ddb = await startDynamoDbLocal();
});
afterAll(async () => {
  await ddb?.stop();
});

const pack = { spec: refundTriage, prompt: '', policies: '' };

/** The steps on DynamoDB Local, each with the ports it declares. */
function deps() {
  const ports = {
    runs: new DynamoDbRunsStore({ client: ddb.documentClient, tableName: ddb.runsTableName }),
    lineage: new DynamoDbLineageStore({ client: ddb.client, tableName: ddb.lineageTableName }),
    events: new RecordingEventPublisher(),
    clock: steppingClock('2026-11-02T14:21:00.000Z', 1000),
  };
  return {
    ...ports,
    admit: buildStep(admitStep, pack, ports),
    ground: buildStep(groundStep, pack, ports),
    complete: buildStep(completeStep, pack, ports),
    escalate: buildStep(escalateStep, pack, ports),
  };
}

describe('run lifecycle on DynamoDB Local', () => {
  it('admits, grounds and completes a run; a second delivery is a duplicate; the chain verifies', async () => {
    const d = deps();
    const event = aRefundRequestedEvent({}, { id: 'evt-lifecycle-1' });
    const admitted = await d.admit({ event, executionId: 'exec-1' });
    if (admitted.outcome !== 'ADMITTED') throw new Error(`expected ADMITTED, got ${admitted.outcome}`);
    const { run } = admitted;

    await d.runs.recordHistory(
      REFERENCE_WORKFLOW_ID,
      await storedKeyOf('cus_9x2b7d'),
      'issueRefund',
      '2026-10-30T10:00:00.000Z',
      {
        amount: 12.5,
      },
    );
    expect(await d.ground({ run })).toEqual({
      facts: {
        history: { issueRefund: 1, refundedAmount: 12.5 },
        order: { total: 45.5, currency: 'USD', status: 'delivered' },
      },
    });
    expect(await d.complete({ run, plan: { outcome: 'FINISHED', summary: 'Refunded.' } })).toEqual({
      runId: run.runId,
      status: 'COMPLETED',
    });
    expect(await d.admit({ event, executionId: 'exec-2' })).toEqual({
      outcome: 'DUPLICATE',
      runId: run.runId,
    });

    const stored = await d.runs.getRun(run.runId);
    // Once the run ended, the stored event keeps no personal data.
    expect(stored).toMatchObject({
      status: 'COMPLETED',
      event: {
        ...event,
        detail: {
          ...(event.detail as Record<string, unknown>),
          customerEmail: '[REDACTED:pii]',
          customerPhone: '[REDACTED:pii]',
        },
      },
      redactedDetail: { customerEmail: '[REDACTED:pii]' },
    });
    const chain = await d.lineage.chain(run.runId);
    expect(chain.map((r) => r.type)).toEqual(['run.started', 'context.grounded', 'run.completed']);
    expect(verifyChain(chain, { ended: true })).toEqual({ ok: true, problems: [] });
  });

  it('rejects an invalid event once, with a verifiable one-record chain', async () => {
    const d = deps();
    const event = aRefundRequestedEvent({ amount: -5 }, { id: 'evt-lifecycle-bad' });
    const first = await d.admit({ event, executionId: 'exec-1' });
    await d.admit({ event, executionId: 'exec-2' });
    if (first.outcome !== 'REJECTED') throw new Error(`expected REJECTED, got ${first.outcome}`);
    const chain = await d.lineage.chain(first.runId);
    expect(chain.map((r) => r.type)).toEqual(['event.rejected']);
    expect(verifyChain(chain, { ended: true }).ok).toBe(true);
  });

  it('escalates an expired approval wait: approvals expired, run closed, chain verifies', async () => {
    const d = deps();
    const admitted = await d.admit({
      event: aRefundRequestedEvent({}, { id: 'evt-lifecycle-2' }),
      executionId: 'e',
    });
    if (admitted.outcome !== 'ADMITTED') throw new Error(`expected ADMITTED, got ${admitted.outcome}`);
    const { run } = admitted;
    await d.runs.putApproval(anApprovalRecord({ approvalId: 'appr-lifecycle', runId: run.runId }));

    const timeout = { Error: 'States.Timeout', Cause: 'timed out' };
    expect(await d.escalate({ run, escalation: { reason: 'APPROVAL_EXPIRED', detail: timeout } })).toEqual({
      runId: run.runId,
      status: 'ESCALATED',
    });
    expect((await d.runs.getApproval('appr-lifecycle'))?.status).toBe('EXPIRED');
    expect(await d.runs.listPendingApprovals({ workflowId: REFERENCE_WORKFLOW_ID })).toEqual([]);
    const chain = await d.lineage.chain(run.runId);
    expect(chain.map((r) => r.type)).toEqual(['run.started', 'approval.expired', 'run.escalated']);
    expect(verifyChain(chain, { ended: true }).ok).toBe(true);
  });

  it('records a rejection, on the real tables, for an event holding values DynamoDB cannot store', async () => {
    const d = deps();
    const base = aRefundRequestedEvent({}, { id: 'evt-lifecycle-hostile' });
    const hostile = {
      ...base,
      detail: {
        ...(base.detail as object),
        ...JSON.parse('{"constructor":{"admin":true}}'),
        amount: 2 ** 60,
      },
    };

    const result = await d.admit({ event: hostile, executionId: 'exec-hostile' });

    if (result.outcome !== 'REJECTED') throw new Error(`expected REJECTED, got ${result.outcome}`);
    expect(result.problems).toHaveLength(2);
    const chain = await d.lineage.chain(result.runId);
    expect(chain.map((r) => r.type)).toEqual(['event.rejected']);
    expect(verifyChain(chain, { ended: true }).ok).toBe(true);
    expect(await d.runs.getRun(result.runId)).toBeUndefined();
  });

  it('records the model call, on the real lineage table, when the model answers values DynamoDB cannot store', async () => {
    const d = deps();
    const pack = await loadRefundTriagePack();
    const admitted = await d.admit({
      event: aRefundRequestedEvent({}, { id: 'evt-lifecycle-model' }),
      executionId: 'exec-model',
    });
    if (admitted.outcome !== 'ADMITTED') throw new Error(`expected ADMITTED, got ${admitted.outcome}`);
    const model = new ScriptedModel(
      answer([
        refundCall({ amount: 2 ** 60 }),
        toolUse('finish', JSON.parse('{"summary":"x","constructor":1}')),
      ]),
      answer([refundCall()]),
    );
    const plan = buildStep(planStep, pack, { ...d, model });

    const result = await plan({ run: admitted.run, iteration: 0, facts: { history: { issueRefund: 0 } } });

    expect(result.outcome).toBe('PROPOSED');
    const chain = await d.lineage.chain(admitted.run.runId);
    expect(chain.map((r) => r.type)).toEqual([
      'run.started',
      'model.invoked',
      'model.invoked',
      'actions.proposed',
    ]);
    expect(verifyChain(chain).ok).toBe(true);
  });
});
