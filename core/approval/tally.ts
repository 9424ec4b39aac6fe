/**
 * The approvals of one approval request, counted from the lineage: the only
 * place an approval counts. The runs table's approval item is an index of
 * pending work; editing it (status, roles, excluded approvers, expiry) changes
 * nothing here.
 *
 * A decision counts when its `approval.decided` record:
 * - is for the request's approval id and carries its binding hash;
 * - was made by a principal of the spec's approver directory who holds one of
 *   the requirement's roles, or the role of a rung of the escalation ladder
 *   recorded (`approval.escalated`) before the decision (`core/approval/ladder.ts`),
 *   and is not named in the case (separation of duties, recomputed from the
 *   admitted event);
 * - was recorded before the request's expiry (from `approval.requested`).
 *
 * One counted rejection ends the request; approvals count once per principal,
 * and with `distinctRoles` each principal must stand for a role no other
 * approving principal stands for.
 */
import { recordsOfType } from '../lineage/read.js';
import type { LineageRecord } from '../lineage/record.js';
import type { WorkflowSpec } from '../workflow/spec.js';
import { reachedRungs } from './ladder.js';
import type { ApprovalRequirement } from './requirement.js';
import { principalKey } from './separation-of-duties.js';

/** The prefix of a human actor of the lineage: `human:<principal>`. */
export const HUMAN_ACTOR_PREFIX = 'human:';

/** One counted decision. */
export interface CountedDecision {
  readonly principal: string;
  /** The roles the principal holds that could approve when they decided: the requirement's, and reached rungs'. */
  readonly roles: readonly string[];
  readonly at: string;
  readonly seq: number;
}

/** A decision record that does not count, and why. */
export interface IgnoredDecision {
  readonly seq: number;
  readonly why: string;
}

/** Where an approval request stands, by its lineage. */
export interface ApprovalTally {
  /** The request as `approval.requested` recorded it; undefined when there is none. */
  readonly requested?: { readonly expiresAt: string; readonly bindingHash: string; readonly seq: number };
  /** Distinct principals whose approvals count, in the order they decided. */
  readonly approvals: readonly CountedDecision[];
  /** The first counted rejection, which ends the request. */
  readonly rejection?: CountedDecision & { readonly reason: string };
  /** Decision records of this request that do not count. */
  readonly ignored: readonly IgnoredDecision[];
  /** True when the approvals meet the requirement and nobody rejected. */
  readonly met: boolean;
  /** The hash the approved action must have. */
  readonly bindingHash: string;
}

/** What a tally needs. */
export interface TallyRequest {
  readonly spec: Pick<WorkflowSpec, 'approvals'>;
  readonly chain: readonly LineageRecord[];
  readonly approvalId: string;
  /** The hash the approved action must have (`bindingHashFor`). */
  readonly bindingHash: string;
  readonly requirement: ApprovalRequirement;
  /** Principals the case names (separation of duties), from the admitted event. */
  readonly excluded: readonly string[];
}

/** The largest number of principals that can each stand for a different role (bipartite matching). */
function distinctRoleCount(decisions: readonly CountedDecision[]): number {
  const holderOfRole = new Map<string, number>();
  const assign = (index: number, seen: Set<string>): boolean => {
    for (const role of decisions[index]?.roles ?? []) {
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
  for (let index = 0; index < decisions.length; index += 1) if (assign(index, new Set())) matched += 1;
  return matched;
}

/**
 * Counts the decisions of one approval request from the chain.
 * @throws MalformedLineageRecordError when an approval record is malformed.
 */
export function tallyApprovals(request: TallyRequest): ApprovalTally {
  const { spec, chain, approvalId, bindingHash, requirement } = request;
  const requestedRecord = recordsOfType(chain, 'approval.requested').find(
    ({ data }) => data.approvalId === approvalId,
  );
  const requested = requestedRecord && {
    expiresAt: requestedRecord.data.expiresAt,
    bindingHash: requestedRecord.data.bindingHash,
    seq: requestedRecord.seq,
  };
  const excluded = new Set(request.excluded.map(principalKey));
  const rungs = reachedRungs(chain, approvalId);
  const directory = Object.entries(spec.approvals.approvers);
  const approvals: CountedDecision[] = [];
  const ignored: IgnoredDecision[] = [];
  let rejection: ApprovalTally['rejection'];

  for (const record of recordsOfType(chain, 'approval.decided')) {
    const { data, seq, actor, at } = record;
    if (data.approvalId !== approvalId) continue;
    const ignore = (why: string) => ignored.push({ seq, why });
    if (requested === undefined) {
      ignore('no approval.requested record of this approval precedes it');
      continue;
    }
    if (seq < requested.seq) {
      ignore('it precedes the approval request');
      continue;
    }
    if (data.bindingHash !== bindingHash || requested.bindingHash !== bindingHash) {
      ignore(`it was given for ${data.bindingHash}, not for this action (${bindingHash})`);
      continue;
    }
    if (!actor.startsWith(HUMAN_ACTOR_PREFIX)) {
      ignore(`its actor "${actor}" is not a human approver`);
      continue;
    }
    const claimed = principalKey(actor.slice(HUMAN_ACTOR_PREFIX.length));
    const entry = directory.find(([principal]) => principalKey(principal) === claimed);
    if (!entry) {
      ignore(`"${claimed}" is not in the approver directory`);
      continue;
    }
    const [principal, held] = entry;
    // A rung's role approves only in decisions recorded after the rung.
    const eligible = [
      ...requirement.roles,
      ...rungs.filter((rung) => rung.seq < seq).map((rung) => rung.role),
    ];
    const roles = held.filter((role) => eligible.includes(role));
    if (roles.length === 0) {
      ignore(`"${principal}" holds ${held.join(', ')}, not one of ${[...new Set(eligible)].join(', ')}`);
      continue;
    }
    if (excluded.has(claimed)) {
      ignore(`"${principal}" is named in the case (separation of duties)`);
      continue;
    }
    if (Date.parse(at) >= Date.parse(requested.expiresAt)) {
      ignore(`it was recorded at ${at}, after the approval expired at ${requested.expiresAt}`);
      continue;
    }
    if (data.decision === 'REJECTED') {
      rejection ??= { principal, roles, at, seq, reason: data.reason };
      continue;
    }
    if (approvals.some((counted) => principalKey(counted.principal) === claimed)) {
      ignore(`"${principal}" approved already; a principal counts once`);
      continue;
    }
    approvals.push({ principal, roles, at, seq });
  }

  const counted = requirement.distinctRoles ? distinctRoleCount(approvals) : approvals.length;
  return {
    ...(requested && { requested }),
    approvals,
    ...(rejection && { rejection }),
    ignored,
    met: rejection === undefined && requested !== undefined && counted >= requirement.quorum,
    bindingHash,
  };
}

/** Why a tally does not let an action run, in one line; undefined when it does. */
export function whyNotApproved(tally: ApprovalTally, requirement: ApprovalRequirement): string | undefined {
  if (tally.met) return undefined;
  if (tally.requested === undefined) return 'the lineage holds no approval.requested record of it';
  if (tally.requested.bindingHash !== tally.bindingHash) {
    return `it was requested for ${tally.requested.bindingHash}, but this action hashes to ${tally.bindingHash}`;
  }
  if (tally.rejection) return `${tally.rejection.principal} rejected it (${tally.rejection.reason})`;
  const who = tally.approvals.map((approval) => approval.principal).join(', ') || 'nobody';
  const needed = `${requirement.quorum} approval${requirement.quorum === 1 ? '' : 's'}${
    requirement.distinctRoles ? ' from distinct roles' : ''
  } by ${requirement.roles.join('|')}`;
  return `it needs ${needed}; the lineage holds approvals by ${who}`;
}
