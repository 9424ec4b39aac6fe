/**
 * Step Functions' "Execution Status Change" events, as the local cloud sends
 * them to its default bus: what a rule there (the reconcile step's) matches in
 * AWS, with the same detail fields. Dates are epoch milliseconds, as AWS sends them.
 */
import type { ExecutionDescription } from './execution.js';

/** The detail-type Step Functions gives status changes. */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** The event of an execution's status (RUNNING at start, its end status when it ends). */
export function executionStatusChange(execution: ExecutionDescription) {
  return {
    source: 'aws.states' as const,
    detailType: EXECUTION_STATUS_CHANGE as typeof EXECUTION_STATUS_CHANGE,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate.getTime(),
      stopDate: execution.stopDate?.getTime() ?? null,
      input: execution.input,
      output: execution.output ?? null,
      inputDetails: { included: true },
      outputDetails: execution.output === undefined ? null : { included: true },
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}
