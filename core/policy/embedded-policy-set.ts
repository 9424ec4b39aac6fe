/**
 * A policy set parsed at synth, accepted at run time only when it is the
 * policy file's own.
 *
 * Gate and Act used to parse their policy file with Cedar at every cold
 * start, one `policyToJson` per policy only to read its annotations: some
 * 25 ms of a cold import of about 200. `cdk synth` parses the same file with Cedar
 * (and validates it strictly, see `validatePolicies`), so the step entry
 * embeds that result and the steps take it from there.
 *
 * It is taken only when it is the file's: the file, split the way
 * `parsePolicySet` splits it (plain JavaScript, no Cedar), must give exactly
 * the embedded policies' texts in the same order and at the same lines (the
 * lines name policies in error messages), and the embedded hash must
 * be the hash of those texts. A file edited after synth, or a set embedded
 * from another file, is refused, and the step fails at init instead of
 * deciding by annotations the file no longer has. The annotations themselves
 * (id, effect, approval, mode, approvers) are Cedar's reading at synth; the
 * asset hash pins the bundle that carries them.
 */
import { WorkflowSpecError } from '../errors.js';
import { type ParsedPolicySet, policySetHashOf } from './policy-set.js';
import { splitPolicySource } from './policy-source.js';

/**
 * Returns `embedded` when it is the parse of `source`, else throws.
 *
 * @param workflowId names the workflow in the error.
 * @param source the policy file's text, as the bundle embeds it.
 * @param embedded the policy set synth parsed from that file.
 * @throws WorkflowSpecError naming what differs: the policy count, the first
 *   policy whose text differs, a text record or hash that does not belong to the
 *   policies.
 * @example
 * const policySet = embeddedPolicySet(pack.spec.id, pack.policies, pack.parsedPolicies);
 */
export function embeddedPolicySet(
  workflowId: string,
  source: string,
  embedded: ParsedPolicySet,
): ParsedPolicySet {
  const refuse = (problem: string): never => {
    throw new WorkflowSpecError(workflowId, [
      `policies: the policy set parsed at synth is not this policy file's (${problem}); synthesize again`,
    ]);
  };
  const split = splitPolicySource(source);
  if (split.problems.length > 0) refuse(`the file does not split: ${split.problems.join('; ')}`);
  const { policies } = embedded;
  if (split.policies.length !== policies.length) {
    refuse(`the file has ${split.policies.length} policies, the parsed set ${policies.length}`);
  }
  split.policies.forEach((part, index) => {
    const policy = policies[index];
    if (policy?.text !== part.text || policy.line !== part.line) {
      refuse(`policy ${index + 1} (line ${part.line}) differs`);
    }
  });
  const texts = Object.fromEntries(policies.map((policy) => [policy.id, policy.text]));
  const sameTexts =
    Object.keys(texts).length === policies.length &&
    Object.keys(embedded.texts).length === policies.length &&
    policies.every((policy) => embedded.texts[policy.id] === policy.text);
  if (!sameTexts) refuse('its id -> text record is not its policies');
  if (policySetHashOf(texts) !== embedded.hash) refuse('its hash is not the hash of its policies');
  return embedded;
}
