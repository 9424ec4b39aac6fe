/**
 * Log-only policies: `@mode("log-only")` is parsed and checked at synth, and a
 * log-only policy is evaluated beside the enforced ones, reporting what it
 * would have decided, without ever taking part in the decision.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { WorkflowSpecError } from '../../../core/errors.js';
import { createPolicyGate, type PolicyEvaluation, type PolicyGate } from '../../../core/policy/gate.js';
import { parsePolicySet } from '../../../core/policy/policy-set.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { AWF_PACKAGE_ROOT } from '../../../lib/project-paths.js';
import {
  aPack,
  aRefundRequest,
  aTicketRequest,
  loadRefundTriagePack,
  withoutLogOnlyPolicies,
} from './builders.js';

const allowAll = 'permit (principal, action, resource);';

/** A policy of the refund-triage pack, written in the test. */
function refundPolicy(id: string, body: string, annotations = '@mode("log-only")\n'): string {
  return `\n@id("${id}")\n${annotations}${body}\n`;
}

const FORBID_OVER_40 = refundPolicy(
  'refund-over-40-forbidden',
  'forbid (principal, action == Awf::Action::"issueRefund", resource)\nwhen { context.input.amount.greaterThan(decimal("40.00")) };',
);
const FORBID_OVER_1000 = refundPolicy(
  'refund-over-1000-forbidden',
  'forbid (principal, action == Awf::Action::"issueRefund", resource)\nwhen { context.input.amount.greaterThan(decimal("1000.00")) };',
);
const PERMIT_CONFIDENT = refundPolicy(
  'refund-confident-autonomous',
  'permit (principal, action == Awf::Action::"issueRefund", resource)\nwhen { context.confidence.greaterThanOrEqual(decimal("0.8")) };',
);
// 9223372036854775807 is the largest Long: any count above 1 overflows, and Cedar reports an error.
const OVERFLOWS_FROM_TWO = refundPolicy(
  'refund-history-overflow',
  'forbid (principal, action == Awf::Action::"issueRefund", resource)\nwhen { context.history.issueRefund * 9223372036854775807 > 1 };',
);

let refundPack: WorkflowPack;
let enforcedOnly: PolicyGate;
beforeAll(async () => {
  // The tests add log-only policies of their own; the pack's own is proven in gate.test.ts.
  refundPack = withoutLogOnlyPolicies(await loadRefundTriagePack());
  enforcedOnly = createPolicyGate(refundPack);
});

const withPolicies = (...policies: string[]): PolicyGate =>
  createPolicyGate({ ...refundPack, policies: refundPack.policies + policies.join('') });

/** The evaluation without its log-only part: what decided. */
function decidingPart({ logOnly: _logOnly, ...evaluation }: PolicyEvaluation): PolicyEvaluation {
  return evaluation;
}

function problemsOf(source: string): readonly string[] {
  const result = parsePolicySet(source);
  if (result.ok) throw new Error('expected the policy set to fail');
  return result.problems;
}

describe('@mode', () => {
  it('reads log-only, and enforce as the default, written or not', () => {
    const result = parsePolicySet(
      `@id("a")\n@mode("log-only")\n${allowAll}\n@id("b")\n@mode("enforce")\n${allowAll}\n@id("c")\n${allowAll}`,
    );
    expect(result.ok && result.policySet.policies.map(({ id, mode }) => [id, mode])).toEqual([
      ['a', 'log-only'],
      ['b', 'enforce'],
      ['c', 'enforce'],
    ]);
  });

  it('fails on any other @mode value, naming the policy and the values allowed', () => {
    expect(problemsOf(`@id("typo")\n@mode("shadow")\n${allowAll}\n@id("ok")\n${allowAll}`)).toEqual([
      'policies: policy "typo" (line 1): expected @mode("enforce") or @mode("log-only"), got @mode("shadow")',
    ]);
    expect(problemsOf(`@id("bare")\n@mode\n${allowAll}\n@id("ok")\n${allowAll}`)).toEqual([
      'policies: policy "bare" (line 1): expected @mode("enforce") or @mode("log-only"), got @mode',
    ]);
  });

  it('fails synth of a pack with a bad @mode with a WorkflowSpecError naming the workflow and the policy', () => {
    const pack = aPack(`@id("route-all")\n@mode("logonly")\n${allowAll}\n@id("ok")\n${allowAll}`);
    expect(() => createPolicyGate(pack)).toThrow(WorkflowSpecError);
    expect(() => createPolicyGate(pack)).toThrow(
      'policies: policy "route-all" (line 1): expected @mode("enforce") or @mode("log-only"), got @mode("logonly")',
    );
  });

  it('fails on a policy set whose every policy is log-only, which would deny every action', () => {
    expect(problemsOf(`@id("a")\n@mode("log-only")\n${allowAll}`)).toEqual([
      'policies: expected at least one enforced policy, found only @mode("log-only") ones (every action would be denied)',
    ]);
  });

  it('is part of the policy-set hash, so enforcing a log-only policy is a new policy set', () => {
    const hashOf = (mode: string) => {
      const result = parsePolicySet(`@id("a")\n@mode("${mode}")\n${allowAll}\n@id("b")\n${allowAll}`);
      if (!result.ok) throw new Error(result.problems.join('\n'));
      return result.policySet.hash;
    };
    expect(hashOf('log-only')).not.toBe(hashOf('enforce'));
  });
});

describe('a log-only policy', () => {
  it('never changes the decision: a log-only forbid leaves a 45.50 refund ALLOW, and says it would deny it', () => {
    const gate = withPolicies(FORBID_OVER_40);
    const evaluation = gate.evaluate(aRefundRequest());
    expect(evaluation).toEqual({
      decision: 'ALLOW',
      reasons: ['refund-small-autonomous'],
      errors: [],
      logOnly: [
        { policyId: 'refund-over-40-forbidden', wouldDecide: 'DENY', changed: true, satisfied: true },
      ],
    });
    expect(decidingPart(evaluation)).toEqual(enforcedOnly.evaluate(aRefundRequest()));
  });

  it('reports no change when its conditions do not hold', () => {
    const evaluation = withPolicies(FORBID_OVER_40).evaluate(aRefundRequest({ input: { amount: 30 } }));
    expect(evaluation.decision).toBe('ALLOW');
    expect(evaluation.logOnly).toEqual([
      { policyId: 'refund-over-40-forbidden', wouldDecide: 'ALLOW', changed: false, satisfied: false },
    ]);
  });

  it('as a permit, says it would let a 250 USD refund run without an approval', () => {
    const gate = withPolicies(PERMIT_CONFIDENT);
    const evaluation = gate.evaluate(aRefundRequest({ input: { amount: 250 } }));
    expect(evaluation).toMatchObject({ decision: 'REQUIRE_APPROVAL', errors: [] });
    expect(evaluation.logOnly).toEqual([
      { policyId: 'refund-confident-autonomous', wouldDecide: 'ALLOW', changed: true, satisfied: true },
    ]);
  });

  it('as a satisfied permit, reports no change where an enforced forbid denies', () => {
    const evaluation = withPolicies(PERMIT_CONFIDENT).evaluate(aRefundRequest({ input: { amount: 12_500 } }));
    expect(evaluation).toMatchObject({ decision: 'DENY', reasons: ['refund-over-limit-forbidden'] });
    expect(evaluation.logOnly).toEqual([
      { policyId: 'refund-confident-autonomous', wouldDecide: 'DENY', changed: false, satisfied: true },
    ]);
  });

  it('is judged on its own: of two log-only forbids, only the one that would deny 45.50 says it changed it', () => {
    const evaluation = withPolicies(FORBID_OVER_40, FORBID_OVER_1000).evaluate(aRefundRequest());
    expect(evaluation.decision).toBe('ALLOW');
    expect(evaluation.logOnly).toEqual([
      { policyId: 'refund-over-40-forbidden', wouldDecide: 'DENY', changed: true, satisfied: true },
      { policyId: 'refund-over-1000-forbidden', wouldDecide: 'ALLOW', changed: false, satisfied: false },
    ]);
  });

  it('that errors leaves the decision alone, records the error, and says enforced it would deny', () => {
    const gate = withPolicies(OVERFLOWS_FROM_TWO);
    const request = aRefundRequest({ history: { issueRefund: 2, refundedAmount: 90 } });
    const evaluation = gate.evaluate(request);
    expect(decidingPart(evaluation)).toEqual({
      decision: 'ALLOW',
      reasons: ['refund-small-autonomous'],
      errors: [],
    });
    expect(evaluation.logOnly).toEqual([
      {
        policyId: 'refund-history-overflow',
        wouldDecide: 'DENY',
        changed: true,
        errors: [expect.stringContaining('policy "refund-history-overflow"')],
      },
    ]);
    expect(decidingPart(evaluation)).toEqual(enforcedOnly.evaluate(request));
  });

  it('is not evaluated when the request fails before Cedar', () => {
    const evaluation = withPolicies(FORBID_OVER_40).evaluate(aRefundRequest({ confidence: 2 }));
    expect(evaluation).toMatchObject({ decision: 'DENY', reasons: [] });
    expect(evaluation.errors).not.toEqual([]);
    expect(evaluation.logOnly).toBeUndefined();
  });
});

describe('the rollout example of docs/GOVERNANCE.md', () => {
  it('is a valid log-only policy of refund-triage that would deny goodwill refunds above 50 USD, and only those', () => {
    const guide = readFileSync(join(AWF_PACKAGE_ROOT, 'docs', 'GOVERNANCE.md'), 'utf8');
    const [, policy] = /```cedar\n([\s\S]*?)```/.exec(guide) ?? [];
    expect(policy).toContain('@mode("log-only")');
    const gate = withPolicies(`\n${policy}`);
    const goodwill = (amount: number) =>
      gate.evaluate(aRefundRequest({ input: { amount, reasonCode: 'goodwill' } }));
    expect(goodwill(75)).toMatchObject({
      decision: 'ALLOW',
      logOnly: [{ policyId: 'goodwill-over-50-forbidden', wouldDecide: 'DENY', changed: true }],
    });
    expect(goodwill(1249)).toMatchObject({
      decision: 'REQUIRE_APPROVAL',
      logOnly: [{ wouldDecide: 'DENY', changed: true }],
    });
    expect(goodwill(45.5).logOnly).toEqual([
      { policyId: 'goodwill-over-50-forbidden', wouldDecide: 'ALLOW', changed: false, satisfied: false },
    ]);
    expect(gate.evaluate(aRefundRequest({ input: { amount: 75 } })).logOnly?.[0]?.changed).toBe(false);
  });
});

type Condition = 'always' | 'never' | 'billing' | 'tech';
interface GeneratedPolicy {
  readonly effect: 'permit' | 'forbid';
  readonly approval: boolean;
  readonly condition: Condition;
  readonly logOnly: boolean;
}

const WHEN: Record<Condition, string> = {
  always: '',
  never: ' when { context.input.team == "none" }',
  billing: ' when { context.input.team == "billing" }',
  tech: ' when { context.input.team == "tech" }',
};

function policyText(policy: GeneratedPolicy, index: number, mode = policy.logOnly): string {
  const approval = policy.effect === 'permit' && policy.approval ? '@approval("required")\n' : '';
  const logOnly = mode ? '@mode("log-only")\n' : '';
  return `@id("p${index}")\n${approval}${logOnly}${policy.effect} (principal, action, resource)${WHEN[policy.condition]};`;
}

describe('log-only policies (properties)', () => {
  it('never change a decision, and each reports what the enforced set plus it alone decides', () => {
    const policyArb = fc.record({
      effect: fc.constantFrom('permit' as const, 'forbid' as const),
      approval: fc.boolean(),
      condition: fc.constantFrom<Condition>('always', 'never', 'billing', 'tech'),
      logOnly: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(policyArb, { minLength: 1, maxLength: 6 }).filter((list) => list.some((p) => !p.logOnly)),
        fc.constantFrom('billing', 'tech'),
        (policies, team) => {
          const request = aTicketRequest({ input: { ticketId: 'T-1', team } });
          const texts = policies.map((policy, i) => policyText(policy, i));
          const numbered = policies.map((policy, i) => ({ ...policy, i }));
          const enforced = numbered.filter((p) => !p.logOnly);
          const gateOf = (list: typeof numbered) =>
            createPolicyGate(aPack(list.map((p) => policyText(p, p.i, false)).join('\n')));
          const evaluation = createPolicyGate(aPack(texts.join('\n'))).evaluate(request);
          const decided = gateOf(enforced).evaluate(request);

          expect(decidingPart(evaluation)).toEqual(decided);
          const logOnly = numbered.filter((p) => p.logOnly);
          expect(evaluation.logOnly ?? []).toEqual(
            logOnly.map((p) => {
              const wouldDecide = gateOf([...enforced, p].sort((a, b) => a.i - b.i)).evaluate(
                request,
              ).decision;
              return {
                policyId: `p${p.i}`,
                wouldDecide,
                changed: wouldDecide !== decided.decision,
                satisfied: p.condition === 'always' || p.condition === team,
              };
            }),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});
