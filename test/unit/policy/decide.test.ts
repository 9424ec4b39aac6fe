/**
 * The one decision: catalogue, input schema, autonomy, Cedar, in that order,
 * failing closed at each stage. Gate and Act both call it, so what is proven
 * here holds for the verdict recorded and for the check before the side effect.
 */
import { createDecider, type Decider, type DecisionRequest } from '../../../core/policy/decide.js';
import type { AutonomyRecord } from '../../../core/runs/records.js';
import { aRefundRunFacts, loadRefundTriagePack } from './builders.js';

let decider: Decider;
beforeAll(async () => {
  decider = createDecider(await loadRefundTriagePack());
});

const refundInput = { orderId: 'ord_4k8m2p', amount: 45.5, currency: 'USD', reasonCode: 'damaged' };

function aDecisionRequest(overrides: Partial<DecisionRequest> = {}): DecisionRequest {
  return {
    proposal: { action: 'issueRefund', input: refundInput, confidence: 0.9 },
    facts: aRefundRunFacts(),
    storedAutonomy: undefined,
    ...overrides,
  };
}

function storedLevel(level: AutonomyRecord['level'], action = 'issueRefund'): AutonomyRecord {
  return { workflowId: 'refund-triage', action, level, since: '2026-11-01T00:00:00Z', reason: 'operator' };
}

describe('decide', () => {
  it('allows a small confident refund, naming the policy that allowed it', () => {
    expect(decider.decide(aDecisionRequest())).toEqual({
      decision: 'ALLOW',
      policyDecision: 'ALLOW',
      autonomy: 'autonomous',
      shadow: false,
      reasons: ['refund-small-autonomous'],
      errors: [],
      // The pack's log-only policy is evaluated, and would not have changed this one.
      logOnly: [
        {
          policyId: 'damaged-but-undelivered-forbidden',
          wouldDecide: 'ALLOW',
          changed: false,
          satisfied: false,
        },
      ],
    });
  });

  it('leaves out what log-only policies would decide when built without them (Act), deciding the same', async () => {
    const withoutLogOnly = createDecider(await loadRefundTriagePack(), { logOnly: false });
    const { logOnly, ...verdict } = decider.decide(aDecisionRequest());
    expect(logOnly).toHaveLength(1);
    expect(withoutLogOnly.decide(aDecisionRequest())).toEqual(verdict);
    const stricter = aDecisionRequest({
      facts: aRefundRunFacts({ history: { issueRefund: 3, refundedAmount: 120 } }),
    });
    const { logOnly: _logOnly, ...needsApproval } = decider.decide(stricter);
    expect(withoutLogOnly.decide(stricter)).toEqual(needsApproval);
  });

  it('takes the history from the trusted facts: a fourth refund in the window needs an approval', () => {
    const verdict = decider.decide(
      aDecisionRequest({ facts: aRefundRunFacts({ history: { issueRefund: 3, refundedAmount: 120 } }) }),
    );
    expect(verdict.decision).toBe('REQUIRE_APPROVAL');
  });

  it('fails closed for an action outside the catalogue, with a name that is an object key', () => {
    for (const action of ['wireMoney', 'constructor', '__proto__', 'toString']) {
      const verdict = decider.decide(aDecisionRequest({ proposal: { action, input: {}, confidence: 1 } }));
      expect(verdict).toMatchObject({ decision: 'DENY', policyDecision: 'DENY', shadow: false, reasons: [] });
      expect(verdict.errors).toEqual([
        expect.stringContaining(`action ${JSON.stringify(action)} is not in the catalogue`),
      ]);
    }
  });

  it('fails closed for an input that fails the action schema, naming the field', () => {
    const verdict = decider.decide(
      aDecisionRequest({
        proposal: { action: 'issueRefund', input: { ...refundInput, amount: -1 }, confidence: 0.9 },
      }),
    );
    expect(verdict.decision).toBe('DENY');
    expect(verdict.errors).toEqual([expect.stringMatching(/^input fails the action's schema \(amount: /)]);
  });

  it('fails closed for an input the schema would change (what runs must be what was judged)', () => {
    const verdict = decider.decide(
      aDecisionRequest({
        proposal: { action: 'issueRefund', input: { ...refundInput, extra: 'x' }, confidence: 0.9 },
      }),
    );
    expect(verdict).toMatchObject({
      decision: 'DENY',
      errors: ['input changes when parsed with the action schema'],
    });
  });

  it('applies autonomy after the policies: supervised asks a human, shadow only records', () => {
    expect(decider.decide(aDecisionRequest({ storedAutonomy: storedLevel('supervised') }))).toMatchObject({
      decision: 'REQUIRE_APPROVAL',
      policyDecision: 'ALLOW',
      autonomy: 'supervised',
      shadow: false,
    });
    expect(decider.decide(aDecisionRequest({ storedAutonomy: storedLevel('shadow') }))).toMatchObject({
      decision: 'ALLOW',
      autonomy: 'shadow',
      shadow: true,
    });
  });

  it('fails closed on a stored autonomy record of another action rather than trusting it', () => {
    const verdict = decider.decide(
      aDecisionRequest({ storedAutonomy: storedLevel('autonomous', 'denyRefund') }),
    );
    expect(verdict.decision).toBe('DENY');
    expect(verdict.errors).toEqual([
      expect.stringContaining('stored autonomy: expected a record for refund-triage/issueRefund'),
    ]);
  });

  it('never lets autonomy loosen a denial', () => {
    const verdict = decider.decide(
      aDecisionRequest({
        proposal: { action: 'issueRefund', input: { ...refundInput, amount: 12_500 }, confidence: 0.99 },
        storedAutonomy: storedLevel('autonomous'),
      }),
    );
    expect(verdict).toMatchObject({
      decision: 'DENY',
      reasons: ['refund-over-limit-forbidden', 'refund-beyond-order-total-forbidden'],
    });
  });
});
