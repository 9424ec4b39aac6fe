/**
 * Follow-ups: an action scheduled when another one executes (`grantAccess`
 * -> `revokeAccess` after `input.durationHours`), as the spec declares it
 * (`followUp` on the action, `reduces` on the follow-up).
 *
 * This module holds what every part of the follow-up machinery agrees on: the
 * follow-up item the runs table keeps, its deterministic id, and the plan Act
 * derives from an executed input (when it is due, with what input).
 */
import { durationToSeconds } from '../duration.js';
import { AwfError } from '../errors.js';
import { hashOf } from '../hash.js';
import { catalogueAction } from '../workflow/catalogue.js';
import { MAX_FOLLOW_UP_HOURS, type WorkflowSpec } from '../workflow/spec.js';

/** Where a follow-up stands: due, run, or cancelled by an approved cancellation. */
export const FOLLOW_UP_STATUSES = ['PENDING', 'DONE', 'CANCELLED'] as const;

/** One of {@link FOLLOW_UP_STATUSES}. */
export type FollowUpStatus = (typeof FOLLOW_UP_STATUSES)[number];

/** A follow-up as the runs table keeps it (state; the lineage holds the evidence). */
export interface FollowUpRecord {
  readonly followUpId: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly entityId: string;
  /** The workflow version whose spec scheduled it. */
  readonly workflowVersion: string;
  /** The follow-up action (the one that `reduces`). */
  readonly action: string;
  /** The action whose execution scheduled it, and that execution's proposal and key. */
  readonly after: { readonly action: string; readonly proposalId: string; readonly executionKey: string };
  /** The follow-up's input, taken from the executed input. */
  readonly input: Readonly<Record<string, unknown>>;
  /** When it is due (ISO-8601, whole seconds: a one-time schedule's resolution). */
  readonly dueAt: string;
  readonly scheduledAt: string;
  /** The one-time schedule that fires it. */
  readonly scheduleName: string;
  readonly status: FollowUpStatus;
  /** When it ran or was cancelled. */
  readonly endedAt?: string;
  /** The approval a cancellation waits for, once an operator asked for one. */
  readonly cancellationApprovalId?: string;
}

/** Hex digits of the follow-up id's hash, as the other ids (`core/ids.ts`). */
const ID_HEX_LENGTH = 24;

/**
 * The id of the follow-up an execution schedules (`fu-` + 24 hex digits):
 * derived from the run and the execution's key, so a retried Act schedules
 * the same follow-up, not a second one. It doubles as the schedule's name.
 * @throws AwfError when an argument is empty.
 */
export function followUpIdFor(runId: string, executionKey: string, action: string): string {
  if (runId.length === 0 || executionKey.length === 0 || action.length === 0) {
    throw new AwfError('runId, executionKey and action must not be empty when deriving a follow-up id');
  }
  return `fu-${hashOf(['fu', runId, executionKey, action]).slice(0, ID_HEX_LENGTH)}`;
}

/** The follow-up an executed action schedules: which action, when, with what input. */
export interface FollowUpPlan {
  readonly action: string;
  readonly dueAt: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** An executed input that cannot give a follow-up (no valid hours, a missing field). */
export class FollowUpPlanError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'FollowUpPlanError';
  }
}

/** Whole seconds: EventBridge Scheduler's `at()` has no finer resolution. */
function toWholeSeconds(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString();
}

/**
 * The follow-up `action` schedules when it executes with `input` at `now`,
 * or undefined when the action declares none.
 *
 * @throws FollowUpPlanError when the hours field is not a positive number of
 *   at most {@link MAX_FOLLOW_UP_HOURS}, or a field the follow-up takes is absent.
 */
export function followUpPlanOf(
  spec: WorkflowSpec,
  action: string,
  input: Readonly<Record<string, unknown>>,
  now: Date,
): FollowUpPlan | undefined {
  const followUp = catalogueAction(spec, action)?.followUp;
  if (followUp === undefined) return undefined;
  let hours: number;
  if (followUp.after !== undefined) {
    hours = durationToSeconds(followUp.after) / 3600;
  } else {
    const field = followUp.afterHoursField ?? '';
    const value = input[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_FOLLOW_UP_HOURS) {
      throw new FollowUpPlanError(
        `${action}'s follow-up ${followUp.action} is due ${field} hours after it runs: expected a number above 0 and at most ${MAX_FOLLOW_UP_HOURS}, got ${JSON.stringify(value)}`,
      );
    }
    hours = value;
  }
  const followUpInput: Record<string, unknown> = {};
  for (const [field, source] of Object.entries(followUp.input)) {
    const value = input[source];
    if (value === undefined) {
      throw new FollowUpPlanError(
        `${action}'s follow-up ${followUp.action} takes ${field} from ${source}, which the executed input does not hold`,
      );
    }
    followUpInput[field] = value;
  }
  return {
    action: followUp.action,
    dueAt: toWholeSeconds(now.getTime() + hours * 3_600_000),
    input: followUpInput,
  };
}
