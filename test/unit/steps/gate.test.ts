import { InMemoryFactReader } from '../../../adapters/memory-fact-reader.js';
import { InMemoryRecordKeys } from '../../../adapters/memory-record-keys.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import { lineageWriter } from '../../../core/lineage/writer.js';
import { createPolicyGate, type PolicyGate } from '../../../core/policy/gate.js';
import type { RunRecord } from '../../../core/runs/records.js';
import type { Proposal } from '../../../core/steps/contracts.js';
import { gateResultOf, gateStep } from '../../../core/steps/gate/gate.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import {
  fixedClock,
  InMemoryLineageStore,
  InMemoryRunsStore,
  namedError,
} from '../../support/in-memory-stores.js';
import { REFERENCE_WORKFLOW_ID } from '../../support/packs.js';
import { buildStep } from '../../support/step-builders.js';
import { testRecordKeys } from '../../support/trusted-ports.js';
import {
  aGatedProposal,
  aProposal,
  aRunRecord,
  loadRefundTriagePack,
  NOW,
  runRefOf,
} from '../agent/fixtures.js';
import { withoutLogOnlyPolicies } from '../policy/builders.js';

let pack: WorkflowPack;
let policyGate: PolicyGate;
beforeAll(async () => {
  pack = await loadRefundTriagePack();
  policyGate = createPolicyGate(pack);
});

const run: () => RunRecord = () => aRunRecord(pack.spec);

function refund(amount: number, overrides: Partial<Proposal> = {}): Proposal {
  return aProposal(
    run().runId,
    'issueRefund',
    { orderId: 'ord_4k8m2p', amount, currency: 'USD', reasonCode: 'damaged' },
    overrides,
  );
}

/**
 * A gate over a stored run whose chain holds Ground's record of `facts` (the
 * first judge call grounds the run): the gate reads the event from the runs
 * table and the history from the chain, never from state data.
 */
function setUp(withPack: WorkflowPack = pack) {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const gate = buildStep(gateStep, withPack, { runs, lineage, clock: fixedClock(NOW), facts: largeOrder() });
  let grounded = false;
  const judge = async (
    proposals: Proposal[],
    facts: Record<string, unknown> = { history: { issueRefund: 0, refundedAmount: 0 } },
  ) => {
    const ref = runRefOf(run());
    if (!grounded) {
      grounded = true;
      await groundRun(runs, lineage, facts);
    }
    return gate({ run: ref, iteration: 0, facts, proposals });
  };
  return { runs, lineage, judge };
}

/** Stores the run and appends Ground's record of `facts`, as the steps before the gate do. */
async function groundRun(
  runs: InMemoryRunsStore,
  lineage: InMemoryLineageStore,
  facts: Record<string, unknown>,
) {
  const ref = runRefOf(run());
  await runs.createRun(run());
  await lineageWriter('ground', lineage, fixedClock(NOW), testRecordKeys()).append(ref.runId, {
    type: 'context.grounded',
    actor: 'awf:ground',
    workflowId: ref.workflowId,
    entityId: ref.entityId,
    versions: { workflowVersion: ref.workflowVersion },
    data: { facts },
  });
}

/** The orders table with ord_4k8m2p larger than any refund here, so the thresholds under test decide. */
function largeOrder(): InMemoryFactReader {
  return new InMemoryFactReader().seed('acme-orders', [
    { orderId: 'ord_4k8m2p', total: 20_000, currency: 'USD', status: 'delivered' },
  ]);
}

describe('gate step', () => {
  it('allows a small confident refund and lists it as executable', async () => {
    const { judge } = setUp();
    const result = await judge([refund(45.5)]);
    expect(result.counts).toEqual({ executable: 1, pendingApproval: 0, denied: 0, shadowed: 0 });
    expect(result.executable[0]).toMatchObject({ decision: 'ALLOW', reasons: ['refund-small-autonomous'] });
    expect(result.policySetHash).toBe(policyGate.policySetHash);
  });

  it('sends a refund above 100 USD to an approver and keeps it executable once approved', async () => {
    const { judge } = setUp();
    const result = await judge([refund(1249)]);
    expect(result.counts).toEqual({ executable: 1, pendingApproval: 1, denied: 0, shadowed: 0 });
    expect(result.pendingApproval[0]?.reasons).toEqual(['refund-up-to-limit-needs-approval']);
  });

  it('denies a refund above 10,000 USD', async () => {
    const { judge } = setUp();
    const result = await judge([refund(12_500)]);
    expect(result.counts).toEqual({ executable: 0, pendingApproval: 0, denied: 1, shadowed: 0 });
    expect(result.denied[0]?.reasons).toEqual(['refund-over-limit-forbidden']);
  });

  it('makes a supervised action that the policies allow wait for an approver', async () => {
    const { judge, lineage } = setUp();
    const deny = aProposal(run().runId, 'denyRefund', {
      orderId: 'ord_4k8m2p',
      reasonCode: 'outside-policy-window',
      customerMessage: 'Refunds are only possible within 60 days of the order date.',
    });
    const result = await judge([deny]);
    expect(result.pendingApproval[0]).toMatchObject({ decision: 'REQUIRE_APPROVAL' });
    expect(lineage.ofType('policy.evaluated')[0]?.data).toMatchObject({
      policyDecision: 'ALLOW',
      decision: 'REQUIRE_APPROVAL',
      autonomy: 'supervised',
    });
  });

  it('uses the stored autonomy level over the spec and never runs a shadowed action', async () => {
    const { judge, runs, lineage } = setUp();
    await runs.putAutonomy({
      workflowId: REFERENCE_WORKFLOW_ID,
      action: 'issueRefund',
      level: 'shadow',
      since: NOW,
      reason: 'demoted after overrides',
    });
    const result = await judge([refund(45.5)]);
    expect(result.counts).toEqual({ executable: 0, pendingApproval: 0, denied: 0, shadowed: 1 });
    expect(result.shadowed[0]).toMatchObject({ decision: 'ALLOW' });
    expect(lineage.ofType('policy.evaluated')[0]?.data).toMatchObject({ autonomy: 'shadow', shadow: true });
  });

  it('requires an approval once the customer had three refunds in the window', async () => {
    const { judge } = setUp();
    const result = await judge([refund(45.5)], { history: { issueRefund: 3, refundedAmount: 120 } });
    expect(result.pendingApproval).toHaveLength(1);
  });

  it('denies when the grounded history is missing rather than reading it as zero', async () => {
    const { judge, lineage } = setUp();
    const result = await judge([refund(45.5)], {});
    expect(result.counts.denied).toBe(1);
    const [record] = lineage.ofType('policy.evaluated');
    expect(record?.data.errors).not.toEqual([]);
  });

  it('fails when the context.grounded it reads was not written by the ground step, recording nothing', async () => {
    const runs = new InMemoryRunsStore();
    const lineage = new InMemoryLineageStore();
    const ref = runRefOf(run());
    await runs.createRun(run());
    // Zero refunds so far, "recorded" by someone who holds another key than Ground's.
    await lineageWriter(
      'ground',
      lineage,
      fixedClock(NOW),
      new InMemoryRecordKeys('not the ground key'),
    ).append(ref.runId, {
      type: 'context.grounded',
      actor: 'awf:ground',
      workflowId: ref.workflowId,
      entityId: ref.entityId,
      versions: { workflowVersion: ref.workflowVersion },
      data: { facts: { history: { issueRefund: 0, refundedAmount: 0 } } },
    });
    const gate = buildStep(gateStep, pack, { runs, lineage, clock: fixedClock(NOW), facts: largeOrder() });
    await expect(
      gate({ run: ref, iteration: 0, facts: {}, proposals: [refund(45.5)] }),
    ).rejects.toMatchObject({
      name: 'ForgedLineageRecordError',
      message: expect.stringMatching(
        /record 0 .*"context.grounded" record does not verify under the record key of the ground step/,
      ),
    });
    expect(lineage.ofType('policy.evaluated')).toEqual([]);
  });

  it('reads the kill switch again for each proposal: a halt set after the first decision denies the next', async () => {
    const { judge, runs } = setUp();
    const readFirst = runs.getRunWithDecisionControls.bind(runs);
    runs.getRunWithDecisionControls = async (...args) => {
      const read = await readFirst(...args);
      // The operator halts the workflow just after the first decision read the run and its controls.
      await runs.putSwitch({
        workflowId: REFERENCE_WORKFLOW_ID,
        mode: 'halt',
        since: NOW,
        reason: 'payments incident',
        by: 'ops@example.com',
      });
      return read;
    };
    const result = await judge([refund(45.5), refund(45.6)]);
    expect(result.executable).toEqual([
      expect.objectContaining({ decision: 'ALLOW', proposal: refund(45.5) }),
    ]);
    expect(result.denied).toEqual([
      expect.objectContaining({
        decision: 'DENY',
        proposal: refund(45.6),
        reasons: expect.arrayContaining(['workflow halted by the operator']),
      }),
    ]);
  });

  it('denies an action outside the catalogue instead of failing', async () => {
    const { judge, lineage } = setUp();
    const result = await judge([aProposal(run().runId, 'wireMoney', { amount: 1 })]);
    expect(result.denied[0]).toMatchObject({ decision: 'DENY' });
    expect(lineage.ofType('policy.evaluated')[0]?.data).toMatchObject({
      policyDecision: 'DENY',
      errors: [
        expect.stringMatching(/^action "wireMoney" is not in the catalogue of refund-triage \(issueRefund, /),
      ],
    });
  });

  it('records one policy.evaluated per proposal, in order, with the policy-set hash', async () => {
    const { judge, lineage } = setUp();
    const small = refund(45.5);
    const large = refund(1249);
    await judge([small, large]);
    const records = lineage.ofType('policy.evaluated');
    expect(records.map((r) => r.data.proposalId)).toEqual([small.proposalId, large.proposalId]);
    expect(records[1]).toMatchObject({
      actor: 'awf:gate',
      versions: { workflowVersion: '1.0.0', policySetHash: policyGate.policySetHash },
      data: {
        iteration: 0,
        action: 'issueRefund',
        input: large.input,
        confidence: 0.9,
        policyDecision: 'REQUIRE_APPROVAL',
        decision: 'REQUIRE_APPROVAL',
        reasons: ['refund-up-to-limit-needs-approval'],
        errors: [],
        autonomy: 'autonomous',
        shadow: false,
      },
    });
  });
});

describe('gate step, retried', () => {
  /** A lineage store whose `n`th put fails once, as a throttled write would. */
  class LineageFailingOnPut extends InMemoryLineageStore {
    private puts = 0;
    constructor(private readonly failingPut: number) {
      super();
    }
    override async putIfAbsent(record: LineageRecord): Promise<boolean> {
      if (++this.puts === this.failingPut) throw namedError('ThrottlingException', 'rate exceeded');
      return super.putIfAbsent(record);
    }
  }

  it('records one verdict per proposal when a retry follows a write that failed midway', async () => {
    // Put 1 is Ground's record; put 3 is the gate's second verdict.
    const lineage = new LineageFailingOnPut(3);
    const runs = new InMemoryRunsStore();
    await groundRun(runs, lineage, { history: { issueRefund: 0, refundedAmount: 0 } });
    const gate = buildStep(gateStep, pack, { runs, lineage, clock: fixedClock(NOW), facts: largeOrder() });
    const input = {
      run: runRefOf(run()),
      iteration: 0,
      facts: { history: { issueRefund: 0, refundedAmount: 0 } },
      proposals: [refund(45.5), refund(1249)],
    };

    await expect(gate(input)).rejects.toThrow('rate exceeded');
    // Between the attempts the action is demoted; the verdict already recorded stands.
    await runs.putAutonomy({
      workflowId: REFERENCE_WORKFLOW_ID,
      action: 'issueRefund',
      level: 'supervised',
      since: NOW,
      reason: 'demoted',
    });
    const result = await gate(input);

    const records = lineage.ofType('policy.evaluated');
    expect(records.map((r) => [r.data.proposalId, r.data.decision])).toEqual([
      [input.proposals[0]?.proposalId, 'ALLOW'],
      [input.proposals[1]?.proposalId, 'REQUIRE_APPROVAL'],
    ]);
    expect(result.executable.map((v) => [v.proposal.proposalId, v.decision])).toEqual(
      records.map((r) => [r.data.proposalId, r.data.decision]),
    );
    expect(result.executable.map((v) => v.proposal)).toEqual(input.proposals);
  });

  it('judges afresh a proposal whose recorded verdict was for another input', async () => {
    const { judge, lineage } = setUp();
    const original = refund(45.5);
    await judge([original]);
    const altered = { ...original, input: { ...original.input, amount: 4500 } };

    const result = await judge([altered]);

    expect(result.pendingApproval.map((v) => v.proposal)).toEqual([altered]);
    expect(lineage.ofType('policy.evaluated').map((r) => r.data.decision)).toEqual([
      'ALLOW',
      'REQUIRE_APPROVAL',
    ]);
  });
});

describe('gate step, with a log-only policy', () => {
  // The pack's own log-only policy is left out: each test names the one it adds.
  const logOnly = (id: string, body: string) => {
    const base = withoutLogOnlyPolicies(pack);
    return { ...base, policies: `${base.policies}\n@id("${id}")\n@mode("log-only")\n${body}\n` };
  };
  const forbidOver40 = () =>
    logOnly(
      'refund-over-40-forbidden',
      'forbid (principal, action == Awf::Action::"issueRefund", resource)\nwhen { context.input.amount.greaterThan(decimal("40.00")) };',
    );

  it('decides without it and records in policy.evaluated what it would have decided', async () => {
    const { judge, lineage } = setUp(forbidOver40());
    const result = await judge([refund(45.5)]);
    expect(result.executable.map((v) => v.decision)).toEqual(['ALLOW']);
    expect(lineage.ofType('policy.evaluated').map((r) => r.data)).toEqual([
      expect.objectContaining({
        policyDecision: 'ALLOW',
        decision: 'ALLOW',
        reasons: ['refund-small-autonomous'],
        logOnly: [
          { policyId: 'refund-over-40-forbidden', wouldDecide: 'DENY', changed: true, satisfied: true },
        ],
      }),
    ]);
  });

  it('compares with the decision autonomy made: a would-be ALLOW of a supervised action changes nothing', async () => {
    const { judge, runs, lineage } = setUp(
      logOnly(
        'refund-confident-autonomous',
        'permit (principal, action == Awf::Action::"issueRefund", resource)\nwhen { context.confidence.greaterThanOrEqual(decimal("0.8")) };',
      ),
    );
    await judge([refund(250)]);
    await runs.putAutonomy({
      workflowId: REFERENCE_WORKFLOW_ID,
      action: 'issueRefund',
      level: 'supervised',
      since: NOW,
      reason: 'operator',
    });
    await judge([refund(260)]);
    expect(lineage.ofType('policy.evaluated').map((r) => [r.data.decision, r.data.logOnly])).toEqual([
      [
        'REQUIRE_APPROVAL',
        [{ policyId: 'refund-confident-autonomous', wouldDecide: 'ALLOW', changed: true, satisfied: true }],
      ],
      [
        'REQUIRE_APPROVAL',
        [
          {
            policyId: 'refund-confident-autonomous',
            wouldDecide: 'REQUIRE_APPROVAL',
            changed: false,
            satisfied: true,
          },
        ],
      ],
    ]);
  });

  it('records the verdict of a retried proposal once, its log-only part included', async () => {
    const { judge, lineage } = setUp(forbidOver40());
    const proposal = refund(45.5);
    await judge([proposal]);
    const result = await judge([proposal]);
    expect(result.executable.map((v) => v.decision)).toEqual(['ALLOW']);
    const records = lineage.ofType('policy.evaluated');
    expect(records).toHaveLength(1);
    expect(records[0]?.data.logOnly).toEqual([
      { policyId: 'refund-over-40-forbidden', wouldDecide: 'DENY', changed: true, satisfied: true },
    ]);
  });

  it('leaves logOnly out of the records of a policy set without log-only policies', async () => {
    const { judge, lineage } = setUp(withoutLogOnlyPolicies(pack));
    await judge([refund(45.5)]);
    expect(lineage.ofType('policy.evaluated')[0]?.data).not.toHaveProperty('logOnly');
  });
});

describe('gateResultOf', () => {
  it('keeps shadowed verdicts out of every list the state machine acts on', () => {
    const p = refund(1);
    const result = gateResultOf(
      [
        { ...aGatedProposal(p, { decision: 'DENY' }), shadow: true },
        { ...aGatedProposal(p, { decision: 'REQUIRE_APPROVAL' }), shadow: true },
      ],
      'h',
    );
    expect(result.counts).toEqual({ executable: 0, pendingApproval: 0, denied: 0, shadowed: 2 });
  });
});
