/**
 * The timeouts of a workflow's state machine, derived from its spec: the ASL's
 * numeric placeholders at synth time, and the same values for the pack runner.
 */
import { durationToSeconds } from '../duration.js';
import { WorkflowSpecError } from '../errors.js';
import type { WorkflowSpec } from './spec.js';

/** Time budget of one iteration's non-approval steps (ground, plan, gate, act with their retries). */
const ITERATION_BUDGET_SECONDS = 3600;
/** Time budget of admission and closing (admit, complete or escalate with their retries). */
const RUN_BUDGET_SECONDS = 3600;
/** A Standard execution may last at most one year. */
const MAX_EXECUTION_SECONDS = 365 * 86_400;

/** Timeouts the ASL's numeric placeholders take, derived from the spec. */
export interface WorkflowTimeouts {
  readonly approvalTimeoutSeconds: number;
  readonly reminderIntervalSeconds: number;
  readonly executionTimeoutSeconds: number;
}

/**
 * Derives the state machine's timeouts from a spec.
 *
 * @throws WorkflowSpecError naming the workflow and field when the spec's
 *   approval timings cannot be scheduled (the reminder interval is not whole
 *   minutes or not shorter than the approval timeout, or the run could outlive
 *   a Standard execution).
 */
export function workflowTimeouts(spec: WorkflowSpec): WorkflowTimeouts {
  const problems: string[] = [];
  const approvalTimeoutSeconds = durationToSeconds(spec.approvals.timeout);
  const reminderIntervalSeconds = durationToSeconds(spec.approvals.reminderInterval);
  const executionTimeoutSeconds =
    spec.agent.maxIterations * (approvalTimeoutSeconds + ITERATION_BUDGET_SECONDS) + RUN_BUDGET_SECONDS;

  if (reminderIntervalSeconds % 60 !== 0) {
    problems.push(
      `approvals.reminderInterval: expected whole minutes (the reminder schedule is an EventBridge rate), got ${spec.approvals.reminderInterval}`,
    );
  }
  if (reminderIntervalSeconds >= approvalTimeoutSeconds) {
    problems.push(
      `approvals.reminderInterval: expected less than the approval timeout (${spec.approvals.timeout}), ` +
        `got ${spec.approvals.reminderInterval}`,
    );
  }
  if (executionTimeoutSeconds > MAX_EXECUTION_SECONDS) {
    problems.push(
      `approvals.timeout: expected agent.maxIterations x (approval timeout + 1h) + 1h to fit in a ` +
        `Standard execution (365d), got ${spec.agent.maxIterations} x ${spec.approvals.timeout}`,
    );
  }
  if (problems.length > 0) throw new WorkflowSpecError(spec.id, problems);
  return {
    approvalTimeoutSeconds,
    reminderIntervalSeconds,
    executionTimeoutSeconds,
  };
}
