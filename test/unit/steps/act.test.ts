import { jest } from '@jest/globals';
import * as z from 'zod';
import { approvalIdFor, executionKeyFor } from '../../../core/ids.js';
import { appendLineage } from '../../../core/lineage/chain.js';
import { observationsOf } from '../../../core/lineage/observations.js';
import { lineageWriter } from '../../../core/lineage/writer.js';
import type { ItemUpdater } from '../../../core/ports.js';
import type { RunRecord } from '../../../core/runs/records.js';
import { actStep } from '../../../core/steps/act/act.js';
import { admitStep } from '../../../core/steps/admit/admit.js';
import {
  type ActInput,
  actInputSchema,
  type BusEvent,
  type GatedProposal,
  type Observation,
  type Proposal,
} from '../../../core/steps/contracts.js';
import { decideApprovalStep } from '../../../core/steps/decide-approval/decide-approval.js';
import { gateStep } from '../../../core/steps/gate/gate.js';
import { groundStep } from '../../../core/steps/ground/ground.js';
import { planStep } from '../../../core/steps/plan/plan.js';
import { requestApprovalStep } from '../../../core/steps/request-approval/request-approval.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { defineWorkflow } from '../../../core/workflow/spec.js';
import { decisionsThrough } from '../../support/approval-decisions.js';
import {
  fixedClock,
  InMemoryLineageStore,
  InMemoryRunsStore,
  namedError,
  RecordingEventPublisher,
  RecordingTaskCallbacks,
} from '../../support/in-memory-stores.js';
import { REFERENCE_WORKFLOW_ID } from '../../support/packs.js';
import { buildStep } from '../../support/step-builders.js';
import { storedKeyOf, testRecordKeys } from '../../support/trusted-ports.js';
import { aWorkflowSpecInput } from '../../support/workflow-builders.js';
import {
  answer,
  aRefundDetail,
  aRunRecord,
  loadRefundTriagePack,
  NOW,
  refundCall,
  runRefOf,
  ScriptedModel,
  toolUse,
} from '../agent/fixtures.js';

/** An ItemUpdater that keeps every update. */
class RecordingItemUpdater implements ItemUpdater {
  readonly updates: { tableName: string; key: Record<string, unknown>; set: Record<string, unknown> }[] = [];
  async update(
    tableName: string,
    key: Readonly<Record<string, unknown>>,
    set: Readonly<Record<string, unknown>>,
  ) {
    this.updates.push({ tableName, key: { ...key }, set: { ...set } });
  }
}

let refundPack: WorkflowPack;
beforeAll(async () => {
  refundPack = await loadRefundTriagePack();
});

/**
 * A run of `pack` whose plan step (scripted model) proposed `calls` and whose
 * gate judged them, with an act step ready to run.
 */
async function plannedRun(
  pack: WorkflowPack,
  detail: Record<string, unknown>,
  calls: ReturnType<typeof toolUse>[],
  options: { admitted?: boolean } = {},
) {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const events = new RecordingEventPublisher();
  const items = new RecordingItemUpdater();
  const clock = fixedClock(NOW);
  const ports = { runs, lineage, events, items, clock, model: new ScriptedModel(answer(calls)) };
  let run: RunRecord = aRunRecord(pack.spec, detail);
  if (options.admitted) {
    // Admitted as in a real run: the run item and the chain's run.started record.
    const admitted = await buildStep(
      admitStep,
      pack,
      ports,
    )({
      event: run.event as BusEvent,
      executionId: run.executionId,
    });
    if (admitted.outcome !== 'ADMITTED') throw new Error(`expected an admission, got ${admitted.outcome}`);
    const stored = await runs.getRun(admitted.run.runId);
    if (!stored) throw new Error('the admitted run is missing');
    run = stored;
  } else {
    await runs.createRun(run);
  }
  // Grounded as in a real run: the facts Plan and the gate read come from Ground's record.
  const { facts } = await buildStep(groundStep, pack, ports)({ run: runRefOf(run) });
  const planned = await buildStep(planStep, pack, ports)({ run: runRefOf(run), iteration: 0, facts });
  if (planned.outcome !== 'PROPOSED') throw new Error(`expected proposals, got ${planned.outcome}`);
  const gated = await buildStep(
    gateStep,
    pack,
    ports,
  )({
    run: runRefOf(run),
    iteration: 0,
    facts,
    proposals: planned.proposals,
  });
  const actOn = buildStep(actStep, pack, ports);
  /** Act on one proposal: its observation. */
  const act = async ({ run, iteration, proposalIds }: ActInput) => {
    const { observations } = await actOn({ run, iteration, proposalIds });
    return observations[0] as Observation;
  };
  // The state data names the proposal only; Act reads what it proposes from the lineage.
  const inputFor = (verdict: GatedProposal): ActInput => ({
    run: runRefOf(run),
    iteration: 0,
    proposalIds: [verdict.proposal.proposalId],
  });
  const verdicts = [...gated.executable, ...gated.denied, ...gated.shadowed];
  return { runs, lineage, events, items, run, act, actOn, inputFor, verdicts, gated };
}

function firstVerdict(verdicts: readonly GatedProposal[]): GatedProposal {
  const [verdict] = verdicts;
  if (!verdict) throw new Error('expected a verdict');
  return verdict;
}

const smallRefund = () => plannedRun(refundPack, aRefundDetail(), [refundCall()]);
/** A 1,249 USD refund of order ord_7h3n9q, whose total it is. */
const largeRefund = () =>
  plannedRun(refundPack, aRefundDetail({ orderId: 'ord_7h3n9q', amount: 1249, orderTotal: 1249 }), [
    refundCall({ orderId: 'ord_7h3n9q', amount: 1249, reasonCode: 'not-delivered' }),
  ]);

/**
 * Requests an approval of `verdict` through the request-approval step, bound
 * to `proposal` (the verdict's own by default): its `approval.requested`
 * record is what approvals are counted against.
 */
async function requestApproval(
  planned: Planned,
  verdict: GatedProposal,
  proposal: Proposal = verdict.proposal,
): Promise<string> {
  const request = buildStep(requestApprovalStep, refundPack, {
    runs: planned.runs,
    lineage: planned.lineage,
    events: new RecordingEventPublisher(),
    clock: fixedClock(NOW),
  });
  await request({ run: runRefOf(planned.run), taskToken: 'token-1', gated: { ...verdict, proposal } });
  return approvalIdFor(planned.run.runId, verdict.proposal.proposalId);
}

/** Requests an approval of `verdict` and has `approvers` approve it through the decide step. */
async function approve(
  planned: Planned,
  verdict: GatedProposal,
  proposal: Proposal = verdict.proposal,
  approvers: readonly string[] = ['alice@acme.example'],
): Promise<string> {
  const approvalId = await requestApproval(planned, verdict, proposal);
  const decide = decisionsThrough(
    buildStep(decideApprovalStep, refundPack, {
      runs: planned.runs,
      lineage: planned.lineage,
      callbacks: new RecordingTaskCallbacks(),
      clock: fixedClock(NOW),
    }),
  );
  for (const approver of approvers) {
    await decide({ approvalId, decision: 'APPROVE', approver, reason: 'Lost parcel.' });
  }
  return approvalId;
}

type Planned = Awaited<ReturnType<typeof plannedRun>>;

describe('act step', () => {
  it('runs an allowed action: one event with the idempotency key, an observation, history and lineage', async () => {
    const { act, inputFor, verdicts, events, runs, lineage, run } = await smallRefund();
    const verdict = firstVerdict(verdicts);
    const key = executionKeyFor(run.runId, verdict.proposal.action, verdict.proposal.input);

    const observation = await act(inputFor(verdict));

    expect(observation).toEqual({
      proposalId: verdict.proposal.proposalId,
      action: 'issueRefund',
      status: 'EXECUTED',
      result: { source: 'awf.refund-triage', detailType: 'RefundIssued', eventId: 'evt-1' },
    });
    expect(events.events).toEqual([
      {
        source: 'awf.refund-triage',
        detailType: 'RefundIssued',
        detail: {
          orderId: 'ord_4k8m2p',
          amount: 45.5,
          currency: 'USD',
          reasonCode: 'damaged',
          runId: run.runId,
          proposalId: verdict.proposal.proposalId,
          idempotencyKey: key,
        },
      },
    ]);
    expect(runs.executionRecord(key)).toMatchObject({ status: 'COMPLETED', observation });
    expect(observationsOf(lineage.recordsOf(run.runId))).toEqual([observation]);
    expect(
      (
        await runs.listHistory(
          REFERENCE_WORKFLOW_ID,
          await storedKeyOf('cus_9x2b7d'),
          'issueRefund',
          '2026-01-01T00:00:00Z',
        )
      ).length,
    ).toBe(1);
    expect(lineage.ofType('action.executed', run.runId)[0]).toMatchObject({
      actor: 'awf:act',
      data: {
        proposalId: verdict.proposal.proposalId,
        action: 'issueRefund',
        input: verdict.proposal.input,
        connector: { type: 'eventbridge', detailType: 'RefundIssued' },
        result: observation.result,
        decision: 'ALLOW',
      },
    });
  });

  it('acting twice on the same proposal emits one event and reports the second as already executed', async () => {
    const { act, inputFor, verdicts, events, lineage, run, runs } = await smallRefund();
    const verdict = firstVerdict(verdicts);

    const first = await act(inputFor(verdict));
    const second = await act(inputFor(verdict));

    expect(events.events).toHaveLength(1);
    expect(second).toEqual({ ...first, status: 'ALREADY_EXECUTED' });
    expect(lineage.ofType('action.executed', run.runId)).toHaveLength(1);
    expect(
      (
        await runs.listHistory(
          REFERENCE_WORKFLOW_ID,
          await storedKeyOf('cus_9x2b7d'),
          'issueRefund',
          '2026-01-01T00:00:00Z',
        )
      ).length,
    ).toBe(1);
  });

  it('runs the same intent once per run: the same refund proposed again in the next iteration does nothing', async () => {
    const { act, inputFor, verdicts, events, lineage, run, runs } = await smallRefund();
    const first = await act(inputFor(firstVerdict(verdicts)));
    // The model proposes the very same refund in iteration 1; Plan and Gate record it as usual.
    const ports = { runs, lineage, clock: fixedClock(NOW), model: new ScriptedModel(answer([refundCall()])) };
    const facts = { history: { issueRefund: 1 } };
    const planned = await buildStep(planStep, refundPack, ports)({ run: runRefOf(run), iteration: 1, facts });
    if (planned.outcome !== 'PROPOSED') throw new Error(`expected proposals, got ${planned.outcome}`);
    const again = planned.proposals[0];
    if (!again) throw new Error('expected a proposal');
    expect(again.proposalId).not.toBe(first.proposalId);

    const second = await act({ run: runRefOf(run), iteration: 1, proposalIds: [again.proposalId] });

    expect(second).toEqual({ ...first, proposalId: again.proposalId, status: 'ALREADY_EXECUTED' });
    expect(events.events).toHaveLength(1);
    expect(lineage.ofType('action.executed', run.runId)).toHaveLength(1);
    expect(
      (
        await runs.listHistory(
          REFERENCE_WORKFLOW_ID,
          await storedKeyOf('cus_9x2b7d'),
          'issueRefund',
          '2026-01-01T00:00:00Z',
        )
      ).length,
    ).toBe(1);
  });

  it("reads the run's lineage chain once for both the provenance check and the evidence", async () => {
    const { act, inputFor, verdicts, lineage, run } = await smallRefund();
    const chain = jest.spyOn(lineage, 'chain');
    const head = jest.spyOn(lineage, 'head');

    await act(inputFor(firstVerdict(verdicts)));

    expect(chain).toHaveBeenCalledTimes(1);
    expect(head).not.toHaveBeenCalled();
    expect(lineage.ofType('action.executed', run.runId)).toHaveLength(1);
  });

  it('records history under the keyed hash of the customer, never the customer id, even when it is pii', async () => {
    const piiKeyPack: WorkflowPack = {
      ...refundPack,
      spec: {
        ...refundPack.spec,
        data: {
          ...refundPack.spec.data,
          classification: { ...refundPack.spec.data.classification, '$.detail.customerId': 'pii' },
        },
      },
    };
    const { act, inputFor, verdicts, runs, run } = await plannedRun(
      piiKeyPack,
      aRefundDetail(),
      [refundCall()],
      {
        admitted: true,
      },
    );
    const getRun = jest.spyOn(runs, 'getRunWithDecisionControls');

    const verdict = firstVerdict(verdicts);
    await act(inputFor(verdict));

    // The event, the entity and the key come from the stored run, never from state data;
    // the execution of this proposal is read in the same request.
    expect(getRun).toHaveBeenCalledWith(
      run.runId,
      REFERENCE_WORKFLOW_ID,
      'issueRefund',
      executionKeyFor(run.runId, verdict.proposal.action, verdict.proposal.input),
    );
    const since = '2026-01-01T00:00:00Z';
    expect(
      await runs.listHistory(REFERENCE_WORKFLOW_ID, await storedKeyOf('cus_9x2b7d'), 'issueRefund', since),
    ).toEqual([{ at: NOW, values: { amount: 45.5 } }]);
    for (const clear of ['cus_9x2b7d', '[REDACTED:pii]']) {
      expect((await runs.listHistory(REFERENCE_WORKFLOW_ID, clear, 'issueRefund', since)).length).toBe(0);
    }
  });

  it('re-runs the connector with the same detail after a crashed attempt left the claim in progress', async () => {
    const { act, inputFor, verdicts, events, runs, run } = await smallRefund();
    const verdict = firstVerdict(verdicts);
    const key = executionKeyFor(run.runId, verdict.proposal.action, verdict.proposal.input);
    await runs.claimExecution(key, NOW);

    const observation = await act(inputFor(verdict));

    expect(observation.status).toBe('EXECUTED');
    expect(events.events[0]?.detail.idempotencyKey).toBe(key);
  });

  it('refuses a REQUIRE_APPROVAL proposal that has no approval', async () => {
    const { act, inputFor, gated, events } = await largeRefund();

    await expect(act(inputFor(firstVerdict(gated.pendingApproval)))).rejects.toThrow(
      /refusing to run issueRefund .*it needs an approval and "appr-[0-9a-f]{24}" does not exist/,
    );
    expect(events.events).toEqual([]);
  });

  it('refuses while the approval is still pending', async () => {
    const planned = await largeRefund();
    const { act, inputFor, gated, events } = planned;
    const verdict = firstVerdict(gated.pendingApproval);
    await requestApproval(planned, verdict);

    await expect(act(inputFor(verdict))).rejects.toThrow(
      /approval "appr-[0-9a-f]{24}": it needs 1 approval by payments-approver; the lineage holds approvals by nobody/,
    );
    expect(events.events).toEqual([]);
  });

  it('runs an approved REQUIRE_APPROVAL proposal and records the approval it ran under', async () => {
    const planned = await largeRefund();
    const { act, inputFor, gated, run, events, lineage } = planned;
    const verdict = firstVerdict(gated.pendingApproval);
    const approvalId = await approve(planned, verdict);

    await act(inputFor(verdict));

    expect(events.events).toHaveLength(1);
    expect(lineage.ofType('action.executed', run.runId)[0]?.data).toMatchObject({
      approvalId,
      decision: 'REQUIRE_APPROVAL',
      approvers: ['alice@acme.example'],
    });
  });

  it('records the approval an action ran under when a retry finds it executed but not yet in the lineage', async () => {
    const planned = await largeRefund();
    const { act, inputFor, gated, run, events, lineage } = planned;
    const verdict = firstVerdict(gated.pendingApproval);
    const approvalId = await approve(planned, verdict);
    // The first attempt dies between completing the execution and appending action.executed.
    const append = lineage.putIfAbsent.bind(lineage);
    let failed = false;
    lineage.putIfAbsent = async (record) => {
      if (record.type === 'action.executed' && !failed) {
        failed = true;
        throw namedError('ThrottlingException', 'rate exceeded');
      }
      return append(record);
    };

    await expect(act(inputFor(verdict))).rejects.toThrow('rate exceeded');
    const retried = await act(inputFor(verdict));

    expect(retried.status).toBe('ALREADY_EXECUTED');
    expect(events.events).toHaveLength(1);
    expect(lineage.ofType('action.executed', run.runId).map((r) => r.data)).toEqual([
      expect.objectContaining({ approvalId, decision: 'REQUIRE_APPROVAL' }),
    ]);
  });

  it('refuses an approval given for a different input (binding mismatch)', async () => {
    const planned = await largeRefund();
    const { act, inputFor, gated, events } = planned;
    const verdict = firstVerdict(gated.pendingApproval);
    const other = { ...verdict.proposal, input: { ...verdict.proposal.input, amount: 12.5 } };
    await approve(planned, verdict, other);

    await expect(act(inputFor(verdict))).rejects.toThrow(
      /it was requested for [0-9a-f]{64}, but this action hashes to [0-9a-f]{64}/,
    );
    expect(events.events).toEqual([]);
  });

  it('refuses a proposal id the plan step never proposed in this iteration of this run', async () => {
    const planned = await largeRefund();
    const { act, inputFor, gated, events } = planned;
    const verdict = firstVerdict(gated.pendingApproval);
    await approve(planned, verdict);

    await expect(act({ ...inputFor(verdict), proposalIds: ['p-forged'] })).rejects.toThrow(
      /refusing to run proposal "p-forged": the plan step never proposed it in iteration 0 of this run/,
    );
    await expect(act({ ...inputFor(verdict), iteration: 1 })).rejects.toThrow(
      /never proposed it in iteration 1/,
    );
    expect(events.events).toEqual([]);
  });

  it('ignores what the state data says of the proposal: action, input and confidence come from the lineage', async () => {
    const { act, inputFor, verdicts, events } = await plannedRun(refundPack, aRefundDetail(), [
      refundCall({ confidence: 0.5 }),
    ]);
    const verdict = firstVerdict(verdicts);
    const raised: GatedProposal = {
      ...verdict,
      decision: 'ALLOW',
      proposal: { ...verdict.proposal, confidence: 0.95, input: { ...verdict.proposal.input, amount: 9999 } },
    };
    // What a Lambda receives is parsed with Act's schema, which keeps the proposal id only.
    const input = actInputSchema.parse({ ...inputFor(verdict), gated: raised });

    expect(input).toEqual(inputFor(verdict));
    await expect(act(input)).rejects.toThrow(/it needs an approval/);
    expect(events.events).toEqual([]);
  });

  it('refuses a proposal the policies deny, whatever the gate said', async () => {
    const { act, inputFor, gated, events } = await plannedRun(
      refundPack,
      aRefundDetail({ orderId: 'ord_2v6c8r', amount: 12_500, orderTotal: 12_500 }),
      [refundCall({ orderId: 'ord_2v6c8r', amount: 12_500, reasonCode: 'not-delivered' })],
    );

    await expect(act(inputFor(firstVerdict(gated.denied)))).rejects.toThrow(
      /the decision now is DENY \(refund-over-limit-forbidden\)/,
    );
    expect(events.events).toEqual([]);
  });

  it('refuses an action in shadow mode', async () => {
    const { act, inputFor, verdicts, runs, events } = await smallRefund();
    await runs.putAutonomy({
      workflowId: REFERENCE_WORKFLOW_ID,
      action: 'issueRefund',
      level: 'shadow',
      since: NOW,
      reason: 'demoted',
    });

    await expect(act(inputFor(firstVerdict(verdicts)))).rejects.toThrow(/the action is in shadow mode/);
    expect(events.events).toEqual([]);
  });

  it('re-evaluates with the history as it is now: a fourth refund in the window needs an approval', async () => {
    const { act, inputFor, verdicts, runs, events } = await smallRefund();
    for (const at of ['2026-11-01T00:00:00Z', '2026-11-05T00:00:00Z', '2026-11-10T00:00:00Z']) {
      await runs.recordHistory(REFERENCE_WORKFLOW_ID, await storedKeyOf('cus_9x2b7d'), 'issueRefund', at, {
        amount: 1,
      });
    }

    await expect(act(inputFor(firstVerdict(verdicts)))).rejects.toThrow(/it needs an approval/);
    expect(events.events).toEqual([]);
  });

  it('refuses a proposal whose actions.proposed record the plan step did not make (no valid MAC)', async () => {
    const { act, run, lineage, events } = await smallRefund();
    // What an insider with table access could append: correctly chained and hashed, but unsigned.
    await appendLineage(lineage, fixedClock(NOW), run.runId, {
      type: 'actions.proposed',
      actor: 'model:forged',
      workflowId: run.workflowId,
      entityId: run.entityId,
      versions: { workflowVersion: run.workflowVersion },
      data: {
        iteration: 0,
        outcome: 'PROPOSED',
        proposals: [
          {
            proposalId: 'p-forged',
            action: 'issueRefund',
            input: { orderId: 'ord_4k8m2p', amount: 45.5, currency: 'USD', reasonCode: 'damaged' },
            rationale: 'forged',
            confidence: 0.99,
          },
        ],
      },
    });

    await expect(act({ run: runRefOf(run), iteration: 0, proposalIds: ['p-forged'] })).rejects.toThrow(
      /forged: "actions.proposed" record carries no MAC \(unauthenticated\); only the plan step may write it/,
    );
    expect(events.events).toEqual([]);
  });

  it('refuses a plan-recorded proposal outside the catalogue or whose input fails its schema', async () => {
    const { act, run, lineage, events } = await smallRefund();
    /** A proposal recorded through the plan step's own writer, as a plan step misled past its checks would. */
    const plan = lineageWriter('plan', lineage, fixedClock(NOW), testRecordKeys());
    const record = (proposal: Proposal) =>
      plan.append(run.runId, {
        type: 'actions.proposed',
        actor: 'model:misled',
        workflowId: run.workflowId,
        entityId: run.entityId,
        versions: { workflowVersion: run.workflowVersion },
        data: { iteration: 0, outcome: 'PROPOSED', proposals: [proposal] },
      });
    const base = { rationale: 'misled', confidence: 0.99 };
    await record({ proposalId: 'p-wire', action: 'wireMoney', input: { amount: 1 }, ...base });
    await record({
      proposalId: 'p-negative',
      action: 'issueRefund',
      input: { orderId: 'ord_4k8m2p', amount: -1, currency: 'USD', reasonCode: 'damaged' },
      ...base,
    });
    const input = (proposalId: string) => ({ run: runRefOf(run), iteration: 0, proposalIds: [proposalId] });

    await expect(act(input('p-wire'))).rejects.toThrow(
      /action "wireMoney" is not in the catalogue of refund-triage/,
    );
    await expect(act(input('p-negative'))).rejects.toThrow(
      /the decision now is DENY \(input fails the action's schema \(amount: /,
    );
    expect(events.events).toEqual([]);
  });

  it('updates the item a dynamodb connector names, with the key and update fields from the input', async () => {
    const pack: WorkflowPack = {
      spec: defineWorkflow(
        aWorkflowSpecInput({
          actions: {
            setPriority: {
              description: 'Set the priority of a ticket.',
              input: z.object({ ticketId: z.string(), priority: z.enum(['low', 'high']) }),
              risk: 'low',
              connector: {
                type: 'dynamodb',
                tableName: 'tickets',
                keyFields: ['ticketId'],
                updateFields: ['priority'],
              },
              bind: { ticketId: '$.detail.ticketId' },
            },
          },
          autonomy: { default: 'autonomous' },
        }),
      ),
      prompt: 'Prioritise tickets.',
      policies: '@id("all")\npermit (principal, action, resource);',
    };
    const { act, inputFor, verdicts, items } = await plannedRun(
      pack,
      { ticketId: 'T-1', subject: 'Down', email: 'a@example.com' },
      [toolUse('setPriority', { ticketId: 'T-1', priority: 'high', rationale: 'Outage.', confidence: 0.9 })],
    );

    const observation = await act(inputFor(firstVerdict(verdicts)));

    expect(items.updates).toEqual([
      { tableName: 'tickets', key: { ticketId: 'T-1' }, set: { priority: 'high' } },
    ]);
    expect(observation.result).toEqual({
      tableName: 'tickets',
      key: { ticketId: 'T-1' },
      updated: ['priority'],
    });
  });
});
