/**
 * Remind: runs on a schedule, climbs the escalation ladder of pending
 * approvals and nudges their approvers.
 *
 * For each PENDING approval of the workflow that has not expired, it first
 * records and announces each rung of the escalation ladder due by now and not
 * yet in the run's chain (`approval.escalated`, `ApprovalEscalated`; see
 * `climb-ladder.ts`): rung k's role may approve from its record on (a
 * follow-up's cancellation, which holds back no action, has no ladder). Then, when
 * the last reminder (or the request) is older than the spec's reminder
 * interval, it publishes `ApprovalReminder`, naming every role that may
 * approve now, and notes the time in the approval's reminder item. It never
 * touches a task or an approval item: the approval wait ends at its own
 * `TimeoutSeconds` (the action is then denied, ESCALATED), and only
 * decide-approval resumes a task. One approval's trouble never stops the
 * others: failures are collected and raised together at the end so the
 * invocation still shows as failed.
 */
import * as z from 'zod';
import { durationToSeconds } from '../../duration.js';
import { AwfError } from '../../errors.js';
import { isFollowUpCancellation } from '../../followup/cancellation.js';
import { lineageWriter } from '../../lineage/writer.js';
import { PLATFORM_DETAIL_TYPES, workflowEventSource } from '../../platform-events.js';
import type { ApprovalRecord } from '../../runs/records.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';
import { climbLadder, type RungRecorded } from './climb-ladder.js';

/** It verifies the request and rung records it climbs from, and signs the rungs it writes. */
const remindNeeds = {
  runs: { writes: ['reminder'] },
  events: 'workflow',
  lineage: 'append',
  recordKeys: { sign: true, verify: ['request-approval', 'remind'] },
} as const;

/** What one run of the schedule did. */
export interface RemindSummary {
  /** Pending approvals looked at. */
  readonly checked: number;
  /** Approvals an ApprovalReminder was published for. */
  readonly reminded: readonly string[];
  /** Rungs of escalation ladders recorded and announced, in the order they were. */
  readonly escalated: readonly RungRecorded[];
  /** Approvals past their expiry, left to the run's timeout. */
  readonly expired: readonly string[];
  /** Age of the oldest pending approval, in seconds (0 when none waits): the approval backlog's alarm reads it. */
  readonly oldestPendingSeconds: number;
}

/** An approval whose approvers could not be reminded, and why. */
export class ReminderError extends AwfError {
  constructor(readonly failures: readonly { readonly approvalId: string; readonly error: unknown }[]) {
    super(
      `could not remind about ${failures.length} approval(s): ${failures
        .map(
          (f) =>
            `${f.approvalId} (${f.error instanceof Error ? `${f.error.name}: ${f.error.message}` : String(f.error)})`,
        )
        .join('; ')}`,
      { cause: new AggregateError(failures.map((f) => f.error)) },
    );
    this.name = 'ReminderError';
  }
}

/**
 * Reminds the approvers of the workflow's pending approvals once.
 * @throws ReminderError after every approval was tried, when some could not be reminded about.
 */
async function remind(
  spec: WorkflowSpec,
  { runs, events, lineage, recordKeys, clock }: PortsFor<typeof remindNeeds>,
): Promise<RemindSummary> {
  const now = clock();
  const intervalMs = durationToSeconds(spec.approvals.reminderInterval) * 1000;
  const pending = await runs.listPendingApprovals({ workflowId: spec.id });
  const climb = {
    spec,
    lineage,
    recordKeys,
    events,
    writer: lineageWriter('remind', lineage, clock, recordKeys),
  };

  const reminded: string[] = [];
  const escalated: RungRecorded[] = [];
  const expired: string[] = [];
  const failures: { approvalId: string; error: unknown }[] = [];

  const nudge = async (approval: ApprovalRecord): Promise<void> => {
    if (Date.parse(approval.expiresAt) <= now.getTime()) {
      expired.push(approval.approvalId);
      return;
    }
    try {
      // A follow-up's cancellation holds back no action, and no run waits on it: it has no ladder.
      const ladder = isFollowUpCancellation(approval)
        ? { approverRoles: approval.approverRoles, recorded: [] }
        : await climbLadder(climb, approval, now);
      escalated.push(...ladder.recorded);
      const last = Date.parse((await runs.lastReminderAt(approval.approvalId)) ?? approval.requestedAt);
      if (now.getTime() - last < intervalMs) return;
      await events.publish([
        {
          source: workflowEventSource(spec.id),
          detailType: PLATFORM_DETAIL_TYPES.approvalReminder,
          detail: {
            approvalId: approval.approvalId,
            runId: approval.runId,
            action: approval.gated.proposal.action,
            // From the lineage, with the rungs reached: also says who may approve when a rung's own event was lost.
            approverRoles: ladder.approverRoles,
            expiresAt: approval.expiresAt,
          },
        },
      ]);
      await runs.markReminded(approval.approvalId, now.toISOString());
      reminded.push(approval.approvalId);
    } catch (error) {
      failures.push({ approvalId: approval.approvalId, error });
    }
  };

  // One at a time: approvals are few, and the bus's rate limit is shared with the executions.
  for (const approval of pending) await nudge(approval);

  if (failures.length > 0) throw new ReminderError(failures);
  const oldestPendingSeconds = Math.max(
    0,
    ...pending.map((approval) => Math.floor((now.getTime() - Date.parse(approval.requestedAt)) / 1000)),
  );
  return { checked: pending.length, reminded, escalated, expired, oldestPendingSeconds };
}

/** The remind step, run by a schedule: see {@link remind}. */
export const remindStep = defineStep({
  name: 'remind',
  // The scheduled event's content is not used: the schedule only says "now".
  input: z.unknown(),
  ports: remindNeeds,
  build(pack, ports) {
    return () => remind(pack.spec, ports);
  },
  measure(summary, metrics) {
    metrics.count('PendingApprovalsChecked', summary.checked);
    metrics.count('ApprovalRemindersSent', summary.reminded.length);
    metrics.count('ApprovalRungsReached', summary.escalated.length);
    metrics.value('OldestPendingApprovalAge', summary.oldestPendingSeconds, 'Seconds');
  },
});
