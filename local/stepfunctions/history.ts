/**
 * Execution history in Step Functions' own event shapes (GetExecutionHistory).
 *
 * Two sources feed it: the runner's event log gives state transitions and Map
 * iterations; the local task handlers record the task events themselves
 * (LambdaFunction* for a function ARN resource, Task* for service
 * integrations), because only they know about invocations, callbacks and
 * timeouts.
 */
import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';

/** One event of the runner's log (the package does not export the type). */
export type RunnerEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** A history event before the execution numbers and timestamps it. */
export type HistoryEventBody = Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp' | 'type'> & {
  readonly type: HistoryEventType;
};

/** JSON text for a history event field; `undefined` (a missing result) reads as `null`, as in AWS. */
export function historyJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/**
 * Translates one runner event into a history event, or `undefined` when AWS has
 * no counterpart (retries and catches show as new task events in AWS) or the
 * runner records it elsewhere (execution start and end, task events).
 */
export function historyEventFromRunner(
  event: RunnerEvent,
  waits: ReadonlyMap<string, unknown> = new Map(),
): HistoryEventBody | undefined {
  // Wait states run as local tasks (see `wait-handler.ts`); their history says Wait, as in AWS.
  const stateType = <T extends string>(state: { name: string; type: T }): T | 'Wait' =>
    waits.has(state.name) ? 'Wait' : state.type;
  switch (event.type) {
    case 'StateEntered':
      return {
        type: `${stateType(event.state)}StateEntered`,
        stateEnteredEventDetails: {
          name: event.state.name,
          input: historyJson(event.state.input),
          inputDetails: { truncated: false },
        },
      };
    case 'StateExited':
      // A Fail state never exits; the runner does not report one either.
      if (event.state.type === 'Fail') return undefined;
      return {
        type: `${waits.has(event.state.name) ? 'Wait' : event.state.type}StateExited`,
        stateExitedEventDetails: {
          name: event.state.name,
          output: historyJson(event.state.output),
          outputDetails: { truncated: false },
        },
      };
    case 'StateFailed':
      if (event.state.type === 'Map') return { type: 'MapStateFailed' };
      if (event.state.type === 'Parallel') return { type: 'ParallelStateFailed' };
      return undefined;
    case 'MapIterationStarted':
      return {
        type: 'MapIterationStarted',
        mapIterationStartedEventDetails: { name: event.parentState.name, index: event.index },
      };
    case 'MapIterationSucceeded':
      return {
        type: 'MapIterationSucceeded',
        mapIterationSucceededEventDetails: { name: event.parentState.name, index: event.index },
      };
    case 'MapIterationFailed':
      return {
        type: 'MapIterationFailed',
        mapIterationFailedEventDetails: { name: event.parentState.name, index: event.index },
      };
    default:
      return undefined;
  }
}
