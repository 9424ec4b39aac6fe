import { hashOf } from '../../../core/hash.js';
import { type ParsedPolicySet, parsePolicySet } from '../../../core/policy/policy-set.js';
import { splitPolicySource } from '../../../core/policy/policy-source.js';
import { loadRefundTriagePack } from './builders.js';

function parsed(source: string): ParsedPolicySet {
  const result = parsePolicySet(source);
  if (!result.ok) throw new Error(`expected the policies to parse:\n${result.problems.join('\n')}`);
  return result.policySet;
}

function problemsOf(source: string): readonly string[] {
  const result = parsePolicySet(source);
  if (result.ok) throw new Error('expected the policies to be rejected');
  return result.problems;
}

const allowAll = (n: number) => `permit (principal, action, resource) when { ${n} == ${n} };`;

describe('parsePolicySet', () => {
  it('reads ids, effects and approval annotations of the refund-triage policies', async () => {
    const { policies } = parsed((await loadRefundTriagePack()).policies);
    expect(
      policies.map(({ id, effect, requiresApproval, line }) => ({ id, effect, requiresApproval, line })),
    ).toEqual([
      { id: 'refund-small-autonomous', effect: 'permit', requiresApproval: false, line: 15 },
      { id: 'refund-up-to-limit-needs-approval', effect: 'permit', requiresApproval: true, line: 25 },
      { id: 'refund-over-limit-forbidden', effect: 'forbid', requiresApproval: false, line: 30 },
      { id: 'refund-beyond-order-total-forbidden', effect: 'forbid', requiresApproval: false, line: 34 },
      { id: 'refund-in-order-currency-only', effect: 'forbid', requiresApproval: false, line: 38 },
      { id: 'refund-of-cancelled-order-forbidden', effect: 'forbid', requiresApproval: false, line: 42 },
      { id: 'deny-confident-autonomous', effect: 'permit', requiresApproval: false, line: 46 },
      { id: 'deny-needs-approval', effect: 'permit', requiresApproval: true, line: 50 },
      { id: 'request-information', effect: 'permit', requiresApproval: false, line: 54 },
      { id: 'escalate-to-human', effect: 'permit', requiresApproval: false, line: 57 },
      { id: 'damaged-but-undelivered-forbidden', effect: 'forbid', requiresApproval: false, line: 63 },
    ]);
  });

  it('falls back to policy<N> in file order, also past ten policies', () => {
    const source = Array.from({ length: 12 }, (_, n) => allowAll(n)).join('\n');
    const { policies, texts } = parsed(source);
    expect(policies.map((p) => p.id)).toEqual(Array.from({ length: 12 }, (_, n) => `policy${n}`));
    expect(texts.policy10).toBe(allowAll(10));
    expect(texts.policy2).toBe(allowAll(2));
  });

  it('numbers unnamed policies by their position among all policies', () => {
    const { policies } = parsed(`@id("first")\n${allowAll(0)}\n${allowAll(1)}`);
    expect(policies.map((p) => p.id)).toEqual(['first', 'policy1']);
  });

  it('keeps semicolons inside strings and comments within their policy', () => {
    const source = [
      '// a comment; with a semicolon',
      '@id("quoted")',
      'permit (principal, action, resource) // trailing; comment',
      'when { context.input.team == "a;b\\";c" };',
      allowAll(1),
    ].join('\n');
    const { policies } = parsed(source);
    expect(policies.map((p) => [p.id, p.line])).toEqual([
      ['quoted', 2],
      ['policy1', 5],
    ]);
    expect(policies[0]?.text).toBe(
      '@id("quoted")\npermit (principal, action, resource) // trailing; comment\nwhen { context.input.team == "a;b\\";c" };',
    );
  });

  it('hashes the canonical JSON of the id -> text record', () => {
    const policySet = parsed(`@id("a")\n${allowAll(0)}\n@id("b")\n${allowAll(1)}`);
    expect(policySet.texts).toEqual({ a: `@id("a")\n${allowAll(0)}`, b: `@id("b")\n${allowAll(1)}` });
    expect(policySet.hash).toBe(hashOf(policySet.texts));
  });

  it('keeps the hash when only comments between policies change, and changes it with any policy', () => {
    const base = parsed(`@id("a")\n${allowAll(0)}`).hash;
    expect(parsed(`// reviewed by payments\n\n@id("a")\n${allowAll(0)}\n// end`).hash).toBe(base);
    expect(parsed(`@id("a")\n${allowAll(1)}`).hash).not.toBe(base);
    expect(parsed(`@id("renamed")\n${allowAll(0)}`).hash).not.toBe(base);
  });

  it('fails on duplicate ids, naming the id and both lines', () => {
    expect(problemsOf(`@id("same")\n${allowAll(0)}\n@id("same")\n${allowAll(1)}`)).toEqual([
      'policies: policy id "same" is used more than once, at lines 1, 3',
    ]);
  });

  it('fails when an @id collides with a fallback id', () => {
    expect(problemsOf(`${allowAll(0)}\n@id("policy0")\n${allowAll(1)}`)).toEqual([
      'policies: policy id "policy0" is used more than once, at lines 1, 2',
    ]);
  });

  it('fails on an @approval value other than "required", which would otherwise allow silently', () => {
    expect(problemsOf(`@id("typo")\n@approval("require")\n${allowAll(0)}`)).toEqual([
      'policies: policy "typo" (line 1): expected @approval("required"), got @approval("require")',
    ]);
    expect(problemsOf(`@id("bare")\n@approval\n${allowAll(0)}`)).toEqual([
      'policies: policy "bare" (line 1): expected @approval("required"), got @approval',
    ]);
  });

  it('fails on @approval on a forbid', () => {
    const problems = problemsOf('@id("no")\n@approval("required")\nforbid (principal, action, resource);');
    expect(problems).toEqual([
      expect.stringContaining('policy "no" (line 1): @approval("required") only applies to permit'),
    ]);
  });

  it('fails on an empty @id', () => {
    expect(problemsOf(`@id("")\n${allowAll(0)}`)).toEqual([
      'policies: line 1: expected @id("<policy id>"), got an empty id',
    ]);
  });

  it('fails on a template, since the gate links no slots', () => {
    const problems = problemsOf('permit (principal == ?principal, action, resource);');
    expect(problems).toEqual([expect.stringContaining('expected a static policy, got a template')]);
  });

  it('fails on a syntax error, naming its line', () => {
    const problems = problemsOf(`${allowAll(0)}\n\npermit (principal, action, resource) when { nonsense };`);
    expect(problems).toEqual([expect.stringMatching(/^policies: line 3: .*invalid variable: nonsense/)]);
  });

  it('fails on a policy without its closing semicolon', () => {
    expect(problemsOf(`${allowAll(0)}\npermit (principal, action, resource)`)).toEqual([
      'policies: line 2: expected the policy to end with ";", found the end of the file',
    ]);
  });

  it('fails on an unterminated string', () => {
    expect(problemsOf('permit (principal, action, resource) when { context.x == "open };')).toEqual([
      'policies: line 1: unterminated string literal',
    ]);
  });

  it('fails on a file without policies', () => {
    expect(problemsOf('// nothing yet\n')).toEqual([
      'policies: expected at least one policy, found none (every action would be denied)',
    ]);
  });
});

describe('splitPolicySource', () => {
  it('splits in file order with 1-based lines, dropping comments between policies', () => {
    expect(
      splitPolicySource(
        '// header\npermit (principal, action, resource);\n\nforbid (principal, action, resource);',
      ),
    ).toEqual({
      policies: [
        { text: 'permit (principal, action, resource);', index: 0, line: 2 },
        { text: 'forbid (principal, action, resource);', index: 1, line: 4 },
      ],
      problems: [],
    });
  });
});
