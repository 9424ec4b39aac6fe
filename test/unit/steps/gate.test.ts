import type { LineageRecord } from '../../../core/lineage/record.js';
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
import { buildStep } from '../../support/step-builders.js';
import {
  aGatedProposal,
  aProposal,
  aRunRecord,
  loadRefundTriagePack,
  NOW,
  runRefOf,
} from '../agent/fixtures.js';

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

function setUp() {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const gate = buildStep(gateStep, pack, { runs, lineage, clock: fixedClock(NOW) });
  const judge = (proposals: Proposal[], facts: Record<string, unknown> = { history: { issueRefund: 0 } }) =>
    gate({ run: runRefOf(run()), iteration: 0, facts, proposals });
  return { runs, lineage, judge };
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
      workflowId: 'refund-triage',
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
    const result = await judge([refund(45.5)], { history: { issueRefund: 3 } });
    expect(result.pendingApproval).toHaveLength(1);
  });

  it('denies when the grounded history is missing rather than reading it as zero', async () => {
    const { judge, lineage } = setUp();
    const result = await judge([refund(45.5)], {});
    expect(result.counts.denied).toBe(1);
    const [record] = lineage.ofType('policy.evaluated');
    expect(record?.data.errors).not.toEqual([]);
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
    const lineage = new LineageFailingOnPut(2);
    const runs = new InMemoryRunsStore();
    const gate = buildStep(gateStep, pack, { runs, lineage, clock: fixedClock(NOW) });
    const input = {
      run: runRefOf(run()),
      iteration: 0,
      facts: { history: { issueRefund: 0 } },
      proposals: [refund(45.5), refund(1249)],
    };

    await expect(gate(input)).rejects.toThrow('rate exceeded');
    // Between the attempts the action is demoted; the verdict already recorded stands.
    await runs.putAutonomy({
      workflowId: 'refund-triage',
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
