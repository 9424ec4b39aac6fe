/**
 * The escalation ladder of an approval: `approvals.escalation` as timed rungs.
 *
 * Rung k (1-based) is due k reminder intervals after the approval was
 * requested, and adds the role `escalation[k - 1]` to those who may approve
 * it; earlier rungs' roles and the requirement's keep their right. A rung due
 * at or after the approval's expiry is never reached: the approval expires
 * first, and the action is denied by default.
 *
 * When a rung is *due* is arithmetic on the `approval.requested` record; that
 * it was *reached* is its `approval.escalated` record in the run's chain,
 * written by the remind step. Only the record widens who may approve, so the
 * deciding step and Act agree on it, and nobody can widen it by editing the
 * approval item or the clock of one step.
 */
import { durationToSeconds } from '../duration.js';
import { recordsOfType } from '../lineage/read.js';
import type { LineageRecord } from '../lineage/record.js';
import type { WorkflowSpec } from '../workflow/spec.js';

/** One rung of an approval's ladder, and when it is due. */
export interface Rung {
  /** 1 for the first role of `approvals.escalation`. */
  readonly rung: number;
  readonly role: string;
  /** The request's time plus `rung` reminder intervals (ISO-8601). */
  readonly dueAt: string;
}

/** A rung the chain records as reached. */
export interface ReachedRung {
  readonly rung: number;
  readonly role: string;
  /** The `seq` of its `approval.escalated` record: decisions after it may use the role. */
  readonly seq: number;
}

/** What the ladder of one approval is computed from. */
export interface LadderRequest {
  readonly approvals: Pick<WorkflowSpec['approvals'], 'escalation' | 'reminderInterval'>;
  /** When the approval was requested: the `at` of its `approval.requested` record. */
  readonly requestedAt: string;
  /** Its expiry, as `approval.requested` recorded it. */
  readonly expiresAt: string;
}

/** An instant of a ladder request that does not parse. */
function instant(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${what}: expected an ISO-8601 instant, got "${value}"`);
  return ms;
}

/**
 * The rungs of an approval that fall before its expiry, in order.
 * @throws RangeError naming `requestedAt` or `expiresAt` when it is not an instant.
 * @example
 * ladderOf({ approvals: { escalation: ['lead', 'director'], reminderInterval: '4h' },
 *   requestedAt: '2026-11-02T14:21:00.000Z', expiresAt: '2026-11-03T14:21:00.000Z' });
 * // [{ rung: 1, role: 'lead', dueAt: '2026-11-02T18:21:00.000Z' },
 * //  { rung: 2, role: 'director', dueAt: '2026-11-02T22:21:00.000Z' }]
 */
export function ladderOf(request: LadderRequest): Rung[] {
  const requested = instant(request.requestedAt, 'requestedAt');
  const expires = instant(request.expiresAt, 'expiresAt');
  const intervalMs = durationToSeconds(request.approvals.reminderInterval) * 1000;
  const rungs: Rung[] = [];
  request.approvals.escalation.forEach((role, index) => {
    const due = requested + (index + 1) * intervalMs;
    if (due < expires) rungs.push({ rung: index + 1, role, dueAt: new Date(due).toISOString() });
  });
  return rungs;
}

/** The rungs of `ladder` due at `now`, in order. */
export function dueRungs(ladder: readonly Rung[], now: Date): Rung[] {
  return ladder.filter((rung) => Date.parse(rung.dueAt) <= now.getTime());
}

/**
 * The rungs the chain records as reached for `approvalId`, by rung, in order:
 * the first `approval.escalated` record of each rung after the approval's
 * request (a record before the request, or a repeat, widens nothing more).
 * Pass an authenticated chain (`withoutForgedApprovals`): a forged rung must
 * not count.
 * @throws MalformedLineageRecordError when an approval record is malformed.
 */
export function reachedRungs(chain: readonly LineageRecord[], approvalId: string): ReachedRung[] {
  const requested = recordsOfType(chain, 'approval.requested').find(
    ({ data }) => data.approvalId === approvalId,
  );
  if (requested === undefined) return [];
  const reached = new Map<number, ReachedRung>();
  for (const { data, seq } of recordsOfType(chain, 'approval.escalated')) {
    if (data.approvalId !== approvalId || seq < requested.seq || reached.has(data.rung)) continue;
    reached.set(data.rung, { rung: data.rung, role: data.role, seq });
  }
  return [...reached.values()].sort((a, b) => a.rung - b.rung);
}

/**
 * The roles that may approve once `reached` rungs are recorded: the
 * requirement's, then each rung's role in rung order, without repeats.
 */
export function rolesWithRungs(
  requirementRoles: readonly string[],
  reached: readonly ReachedRung[],
): string[] {
  return [...new Set([...requirementRoles, ...reached.map((rung) => rung.role)])];
}

/**
 * Why `held` roles do not let their holder decide yet, when one of them is a
 * rung of the ladder not recorded as reached: which rung, and when it is (or
 * was) due. Undefined when no held role is such a rung.
 */
export function notYetReached(
  held: readonly string[],
  ladder: readonly Rung[],
  reached: readonly ReachedRung[],
  escalation: readonly string[],
): string | undefined {
  const reachedRoles = new Set(reached.map((rung) => rung.role));
  const waiting = ladder.find((rung) => held.includes(rung.role) && !reachedRoles.has(rung.role));
  if (waiting) {
    return `${waiting.role} may decide it from rung ${waiting.rung} of its escalation ladder, due at ${waiting.dueAt}, which is not reached yet`;
  }
  const beyond = escalation.find((role) => held.includes(role) && !reachedRoles.has(role));
  if (beyond !== undefined) {
    return `${beyond} is a rung of the escalation ladder that comes due only after the approval expires`;
  }
  return undefined;
}
