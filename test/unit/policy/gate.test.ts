import { join } from 'node:path';
import { WorkflowSpecError } from '../../../core/errors.js';
import { createPolicyGate, type PolicyGate } from '../../../core/policy/gate.js';
import { validatePolicies } from '../../../core/policy/validate-pack.js';
import { loadExampleEvents, WORKFLOWS_DIR } from '../../../workflows/discover.js';
import {
  aDenyRefundRequest,
  aPack,
  aRefundRequest,
  aTicketRequest,
  loadRefundTriagePack,
  refundContext,
} from './builders.js';

let refundGate: PolicyGate;

beforeAll(async () => {
  refundGate = createPolicyGate(await loadRefundTriagePack());
});

function specErrorOf(fn: () => unknown): WorkflowSpecError {
  try {
    fn();
  } catch (error) {
    if (error instanceof WorkflowSpecError) return error;
    throw error;
  }
  throw new Error('expected a WorkflowSpecError');
}

/** The pack's log-only policy, reporting it would have decided as the enforced policies did. */
const unchanged = (decision: string) => [
  { policyId: 'damaged-but-undelivered-forbidden', wouldDecide: decision, changed: false, satisfied: false },
];

describe('the refund-triage policies', () => {
  it('allow a 45.50 USD refund at confidence 0.9 with no earlier refunds', () => {
    expect(refundGate.evaluate(aRefundRequest())).toEqual({
      decision: 'ALLOW',
      reasons: ['refund-small-autonomous'],
      errors: [],
      logOnly: unchanged('ALLOW'),
    });
  });

  it('require approval for 45.50 USD when the customer had 3 refunds in the window', () => {
    expect(refundGate.evaluate(aRefundRequest({ history: { issueRefund: 3, refundedAmount: 150 } }))).toEqual(
      {
        decision: 'REQUIRE_APPROVAL',
        reasons: ['refund-up-to-limit-needs-approval'],
        errors: [],
        logOnly: unchanged('REQUIRE_APPROVAL'),
      },
    );
  });

  it('require approval for 45.50 USD at confidence 0.5', () => {
    expect(refundGate.evaluate(aRefundRequest({ confidence: 0.5 })).decision).toBe('REQUIRE_APPROVAL');
  });

  it('require approval for a 1,249 USD refund', () => {
    expect(refundGate.evaluate(aRefundRequest({ input: { amount: 1249 } })).decision).toBe(
      'REQUIRE_APPROVAL',
    );
  });

  it('require approval for a small refund in another currency', () => {
    expect(refundGate.evaluate(aRefundRequest({ input: { currency: 'EUR' } })).decision).toBe(
      'REQUIRE_APPROVAL',
    );
  });

  it('treat the 100.00 and 10,000.00 thresholds as inclusive', () => {
    expect(refundGate.evaluate(aRefundRequest({ input: { amount: 100 } })).decision).toBe('ALLOW');
    expect(refundGate.evaluate(aRefundRequest({ input: { amount: 100.01 } })).decision).toBe(
      'REQUIRE_APPROVAL',
    );
    expect(refundGate.evaluate(aRefundRequest({ input: { amount: 10_000 } })).decision).toBe(
      'REQUIRE_APPROVAL',
    );
    expect(refundGate.evaluate(aRefundRequest({ input: { amount: 10_000.01 } })).decision).toBe('DENY');
  });

  it('deny a 12,500 USD refund by the over-limit forbid', () => {
    expect(refundGate.evaluate(aRefundRequest({ input: { amount: 12_500 } }))).toEqual({
      decision: 'DENY',
      reasons: ['refund-over-limit-forbidden'],
      errors: [],
      logOnly: unchanged('DENY'),
    });
  });

  it('allow denying a refund at confidence 0.95 and require approval at 0.7', () => {
    expect(refundGate.evaluate(aDenyRefundRequest(0.95))).toEqual({
      decision: 'ALLOW',
      reasons: ['deny-confident-autonomous'],
      errors: [],
      logOnly: unchanged('ALLOW'),
    });
    expect(refundGate.evaluate(aDenyRefundRequest(0.7))).toEqual({
      decision: 'REQUIRE_APPROVAL',
      reasons: ['deny-needs-approval'],
      errors: [],
      logOnly: unchanged('REQUIRE_APPROVAL'),
    });
  });

  it('allow asking the customer for more information', () => {
    const evaluation = refundGate.evaluate({
      entityId: 'ord_5p1x4s',
      action: 'requestMoreInformation',
      input: { orderId: 'ord_5p1x4s', questions: ['Could you send a photo of the damage?'] },
      confidence: 0.6,
      risk: 'low',
      autonomy: 'autonomous',
      history: { issueRefund: 0, refundedAmount: 0 },
      ...refundContext(),
    });
    expect(evaluation).toEqual({
      decision: 'ALLOW',
      reasons: ['request-information'],
      errors: [],
      logOnly: unchanged('ALLOW'),
    });
  });

  it('try out their log-only policy: a damaged-item refund of an order not delivered runs, and the record says it would not have', () => {
    const shipped = { order: { total: 2_000_000, currency: 'USD', status: 'shipped' } };
    expect(refundGate.evaluate(aRefundRequest({ facts: shipped }))).toEqual({
      decision: 'ALLOW',
      reasons: ['refund-small-autonomous'],
      errors: [],
      logOnly: [
        {
          policyId: 'damaged-but-undelivered-forbidden',
          wouldDecide: 'DENY',
          changed: true,
          satisfied: true,
        },
      ],
    });
    expect(refundGate.evaluate(aRefundRequest()).logOnly).toEqual([
      {
        policyId: 'damaged-but-undelivered-forbidden',
        wouldDecide: 'ALLOW',
        changed: false,
        satisfied: false,
      },
    ]);
  });

  it('leaves the log-only policies out when asked, deciding the same without them', () => {
    const shipped = { order: { total: 2_000_000, currency: 'USD', status: 'shipped' } };
    expect(refundGate.evaluate(aRefundRequest({ facts: shipped }), { logOnly: false })).toEqual({
      decision: 'ALLOW',
      reasons: ['refund-small-autonomous'],
      errors: [],
    });
  });

  it('publish the hash of the policy set and its ids in file order', () => {
    expect(refundGate.policySetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(refundGate.policyIds).toEqual([
      'refund-small-autonomous',
      'refund-up-to-limit-needs-approval',
      'refund-over-limit-forbidden',
      'refund-beyond-order-total-forbidden',
      'refund-in-order-currency-only',
      'refund-of-cancelled-order-forbidden',
      'deny-confident-autonomous',
      'deny-needs-approval',
      'request-information',
      'escalate-to-human',
      'damaged-but-undelivered-forbidden',
    ]);
  });
});

describe('the refund-triage example events', () => {
  const examples = loadExampleEvents(join(WORKFLOWS_DIR, 'refund-triage')).filter(
    (example) => example.expect.actions[0] === 'issueRefund',
  );

  it('include an autonomous refund and one that needs approval', () => {
    expect(examples.map((example) => example.expect.outcome).sort()).toEqual(['ALLOW', 'REQUIRE_APPROVAL']);
  });

  it.each(examples.map((example) => [example.name, example] as const))(
    'get their expected outcome for a confident full refund (%s)',
    (_name, example) => {
      const { orderId, amount, currency } = example.detail as {
        orderId: string;
        amount: number;
        currency: string;
      };
      const evaluation = refundGate.evaluate(
        aRefundRequest({ entityId: orderId, input: { orderId, amount, currency } }),
      );
      expect(evaluation.decision).toBe(example.expect.outcome);
    },
  );

  it('deny the over-limit example', () => {
    const example = loadExampleEvents(join(WORKFLOWS_DIR, 'refund-triage')).find(
      (candidate) => candidate.name === 'forbidden-over-limit',
    );
    const { orderId, amount } = (example?.detail ?? {}) as { orderId?: string; amount?: number };
    expect(example?.expect.outcome).toBe('DENY');
    expect(refundGate.evaluate(aRefundRequest({ input: { orderId, amount } })).decision).toBe('DENY');
  });
});

describe('createPolicyGate fails closed', () => {
  it('denies an action outside the catalogue without asking Cedar', () => {
    const evaluation = refundGate.evaluate(aRefundRequest({ action: 'wireTransfer' }));
    expect(evaluation.decision).toBe('DENY');
    expect(evaluation.reasons).toEqual([]);
    expect(evaluation.errors.join()).toContain('got "wireTransfer"');
  });

  it('denies an action named like an inherited object property', () => {
    expect(refundGate.evaluate(aRefundRequest({ action: 'constructor' })).decision).toBe('DENY');
  });

  it('denies an input that does not satisfy the action schema, naming the field', () => {
    const evaluation = refundGate.evaluate(aRefundRequest({ input: { amount: -5 } }));
    expect(evaluation.decision).toBe('DENY');
    expect(evaluation.errors.join()).toContain('context.input.amount');
  });

  it('denies an amount that would need rounding to become a Cedar decimal', () => {
    const evaluation = refundGate.evaluate(aRefundRequest({ input: { amount: 0.1 + 0.2 } }));
    expect(evaluation.decision).toBe('DENY');
    expect(evaluation.errors.join()).toContain('0.30000000000000004');
  });

  it('denies a confidence outside 0 to 1', () => {
    const evaluation = refundGate.evaluate(aRefundRequest({ confidence: 1.5 }));
    expect(evaluation.decision).toBe('DENY');
    expect(evaluation.errors.join()).toContain('context.confidence');
  });

  it('denies a request whose risk differs from the catalogue', () => {
    const evaluation = refundGate.evaluate(aRefundRequest({ risk: 'low' }));
    expect(evaluation.decision).toBe('DENY');
    expect(evaluation.errors.join()).toContain('"high"');
  });

  it('denies a request without the history count the policies read', () => {
    const evaluation = refundGate.evaluate(aRefundRequest({ history: {} }));
    expect(evaluation.decision).toBe('DENY');
    expect(evaluation.errors.join()).toContain('context.history.issueRefund');
  });

  it('denies when a forbid errors during evaluation instead of letting a permit through', () => {
    // Long overflow is an evaluation error no validator can rule out; Cedar skips the erroring forbid.
    const gate = createPolicyGate(
      aPack(
        [
          '@id("route")\npermit (principal, action, resource);',
          '@id("overflowing-forbid")\nforbid (principal, action, resource)\nwhen { 9223372036854775807 + 1 > 0 };',
        ].join('\n'),
      ),
    );
    const evaluation = gate.evaluate(aTicketRequest());
    expect(evaluation.decision).toBe('DENY');
    expect(evaluation.errors.join()).toContain('policy "overflowing-forbid"');
  });

  it('denies by default when no permit is satisfied', () => {
    const gate = createPolicyGate(
      aPack(
        '@id("billing-only")\npermit (principal, action, resource) when { context.input.team == "billing" };',
      ),
    );
    expect(gate.evaluate(aTicketRequest({ input: { ticketId: 'T-1', team: 'tech' } }))).toEqual({
      decision: 'DENY',
      reasons: [],
      errors: [],
    });
  });

  it('names the principal after the workflow and the resource after the entity', () => {
    const gate = createPolicyGate(
      aPack(
        '@id("own-tickets")\npermit (principal == Awf::Agent::"ticket-triage", action, resource == Awf::Entity::"T-1");',
      ),
    );
    expect(gate.evaluate(aTicketRequest()).decision).toBe('ALLOW');
    expect(gate.evaluate(aTicketRequest({ entityId: 'T-2' })).decision).toBe('DENY');
  });

  it('fails to load a policy that does not parse, naming its line', () => {
    const error = specErrorOf(() =>
      createPolicyGate(
        aPack(
          '@id("route")\npermit (principal, action, resource);\n@id("route-urgent")\npermit (principal, action, resource)\nwhen { context.input.team == };',
        ),
      ),
    );
    expect(error.workflowId).toBe('ticket-triage');
    expect(error.problems).toEqual([expect.stringMatching(/^policies: line 5: /)]);
  });

  it('leaves strict validation to synth, and denies when a policy synth would refuse errors', () => {
    // Synth refuses it (validatePolicies); a gate built from it anyway fails closed.
    const pack = aPack(
      [
        '@id("route")\npermit (principal, action, resource);',
        '@id("urgent-forbidden")\nforbid (principal, action == Awf::Action::"routeTicket", resource)\nwhen { context.input.priority == "urgent" };',
      ].join('\n'),
    );
    const refused = specErrorOf(() => validatePolicies(pack));
    expect(refused.problems).toEqual([expect.stringContaining('policy "urgent-forbidden" (line 5)')]);
    expect(refused.problems[0]).toContain('input.priority');

    const evaluation = createPolicyGate(pack).evaluate(aTicketRequest());
    expect(evaluation.decision).toBe('DENY');
    expect(evaluation.errors).toEqual([expect.stringContaining('policy "urgent-forbidden"')]);
  });
});
