/**
 * Who should decide an approval next, for the drivers that decide approvals on
 * people's behalf (`awf packs test`, the local demo, tests): someone of the
 * approver directory the decide step would accept, who has not decided it yet,
 * and who brings a quorum closer.
 *
 * The decide step and the tally (`core/approval/tally.ts`) stay the judges of
 * what counts; this only avoids asking someone whose approval could not count.
 */
import type { WorkflowSpec } from '../workflow/spec.js';
import { checkApprover, principalKey } from './separation-of-duties.js';

/** What of an approval the choice reads: its roles, quorum and who the case names. */
export interface ApprovalToDecide {
  readonly approverRoles: readonly string[];
  readonly excludedApprovers: readonly string[];
  /** @default - false (items written before quorums) */
  readonly distinctRoles?: boolean;
}

/**
 * The largest number of principals that can each stand for a different role
 * (bipartite matching of principals to the roles they hold).
 */
function distinctRoleCount(rolesOfEach: readonly (readonly string[])[]): number {
  const holderOfRole = new Map<string, number>();
  const assign = (index: number, seen: Set<string>): boolean => {
    for (const role of rolesOfEach[index] ?? []) {
      if (seen.has(role)) continue;
      seen.add(role);
      const holder = holderOfRole.get(role);
      if (holder === undefined || assign(holder, seen)) {
        holderOfRole.set(role, index);
        return true;
      }
    }
    return false;
  };
  let matched = 0;
  for (let index = 0; index < rolesOfEach.length; index += 1) if (assign(index, new Set())) matched += 1;
  return matched;
}

/**
 * The first principal of the workflow's approver directory who may decide
 * `approval` (holds one of its roles, is not named in the case), is not among
 * `decidedBy`, and, when the approval wants distinct roles, stands for a role
 * none of the people who decided can already stand for; undefined when nobody
 * is left who could bring the approval closer to its quorum.
 *
 * @param decidedBy the principals whose decisions on this approval were accepted
 * @example
 * // admin access needs security and a system owner; sam (security) approved already
 * nextApprover(spec, approval, ['sam@acme.example']); // 'olivia@acme.example'
 */
export function nextApprover(
  spec: WorkflowSpec,
  approval: ApprovalToDecide,
  decidedBy: readonly string[] = [],
): string | undefined {
  const decided = new Set(decidedBy.map(principalKey));
  const eligibleRolesOf = (principal: string): string[] =>
    (spec.approvals.approvers[principal] ?? []).filter((role) => approval.approverRoles.includes(role));
  const directory = Object.keys(spec.approvals.approvers);
  const deciders = directory.filter((principal) => decided.has(principalKey(principal)));
  const standing = distinctRoleCount(deciders.map(eligibleRolesOf));
  for (const principal of directory) {
    if (decided.has(principalKey(principal))) continue;
    if (!checkApprover(spec, approval, principal).allowed) continue;
    if (!approval.distinctRoles) return principal;
    // With distinct roles, only someone who adds a role the quorum still lacks counts.
    if (distinctRoleCount([...deciders, principal].map(eligibleRolesOf)) > standing) return principal;
  }
  return undefined;
}
