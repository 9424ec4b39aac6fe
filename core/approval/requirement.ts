/**
 * Who must approve an action and how many: the approval requirement.
 *
 * By default one principal holding one of the workflow's `approvals.approverRoles`.
 * A permit policy may say more with annotations (a Cedar annotation holds one
 * string):
 *
 * ```cedar
 * @id("admin-needs-security-and-owner")
 * @approval("required")
 * @approvers("security|system-owner")       // roles allowed to approve
 * @quorum("2 from distinct roles")          // or "2": distinct principals
 * permit (principal, action == Awf::Action::"grantAccess", resource)
 * when { context.input.level == "admin" };
 * ```
 *
 * When several approval policies determine a decision, the strictest holds:
 * the largest quorum, with that policy's roles (the first such policy in file
 * order), distinct roles if any of them asks for them.
 */

import * as z from 'zod';

/** Annotation listing the roles that may approve, separated by `|`. */
export const APPROVERS_ANNOTATION = 'approvers';
/** Annotation giving how many distinct principals must approve. */
export const QUORUM_ANNOTATION = 'quorum';

const QUORUM_PATTERN = /^([1-9])( from distinct roles)?$/;
const ROLE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** What an approval needs. */
export interface ApprovalRequirement {
  /** Roles whose holders may approve. */
  readonly roles: readonly string[];
  /** How many distinct principals must approve. */
  readonly quorum: number;
  /** True when each approving principal must count for a different role. */
  readonly distinctRoles: boolean;
}

/** An {@link ApprovalRequirement} as records and state data carry it. */
export const approvalRequirementSchema = z.object({
  roles: z.array(z.string()).min(1),
  quorum: z.number().int().min(1).max(9),
  distinctRoles: z.boolean(),
});

/** What one policy's annotations say of its approvals; absent parts fall back to the workflow's. */
export interface PolicyApprovalAnnotations {
  readonly roles?: readonly string[];
  readonly quorum?: number;
  readonly distinctRoles?: boolean;
}

/**
 * Reads `@approvers` and `@quorum` from a policy's annotations.
 * @param problems receives one message per malformed annotation, prefixed with `label`
 */
export function readApprovalAnnotations(
  annotations: Readonly<Record<string, unknown>>,
  label: string,
  problems: string[],
): PolicyApprovalAnnotations {
  const result: { roles?: string[]; quorum?: number; distinctRoles?: boolean } = {};
  if (Object.hasOwn(annotations, APPROVERS_ANNOTATION)) {
    const value = annotations[APPROVERS_ANNOTATION];
    const roles = typeof value === 'string' ? value.split('|').map((role) => role.trim()) : [];
    if (roles.length === 0 || !roles.every((role) => ROLE_PATTERN.test(role))) {
      problems.push(
        `${label}: expected @${APPROVERS_ANNOTATION}("<role>|<role>...") naming approver roles, got ${JSON.stringify(value)}`,
      );
    } else {
      result.roles = [...new Set(roles)];
    }
  }
  if (Object.hasOwn(annotations, QUORUM_ANNOTATION)) {
    const value = annotations[QUORUM_ANNOTATION];
    const match = typeof value === 'string' ? QUORUM_PATTERN.exec(value.trim()) : null;
    if (!match) {
      problems.push(
        `${label}: expected @${QUORUM_ANNOTATION}("<1-9>") or @${QUORUM_ANNOTATION}("<1-9> from distinct roles"), got ${JSON.stringify(value)}`,
      );
    } else {
      result.quorum = Number(match[1]);
      result.distinctRoles = match[2] !== undefined;
    }
  }
  return result;
}

/**
 * The requirement of an approval determined by `policies` (the approval
 * permits that decided it, in file order); the workflow's default without any.
 */
export function approvalRequirementOf(
  defaultRoles: readonly string[],
  policies: readonly PolicyApprovalAnnotations[],
): ApprovalRequirement {
  let strictest: PolicyApprovalAnnotations | undefined;
  for (const policy of policies) {
    if ((policy.quorum ?? 1) > (strictest?.quorum ?? 1) || (strictest === undefined && policy.roles)) {
      strictest = policy;
    }
  }
  const withRoles = strictest?.roles ? strictest : policies.find((policy) => policy.roles);
  return {
    roles: [...(withRoles?.roles ?? defaultRoles)],
    quorum: strictest?.quorum ?? 1,
    distinctRoles: policies.some((policy) => policy.distinctRoles === true),
  };
}
