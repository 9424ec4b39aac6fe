/**
 * A policy set parsed at synth is used at run time only when it is the
 * policy file's own parse; anything else fails the step's init, naming what
 * differs.
 */
import { WorkflowSpecError } from '../../../core/errors.js';
import { embeddedPolicySet } from '../../../core/policy/embedded-policy-set.js';
import { createPolicyGate } from '../../../core/policy/gate.js';
import { readPackPolicies } from '../../../core/policy/pack-policies.js';
import { type ParsedPolicySet, parsePolicySet, policySetHashOf } from '../../../core/policy/policy-set.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { discoverWorkflowPacks } from '../../../workflows/discover.js';

function parsedOf(source: string): ParsedPolicySet {
  const result = parsePolicySet(source);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.policySet;
}

function refusal(source: string, embedded: ParsedPolicySet): string {
  try {
    embeddedPolicySet('wf', source, embedded);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowSpecError);
    return (error as WorkflowSpecError).problems.join('\n');
  }
  throw new Error('expected the embedded policy set to be refused');
}

const FILE = [
  '// small refunds run alone',
  '@id("small")',
  'permit (principal, action, resource) when { 1 == 1 };',
  '',
  '@id("watch")',
  '@mode("log-only")',
  'forbid (principal, action, resource) when { 2 == 2 };',
  '',
].join('\n');

let packs: WorkflowPack[];

beforeAll(async () => {
  packs = (await discoverWorkflowPacks()).map(({ pack }) => pack);
  expect(packs.length).toBeGreaterThan(0);
});

it("accepts every pack's own parse, and the gate built from it is the one built by parsing", () => {
  for (const pack of packs) {
    const parsedPolicies = parsedOf(pack.policies);
    expect(embeddedPolicySet(pack.spec.id, pack.policies, parsedPolicies)).toBe(parsedPolicies);
    expect(readPackPolicies({ ...pack, parsedPolicies }).policySet).toBe(parsedPolicies);
    const fromEmbedded = createPolicyGate({ ...pack, parsedPolicies });
    const parsed = createPolicyGate(pack);
    expect({ hash: fromEmbedded.policySetHash, ids: fromEmbedded.policyIds }).toEqual({
      hash: parsed.policySetHash,
      ids: parsed.policyIds,
    });
  }
});

it('leaves comments between policies out of the comparison, as the hash does', () => {
  const edited = FILE.replace('// small refunds run alone', '// reworded comment');
  expect(embeddedPolicySet('wf', edited, parsedOf(FILE)).hash).toBe(parsedOf(FILE).hash);
});

it('refuses a parse of the file as it was before a policy was edited, naming the policy', () => {
  const edited = FILE.replace('2 == 2', '2 == 3');
  expect(refusal(edited, parsedOf(FILE))).toBe(
    "policies: the policy set parsed at synth is not this policy file's (policy 2 (line 5) differs); synthesize again",
  );
});

it('refuses a parse with more or fewer policies than the file', () => {
  const added = `${FILE}@id("more")\npermit (principal, action, resource);\n`;
  expect(refusal(added, parsedOf(FILE))).toContain('the file has 3 policies, the parsed set 2');
  expect(refusal(FILE, parsedOf(added))).toContain('the file has 2 policies, the parsed set 3');
});

it('refuses a parse whose policies moved to other lines', () => {
  expect(refusal(`\n${FILE}`, parsedOf(FILE))).toContain('policy 1 (line 3) differs');
});

it('refuses a parse whose text record or hash is not its policies', () => {
  const parsed = parsedOf(FILE);
  const texts = { ...parsed.texts, extra: 'permit (principal, action, resource);' };
  expect(refusal(FILE, { ...parsed, texts })).toContain('its id -> text record is not its policies');
  const swapped = { small: parsed.texts.watch ?? '', watch: parsed.texts.small ?? '' };
  expect(refusal(FILE, { ...parsed, texts: swapped })).toContain('its id -> text record is not its policies');
  expect(refusal(FILE, { ...parsed, hash: policySetHashOf({ small: 'x' }) })).toContain(
    'its hash is not the hash of its policies',
  );
});

it('refuses a file that does not split, and nothing of the parse is used', () => {
  expect(
    refusal(`${FILE}@id("open")\npermit (principal, action, resource) when { "x == "y" };`, parsedOf(FILE)),
  ).toMatch(/the file does not split: line \d+: unterminated string literal/);
});

it('fails the gate at init rather than decide by a stale parse', () => {
  const [pack] = packs;
  if (!pack) throw new Error('no pack');
  const stale = parsedOf(pack.policies);
  const edited = `${pack.policies}\n@id("added-after-synth")\npermit (principal, action, resource);\n`;
  expect(() => createPolicyGate({ ...pack, policies: edited, parsedPolicies: stale })).toThrow(
    /not this policy file's \(the file has \d+ policies, the parsed set \d+\); synthesize again/,
  );
});
