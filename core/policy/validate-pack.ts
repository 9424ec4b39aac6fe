/**
 * Synth-time check of a workflow's policies: the Cedar schema can be generated
 * from the action catalogue, the policy file parses, and every policy passes
 * Cedar's strict validation against that schema.
 *
 * Strict validation is what catches real policy bugs before deployment: a
 * misspelt attribute, a string compared with a decimal, an unguarded optional
 * field, an action that is not in the catalogue.
 *
 * It runs wherever a pack is accepted: `cdk synth` (the `GovernedWorkflow`
 * construct and `bin/app.ts`), `awf packs test`, and the tests. It does not run
 * in the deployed Gate and Act steps: their bundle embeds the very policy file
 * synth validated (the asset hash covers it, so a changed file is a new
 * asset that synth validated again), and evaluation does not need the
 * validation's result, so the steps only parse and preparse the policies
 * (`gate.ts`) and save the validator's cold-start cost.
 */
import { type DetailedError, type SchemaJson, validate } from '@cedar-policy/cedar-wasm/nodejs';
import { WorkflowSpecError } from '../errors.js';
import type { WorkflowPack } from '../workflow/pack.js';
import { cedarSchemaOf } from './cedar-schema.js';
import { type PackPolicies, readPackPolicies } from './pack-policies.js';
import { fileLineOf, formatCedarError, type ParsedPolicy } from './policy-set.js';

/** A pack's policies, checked and ready to load into Cedar. */
export interface ValidatedPolicies extends PackPolicies {
  /** The Cedar schema generated from `contextTypes` (JSON form), which the policies were validated against. */
  readonly schema: SchemaJson<string>;
  /** Cedar's validation warnings (e.g. a policy that can never be satisfied); they do not fail synth. */
  readonly warnings: readonly string[];
}

/**
 * What is wrong with the policies' `@approvers` and `@quorum` against the
 * spec's approver directory: a role nobody in the directory holds, or a quorum
 * the directory cannot reach (the action could never be approved).
 */
function approvalAnnotationProblems(pack: WorkflowPack, policies: readonly ParsedPolicy[]): string[] {
  const problems: string[] = [];
  const directory = Object.entries(pack.spec.approvals.approvers);
  for (const policy of policies) {
    if (!policy.approvals) continue;
    const label = `policies: policy "${policy.id}" (line ${policy.line})`;
    const roles = policy.approvals.roles ?? pack.spec.approvals.approverRoles;
    for (const role of roles) {
      if (!directory.some(([, held]) => held.includes(role))) {
        problems.push(`${label}: @approvers names "${role}", which nobody in approvals.approvers holds`);
      }
    }
    const quorum = policy.approvals.quorum ?? 1;
    const eligible = directory.filter(([, held]) => held.some((role) => roles.includes(role))).length;
    const reachable = policy.approvals.distinctRoles ? Math.min(eligible, roles.length) : eligible;
    if (quorum > reachable) {
      problems.push(
        `${label}: @quorum asks for ${quorum} approvers${policy.approvals.distinctRoles ? ' of distinct roles' : ''}, but approvals.approvers can give at most ${reachable} for ${roles.join('|')}`,
      );
    }
  }
  return problems;
}

/**
 * Validates a pack's policies against the Cedar schema generated from its
 * action catalogue. The `GovernedWorkflow` construct calls it for the policy
 * file its steps embed, so a bad policy fails `cdk synth`.
 *
 * @throws WorkflowSpecError listing every problem found, each naming the
 *   policy id and its line (`policies: policy "refund-small-autonomous"
 *   (line 8): ... attribute `input.amonut` ... not found`), or the action
 *   input field that has no Cedar type.
 */
export function validatePolicies(pack: WorkflowPack): ValidatedPolicies {
  const workflowId = pack.spec.id;
  // Throws first when the schema or the policy set cannot be read: validating against a
  // partial schema would report errors that are only echoes of those problems.
  const { contextTypes, policySet } = readPackPolicies(pack);
  const schema = cedarSchemaOf(contextTypes);
  const answer = validate({
    schema,
    policies: { staticPolicies: { ...policySet.texts } },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') {
    throw new WorkflowSpecError(
      workflowId,
      answer.errors.map((error) => `policies: ${formatCedarError(error)}`),
    );
  }
  const order = new Map(policySet.policies.map((policy, index) => [policy.id, index]));
  const byId = new Map(policySet.policies.map((policy) => [policy.id, policy]));
  // Cedar reports in no particular order; file order reads like the file.
  const inFileOrder = <T extends { policyId: string }>(list: readonly T[]): T[] =>
    [...list].sort((a, b) => (order.get(a.policyId) ?? 0) - (order.get(b.policyId) ?? 0));
  const describe = ({ policyId, error }: { policyId: string; error: DetailedError }): string => {
    const policy = byId.get(policyId);
    const where = policy ? ` (line ${fileLineOf(policy, error)})` : '';
    return `policies: policy "${policyId}"${where}: ${formatCedarError(error)}`;
  };
  const validationProblems = [
    ...inFileOrder(answer.validationErrors).map(describe),
    ...approvalAnnotationProblems(pack, policySet.policies),
  ];
  if (validationProblems.length > 0) throw new WorkflowSpecError(workflowId, validationProblems);
  return {
    schema,
    contextTypes,
    policySet,
    warnings: [
      ...inFileOrder(answer.validationWarnings).map(describe),
      ...answer.otherWarnings.map((warning) => `policies: ${formatCedarError(warning)}`),
    ],
  };
}
