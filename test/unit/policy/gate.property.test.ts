import fc from 'fast-check';
import { createPolicyGate, type PolicyGate } from '../../../core/policy/gate.js';
import { aPack, aRefundRequest, aTicketRequest, loadRefundTriagePack } from './builders.js';

type Condition = 'always' | 'never' | 'billing' | 'tech';
interface GeneratedPolicy {
  readonly effect: 'permit' | 'forbid';
  readonly approval: boolean;
  readonly condition: Condition;
}

const WHEN: Record<Condition, string> = {
  always: '',
  never: ' when { context.input.team == "none" }',
  billing: ' when { context.input.team == "billing" }',
  tech: ' when { context.input.team == "tech" }',
};

const policyArb: fc.Arbitrary<GeneratedPolicy> = fc.record({
  effect: fc.constantFrom('permit' as const, 'forbid' as const),
  approval: fc.boolean(),
  condition: fc.constantFrom<Condition>('always', 'never', 'billing', 'tech'),
});

function policyText(policy: GeneratedPolicy, index: number): string {
  const approval = policy.effect === 'permit' && policy.approval ? '@approval("required")\n' : '';
  return `@id("p${index}")\n${approval}${policy.effect} (principal, action, resource)${WHEN[policy.condition]};`;
}

function holds(condition: Condition, team: string): boolean {
  return condition === 'always' || condition === team;
}

describe('the policy gate (properties)', () => {
  it('never lets any permit overturn the DENY of a satisfied forbid, and otherwise follows the three outcomes', () => {
    fc.assert(
      fc.property(
        fc.array(policyArb, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('billing', 'tech'),
        (policies, team) => {
          const gate = createPolicyGate(aPack(policies.map(policyText).join('\n')));
          const evaluation = gate.evaluate(aTicketRequest({ input: { ticketId: 'T-1', team } }));
          const satisfied = policies
            .map((policy, i) => ({ ...policy, id: `p${i}` }))
            .filter((policy) => holds(policy.condition, team));
          const forbids = satisfied.filter((p) => p.effect === 'forbid').map((p) => p.id);
          const plain = satisfied.filter((p) => p.effect === 'permit' && !p.approval).map((p) => p.id);
          const approvals = satisfied.filter((p) => p.effect === 'permit' && p.approval).map((p) => p.id);
          expect(evaluation.errors).toEqual([]);
          if (forbids.length > 0) {
            expect(evaluation).toEqual({ decision: 'DENY', reasons: forbids, errors: [] });
          } else if (plain.length > 0) {
            expect(evaluation).toEqual({ decision: 'ALLOW', reasons: plain, errors: [] });
          } else if (approvals.length > 0) {
            expect(evaluation).toEqual({ decision: 'REQUIRE_APPROVAL', reasons: approvals, errors: [] });
          } else {
            expect(evaluation).toEqual({ decision: 'DENY', reasons: [], errors: [] });
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  describe('over the refund-triage policies', () => {
    let gate: PolicyGate;
    beforeAll(async () => {
      gate = createPolicyGate(await loadRefundTriagePack());
    });

    const confidence = fc.integer({ min: 0, max: 100 }).map((n) => n / 100);
    const history = fc.integer({ min: 0, max: 50 });
    const currency = fc.constantFrom('USD', 'EUR', 'GBP');

    it('denies every refund above 10,000 whatever the confidence, currency and history', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1_000_001, max: 100_000_000 }),
          confidence,
          history,
          currency,
          (cents, c, h, cur) => {
            const evaluation = gate.evaluate(
              aRefundRequest({
                input: { amount: cents / 100, currency: cur },
                confidence: c,
                history: { issueRefund: h, refundedAmount: 0 },
              }),
            );
            expect(evaluation).toEqual({
              decision: 'DENY',
              reasons: ['refund-over-limit-forbidden'],
              errors: [],
              logOnly: [
                {
                  policyId: 'damaged-but-undelivered-forbidden',
                  wouldDecide: 'DENY',
                  changed: false,
                  satisfied: false,
                },
              ],
            });
          },
        ),
      );
    });

    it('never allows a refund on its own above 100 USD, at low confidence or after 3 refunds', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1_000_000 }),
          confidence,
          history,
          currency,
          (cents, c, h, cur) => {
            const evaluation = gate.evaluate(
              aRefundRequest({
                input: { amount: cents / 100, currency: cur },
                confidence: c,
                history: { issueRefund: h, refundedAmount: 0 },
              }),
            );
            const mayRunAlone = cents <= 10_000 && cur === 'USD' && c >= 0.8 && h < 3;
            expect(evaluation.decision).toBe(mayRunAlone ? 'ALLOW' : 'REQUIRE_APPROVAL');
          },
        ),
      );
    });
  });
});
