/**
 * What a pack's policies need in order to be evaluated: each action's context
 * type (from the action catalogue) and the parsed policy set. The Cedar schema
 * generated from the context types is `validatePolicies`' business alone: the
 * gate never loads it (see `createPolicyGate`).
 *
 * Reading them parses every policy (a policy that does not parse is an
 * error naming it), or takes the parse synth embedded when it is this file's
 * (`embeddedPolicySet`), but does not validate the policies against the schema:
 * that strict check is `validatePolicies` (`validate-pack.ts`), which builds
 * on this and runs wherever a pack is accepted for deployment or testing.
 */
import { WorkflowSpecError } from '../errors.js';
import type { WorkflowPack } from '../workflow/pack.js';
import { cedarContextTypesFor } from './cedar-schema.js';
import type { CedarRecordType } from './cedar-types.js';
import { embeddedPolicySet } from './embedded-policy-set.js';
import { type ParsedPolicySet, parsePolicySet } from './policy-set.js';

/** A pack's policies, parsed, with the context types of its actions. */
export interface PackPolicies {
  /** The context type of each catalogue action (`cedarSchemaOf` makes the schema of them). */
  readonly contextTypes: Readonly<Record<string, CedarRecordType>>;
  readonly policySet: ParsedPolicySet;
}

function problemsOf(error: unknown): readonly string[] {
  if (error instanceof WorkflowSpecError) return error.problems;
  throw error;
}

/**
 * Types the context of each action of a pack's catalogue and parses its policy file.
 *
 * @throws WorkflowSpecError listing every problem found: each policy that
 *   does not parse or is badly annotated (naming its id or line, see
 *   `parsePolicySet`), and each action input field that has no Cedar type.
 * @example
 * const { contextTypes, policySet } = readPackPolicies(pack);
 * policySet.policies.map((policy) => policy.id); // ['refund-small-autonomous', ...]
 */
export function readPackPolicies(pack: WorkflowPack): PackPolicies {
  const problems: string[] = [];
  let contextTypes: Readonly<Record<string, CedarRecordType>> | undefined;
  try {
    contextTypes = cedarContextTypesFor(pack.spec);
  } catch (error) {
    problems.push(...problemsOf(error));
  }
  // Parsed at synth when the pack comes from a step bundle; checked to be this file's.
  const parsed =
    pack.parsedPolicies === undefined
      ? parsePolicySet(pack.policies)
      : { ok: true as const, policySet: embeddedPolicySet(pack.spec.id, pack.policies, pack.parsedPolicies) };
  if (!parsed.ok) problems.push(...parsed.problems);
  if (contextTypes === undefined || !parsed.ok) throw new WorkflowSpecError(pack.spec.id, problems);
  return { contextTypes, policySet: parsed.policySet };
}
