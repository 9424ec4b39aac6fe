import { jest } from '@jest/globals';
import { runUsageOf } from '../../../core/cost/run-usage.js';
import { appendLineage } from '../../../core/lineage/chain.js';
import { verifyChain } from '../../../core/lineage/verify.js';
import type { EventPublisher } from '../../../core/ports.js';
import type { EscalationReason, RunStatus } from '../../../core/steps/contracts.js';
import { type EscalateInput, escalateInputSchema } from '../../../core/steps/contracts.js';
import { escalateStep } from '../../../core/steps/escalate/escalate.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import { buildStep, type TestPorts } from '../../support/step-builders.js';

function escalate(
  input: EscalateInput,
  {
    spec,
    publisher,
    ...ports
  }: TestPorts & { readonly spec: WorkflowSpec; readonly publisher: EventPublisher },
) {
  return buildStep(escalateStep, { spec, prompt: '', policies: '' }, { ...ports, events: publisher })(input);
}

import refundTriage from '../../../workflows/refund-triage/workflow.js';
import {
  fixedClock,
  InMemoryLineageStore,
  InMemoryRunsStore,
  RecordingEventPublisher,
} from '../../support/in-memory-stores.js';
import { aLineageDraft, aRecordData } from '../../support/lineage-builders.js';
import {
  aGatedProposal,
  anApprovalRecord,
  aProposal,
  aRunRecord,
  aRunRef,
} from '../../support/run-builders.js';

const clock = fixedClock('2026-11-03T14:21:05.000Z');
const timeout = { Error: 'States.Timeout', Cause: 'The approval task timed out.' };

async function setup() {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const publisher = new RecordingEventPublisher();
  const run = aRunRef();
  await runs.createRun(aRunRecord(run));
  await appendLineage(lineage, clock, run.runId, aLineageDraft({ type: 'run.started' }));
  return { runs, lineage, publisher, run, deps: { spec: refundTriage, runs, lineage, publisher, clock } };
}

describe('escalate', () => {
  it.each<[EscalationReason, RunStatus]>([
    ['POLICY_DENIED', 'ESCALATED'],
    ['APPROVAL_REJECTED', 'REJECTED'],
    ['APPROVAL_EXPIRED', 'ESCALATED'],
    ['INVALID_MODEL_OUTPUT', 'ESCALATED'],
    ['MAX_ITERATIONS', 'ESCALATED'],
    ['STEP_FAILED', 'FAILED'],
  ])('ends a run escalated for %s as %s', async (reason, status) => {
    const { runs, run, deps } = await setup();
    expect(await escalate({ run, escalation: { reason } }, deps)).toEqual({ runId: run.runId, status });
    expect(await runs.getRun(run.runId)).toMatchObject({
      status,
      endedAt: '2026-11-03T14:21:05.000Z',
      cycleTimeMs: 86_405_000,
      outcome: { reason },
    });
  });

  it('publishes WorkflowEscalated naming the escalation ladder and carrying the detail', async () => {
    const { publisher, run, deps } = await setup();
    const denied = [aGatedProposal({ decision: 'DENY', reasons: ['refund-over-limit-forbidden'] })];
    await escalate({ run, escalation: { reason: 'POLICY_DENIED', detail: denied } }, deps);
    expect(publisher.events).toEqual([
      {
        source: 'awf.refund-triage',
        detailType: 'WorkflowEscalated',
        detail: {
          runId: run.runId,
          workflowId: 'refund-triage',
          entityId: 'ord_4k8m2p',
          reason: 'POLICY_DENIED',
          status: 'ESCALATED',
          notify: ['payments-lead', 'finance-director'],
          detail: denied,
        },
      },
    ]);
  });

  it('closes the chain with run.escalated, and the ended chain verifies', async () => {
    const { lineage, run, deps } = await setup();
    await escalate({ run, escalation: { reason: 'MAX_ITERATIONS' } }, deps);
    const chain = lineage.recordsOf(run.runId);
    expect(chain[chain.length - 1]).toMatchObject({
      type: 'run.escalated',
      actor: 'awf:escalate',
      data: {
        reason: 'MAX_ITERATIONS',
        status: 'ESCALATED',
        detail: null,
        notify: ['payments-lead', 'finance-director'],
      },
    });
    expect(verifyChain(chain, { ended: true }).ok).toBe(true);
  });

  it('expires the run’s pending approvals with approval.expired each, leaving decided and other runs’ approvals', async () => {
    const { runs, lineage, run, deps } = await setup();
    const pending = anApprovalRecord({ approvalId: 'appr-pending', runId: run.runId });
    const second = anApprovalRecord({
      approvalId: 'appr-second',
      runId: run.runId,
      gated: aGatedProposal({ proposal: aProposal({ proposalId: 'prop-2', action: 'denyRefund' }) }),
    });
    const decided = anApprovalRecord({ approvalId: 'appr-decided', runId: run.runId });
    const otherRun = anApprovalRecord({ approvalId: 'appr-other', runId: 'run-other' });
    for (const approval of [pending, second, decided, otherRun]) await runs.putApproval(approval);
    await runs.decideApproval('appr-decided', {
      status: 'APPROVED',
      at: '2026-11-02T15:00:00.000Z',
      by: 'alice@acme.example',
      reason: 'ok',
    });

    await escalate({ run, escalation: { reason: 'APPROVAL_EXPIRED', detail: timeout } }, deps);

    expect(await runs.getApproval('appr-pending')).toMatchObject({
      status: 'EXPIRED',
      decidedBy: 'awf:escalate',
      decidedAt: '2026-11-03T14:21:05.000Z',
      reason: 'no decision before the approval timed out',
    });
    expect((await runs.getApproval('appr-second'))?.status).toBe('EXPIRED');
    expect((await runs.getApproval('appr-decided'))?.status).toBe('APPROVED');
    expect((await runs.getApproval('appr-other'))?.status).toBe('PENDING');
    expect(
      lineage.ofType('approval.expired', run.runId).map((r) => [r.data.approvalId, r.data.action]),
    ).toEqual([
      ['appr-pending', 'issueRefund'],
      ['appr-second', 'denyRefund'],
    ]);
    const types = lineage.recordsOf(run.runId).map((r) => r.type);
    expect(types).toEqual(['run.started', 'approval.expired', 'approval.expired', 'run.escalated']);
  });

  it('closes approvals left pending by a rejection elsewhere in the same wait', async () => {
    const { runs, run, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ approvalId: 'appr-open', runId: run.runId }));
    await escalate({ run, escalation: { reason: 'APPROVAL_REJECTED' } }, deps);
    expect(await runs.getApproval('appr-open')).toMatchObject({
      status: 'EXPIRED',
      reason: 'the run escalated (APPROVAL_REJECTED) before a decision',
    });
  });

  it('publishes and records once when called again after it succeeded', async () => {
    const { runs, lineage, publisher, run, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ runId: run.runId }));
    await escalate({ run, escalation: { reason: 'APPROVAL_EXPIRED', detail: timeout } }, deps);
    const again = await escalate(
      { run, escalation: { reason: 'APPROVAL_EXPIRED', detail: timeout } },
      { ...deps, clock: fixedClock('2026-11-03T14:25:00.000Z') },
    );
    expect(again).toEqual({ runId: run.runId, status: 'ESCALATED' });
    expect(publisher.events).toHaveLength(1);
    expect(lineage.ofType('run.escalated')).toHaveLength(1);
    expect(lineage.ofType('approval.expired')).toHaveLength(1);
    expect((await runs.getRun(run.runId))?.endedAt).toBe('2026-11-03T14:21:05.000Z');
  });

  it('on retry records an expiry that a crashed attempt applied but did not record', async () => {
    const { runs, lineage, run, deps } = await setup();
    await runs.putApproval(anApprovalRecord({ runId: run.runId }));
    await runs.decideApproval('appr-0123456789abcdef01234567', {
      status: 'EXPIRED',
      at: '2026-11-03T14:21:04.000Z',
      by: 'awf:escalate',
      reason: 'no decision before the approval timed out',
    });
    await escalate({ run, escalation: { reason: 'APPROVAL_EXPIRED' } }, deps);
    expect(lineage.ofType('approval.expired')).toHaveLength(1);
  });

  it('leaves a run that already completed as it is, publishing nothing', async () => {
    const { runs, lineage, publisher, run, deps } = await setup();
    await runs.setRunStatus(run.runId, { status: 'COMPLETED', at: '2026-11-03T14:00:00.000Z' });
    expect(await escalate({ run, escalation: { reason: 'STEP_FAILED', detail: timeout } }, deps)).toEqual({
      runId: run.runId,
      status: 'COMPLETED',
    });
    expect(publisher.events).toEqual([]);
    expect(lineage.ofType('run.escalated')).toEqual([]);
  });

  it('fails naming the run when it is not in the runs table', async () => {
    const { deps } = await setup();
    await expect(
      escalate({ run: aRunRef({ runId: 'run-missing' }), escalation: { reason: 'MAX_ITERATIONS' } }, deps),
    ).rejects.toThrow('run run-missing not found in the runs table');
  });
});

describe("escalate's cost", () => {
  const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
  const modelCall = (attempt: number, inputTokens: number, outputTokens: number) =>
    aLineageDraft({
      type: 'model.invoked',
      actor: `model:${HAIKU}`,
      versions: { workflowVersion: '1.0.0', modelId: HAIKU },
      data: aRecordData('model.invoked', { attempt, problems: ['unknown tool "transferFunds"'] }),
      usage: { inputTokens, outputTokens },
    });

  it('records what the run used, counted from the chain it reads once, with its USD; two calls are summed', async () => {
    const { lineage, run, deps } = await setup();
    for (const draft of [
      aLineageDraft({ type: 'context.grounded' }),
      modelCall(0, 1000, 200),
      modelCall(1, 1800, 250),
    ]) {
      await appendLineage(lineage, clock, run.runId, draft);
    }
    const before = lineage.recordsOf(run.runId);
    const chainReads = jest.spyOn(lineage, 'chain');
    await escalate(
      { run, escalation: { reason: 'INVALID_MODEL_OUTPUT', detail: ['no valid answer'] } },
      deps,
    );
    expect(chainReads).toHaveBeenCalledTimes(1);

    const usage = runUsageOf(before, {
      kind: 'escalated',
      reason: 'INVALID_MODEL_OUTPUT',
      status: 'ESCALATED',
    });
    // Admit event, Admitted?, Ground context, Plan actions, Plan outcome, Invalid model output,
    // Escalate run, Run failed?, Run escalated.
    expect(usage).toEqual({
      stateTransitions: 9,
      lambdaInvocations: 4,
      tokens: { [HAIKU]: { input: 2800, output: 450, cacheRead: 0, cacheWrite: 0 } },
    });
    expect(lineage.ofType('run.escalated')[0]?.data.cost).toEqual({
      usage,
      // To 10 decimal places, as recorded: 0.000225 = transitions at $0.025 per 1,000; 8e-7 = invocations at $0.20 per million.
      usd: { tokens: 0.00505, stepFunctions: 0.000225, lambdaRequests: 8e-7, total: 0.0052758 },
    });
  });
});

describe('escalateInputSchema', () => {
  it('fails an unknown reason, naming the field', () => {
    const parsed = escalateInputSchema.safeParse({ run: aRunRef(), escalation: { reason: 'BORED' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['escalation', 'reason']);
  });
});
