/**
 * Remind: runs on a schedule, keeps pending approvals alive and nudges approvers.
 *
 * For each PENDING approval of the workflow that has not expired, it sends a
 * heartbeat for the waiting task (the approval state has HeartbeatSeconds, so
 * a wait nobody tends fails instead of hanging), and when the last reminder
 * (or the request) is older than the spec's reminder interval it publishes
 * `ApprovalReminder` and notes the time. One approval's trouble never stops
 * the others: a task that is gone is reported, other failures are collected
 * and raised together at the end so the invocation still shows as failed.
 */
import { z } from 'zod';
import { durationToSeconds } from '../../duration.js';
import { AwfError } from '../../errors.js';
import { PLATFORM_DETAIL_TYPES, workflowEventSource } from '../../platform-events.js';
import type { ApprovalRecord } from '../../runs/records.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';

const remindNeeds = { runs: { writes: ['approval'] }, events: 'workflow', callbacks: 'answer' } as const;

/** Errors Step Functions answers when the task behind a token no longer waits. */
const TASK_GONE_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** What one run of the schedule did. */
export interface RemindSummary {
  /** Pending approvals looked at. */
  readonly checked: number;
  /** Approvals whose task got a heartbeat. */
  readonly heartbeats: number;
  /** Approvals an ApprovalReminder was published for. */
  readonly reminded: readonly string[];
  /** Approvals whose task no longer waits (the run's escalation closes them). */
  readonly gone: readonly string[];
  /** Approvals past their expiry, left to the run's timeout. */
  readonly expired: readonly string[];
}

/** An approval that could not be tended, and why. */
export class ReminderError extends AwfError {
  constructor(readonly failures: readonly { readonly approvalId: string; readonly error: unknown }[]) {
    super(
      `could not tend ${failures.length} approval(s): ${failures
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

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/**
 * Tends the workflow's pending approvals once.
 * @throws ReminderError after every approval was tried, when some failed for a reason other than a gone task.
 */
async function remind(
  spec: WorkflowSpec,
  { runs, callbacks, events, clock }: PortsFor<typeof remindNeeds>,
): Promise<RemindSummary> {
  const now = clock();
  const intervalMs = durationToSeconds(spec.approvals.reminderInterval) * 1000;
  const pending = await runs.listPendingApprovals({ workflowId: spec.id });

  const reminded: string[] = [];
  const gone: string[] = [];
  const expired: string[] = [];
  const failures: { approvalId: string; error: unknown }[] = [];
  let heartbeats = 0;

  const tend = async (approval: ApprovalRecord): Promise<void> => {
    if (Date.parse(approval.expiresAt) <= now.getTime()) {
      expired.push(approval.approvalId);
      return;
    }
    try {
      await callbacks.heartbeat(approval.taskToken);
      heartbeats++;
    } catch (error) {
      if (TASK_GONE_ERRORS.has(errorName(error))) gone.push(approval.approvalId);
      else failures.push({ approvalId: approval.approvalId, error });
      return;
    }
    const last = Date.parse(approval.lastReminderAt ?? approval.requestedAt);
    if (now.getTime() - last < intervalMs) return;
    try {
      await events.publish([
        {
          source: workflowEventSource(spec.id),
          detailType: PLATFORM_DETAIL_TYPES.approvalReminder,
          detail: {
            approvalId: approval.approvalId,
            runId: approval.runId,
            action: approval.gated.proposal.action,
            approverRoles: approval.approverRoles,
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

  // One at a time: approvals are few, and the callback API's rate limit is shared with the executions.
  for (const approval of pending) await tend(approval);

  if (failures.length > 0) throw new ReminderError(failures);
  return { checked: pending.length, heartbeats, reminded, gone, expired };
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
  },
});
