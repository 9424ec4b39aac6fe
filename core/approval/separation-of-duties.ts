/**
 * Who may decide an approval: a listed approver holding one of the approval's
 * roles, who is not one of the people the case names (separation of duties).
 */
import { readEventPath } from '../redaction.js';
import type { WorkflowSpec } from '../workflow/spec.js';

/**
 * Principals are compared without case and surrounding space, so that
 * `Carol@Acme.example` cannot approve what `carol@acme.example` requested.
 */
export function principalKey(principal: string): string {
  return principal.trim().toLowerCase();
}

/**
 * The principals the run's event names in `spec.approvals.separationOfDuties.excludeEventFields`
 * (such as who filed the request), normalized with {@link principalKey}. A field
 * holding a list excludes each string in it; missing fields exclude nobody.
 */
export function excludedApproversFor(spec: WorkflowSpec, event: unknown): string[] {
  const excluded = new Set<string>();
  for (const path of spec.approvals.separationOfDuties.excludeEventFields) {
    const value = readEventPath(event, path);
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (typeof item === 'string' && item.trim() !== '') excluded.add(principalKey(item));
    }
  }
  return [...excluded].sort();
}

/** Whether a principal may decide an approval, and as whom. */
export type ApproverCheck =
  | { readonly allowed: true /** The principal as the directory spells it. */; readonly principal: string }
  | { readonly allowed: false; readonly refusal: string };

/**
 * Checks a principal against the workflow's approver directory, the approval's
 * roles and its excluded approvers.
 *
 * @example
 * checkApprover(spec, approval, 'carol@acme.example');
 * // { allowed: false, refusal: '"carol@acme.example" is named in the case (separation of duties) ...' }
 */
export function checkApprover(
  spec: WorkflowSpec,
  approval: { readonly approverRoles: readonly string[]; readonly excludedApprovers: readonly string[] },
  approver: string,
): ApproverCheck {
  const key = principalKey(approver);
  const entry = Object.entries(spec.approvals.approvers).find(
    ([principal]) => principalKey(principal) === key,
  );
  if (!entry) {
    return { allowed: false, refusal: `"${approver}" is not an approver of workflow "${spec.id}"` };
  }
  const [principal, roles] = entry;
  if (!roles.some((role) => approval.approverRoles.includes(role))) {
    return {
      allowed: false,
      refusal: `"${approver}" holds ${roles.join(', ')}, but this approval needs one of ${approval.approverRoles.join(', ')}`,
    };
  }
  if (approval.excludedApprovers.map(principalKey).includes(key)) {
    return {
      allowed: false,
      refusal: `"${approver}" is named in the case and may not decide it (separation of duties)`,
    };
  }
  return { allowed: true, principal };
}

/**
 * The first principal of the workflow's approver directory that the decide
 * step would accept for `approval` (a role it needs, not named in the case);
 * undefined when nobody may decide it.
 */
export function firstAllowedApprover(
  spec: WorkflowSpec,
  approval: { readonly approverRoles: readonly string[]; readonly excludedApprovers: readonly string[] },
): string | undefined {
  for (const principal of Object.keys(spec.approvals.approvers)) {
    if (checkApprover(spec, approval, principal).allowed) return principal;
  }
  return undefined;
}
