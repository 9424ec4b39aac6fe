/**
 * Runs one execution on aws-local-stepfunctions and keeps its record current:
 * history as the runner reports it, the end (output, or error and cause), and
 * the release of its task tokens.
 */
import './promise-polyfill.js';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';
import type { TimeSource } from '../clock/time-source.js';
import type { LambdaInvoker } from '../ports.js';
import type { PreparedDefinition } from './definition.js';
import type { ExecutionResult, LocalExecution } from './execution.js';
import { type HistoryEventBody, historyEventFromRunner } from './history.js';
import { createTaskHandlers, TASK_TOKEN_PLACEHOLDER } from './task-handlers.js';
import type { TaskTokenRegistry } from './task-tokens.js';

/** The state machine an execution runs, and the services its tasks use. */
export interface RunContext {
  readonly prepared: PreparedDefinition;
  readonly stateMachineName: string;
  readonly roleArn: string;
  readonly region: string;
  readonly lambda: LambdaInvoker;
  readonly tokens: TaskTokenRegistry;
  readonly time: TimeSource;
}

/** An execution in progress. */
export interface RunningExecution {
  readonly execution: LocalExecution;
  /** StopExecution: aborts the run; the execution ends ABORTED with this error and cause. */
  stop(error?: string, cause?: string): void;
}

/** How the runner's result maps to an execution's end. */
function executionEnd(
  outcome: PromiseSettledResult<unknown>,
  stopRequest: { error?: string; cause?: string; timedOut?: boolean } | undefined,
): { result: ExecutionResult; lastEvent: HistoryEventBody } {
  if (outcome.status === 'rejected' && stopRequest?.timedOut) {
    const details = {
      error: 'States.Timeout',
      cause: "The execution ran longer than the state machine's TimeoutSeconds.",
    };
    return {
      result: { status: 'TIMED_OUT', ...details },
      lastEvent: { type: 'ExecutionTimedOut', executionTimedOutEventDetails: details },
    };
  }
  if (outcome.status === 'fulfilled') {
    const output = JSON.stringify(outcome.value ?? null);
    return {
      result: { status: 'SUCCEEDED', output },
      lastEvent: {
        type: 'ExecutionSucceeded',
        executionSucceededEventDetails: { output, outputDetails: { truncated: false } },
      },
    };
  }
  const reason: unknown = outcome.reason;
  if (reason instanceof ExecutionAbortedError) {
    const details = { error: stopRequest?.error, cause: stopRequest?.cause };
    return {
      result: { status: 'ABORTED', ...details },
      lastEvent: { type: 'ExecutionAborted', executionAbortedEventDetails: details },
    };
  }
  if (reason instanceof ExecutionTimeoutError) {
    const details = {
      error: 'States.Timeout',
      cause: "The execution ran longer than the state machine's TimeoutSeconds.",
    };
    return {
      result: { status: 'TIMED_OUT', ...details },
      lastEvent: { type: 'ExecutionTimedOut', executionTimedOutEventDetails: details },
    };
  }
  // ExecutionError wraps the state's error: its name is the ASL error, its message the cause.
  const failure = reason instanceof ExecutionError && reason.cause instanceof Error ? reason.cause : reason;
  const details =
    failure instanceof Error
      ? { error: failure.name, cause: failure.message }
      : { error: 'States.Runtime', cause: String(failure) };
  return {
    result: { status: 'FAILED', ...details },
    lastEvent: { type: 'ExecutionFailed', executionFailedEventDetails: details },
  };
}

/**
 * Starts running `execution` (already recorded as RUNNING) with its parsed input.
 * Returns at once; the execution's `settled` promise tells when it ends.
 */
export function runExecution(execution: LocalExecution, input: unknown, ctx: RunContext): RunningExecution {
  execution.record({
    type: 'ExecutionStarted',
    executionStartedEventDetails: {
      input: execution.input,
      inputDetails: { truncated: false },
      roleArn: ctx.roleArn,
    },
  });

  const run = ctx.prepared.machine.run(JSON.parse(JSON.stringify(input ?? null)), {
    overrides: {
      taskResourceLocalHandlers: createTaskHandlers({
        execution,
        tasks: ctx.prepared.tasks,
        waits: ctx.prepared.waits,
        lambda: ctx.lambda,
        tokens: ctx.tokens,
        region: ctx.region,
        time: ctx.time,
      }),
    },
    // The context object as AWS builds it; `$$.Task.Token` is swapped for a real token by callback tasks.
    context: {
      Execution: {
        Id: execution.executionArn,
        Name: execution.name,
        RoleArn: ctx.roleArn,
        StartTime: execution.startDate.toISOString(),
        RedriveCount: 0,
      },
      StateMachine: { Id: execution.stateMachineArn, Name: ctx.stateMachineName },
      Task: { Token: TASK_TOKEN_PLACEHOLDER },
    },
  });

  const historyDone = (async () => {
    for await (const event of run.eventLogs) {
      const body = historyEventFromRunner(event, ctx.prepared.waits);
      if (body) execution.record(body);
    }
  })();

  let stopRequest: { error?: string; cause?: string; timedOut?: boolean } | undefined;
  // The execution's TimeoutSeconds, on the engine's time source (a virtual clock in tests, a fast one in demos).
  const timeoutSeconds = ctx.prepared.executionTimeoutSeconds;
  const cancelTimeout =
    timeoutSeconds === undefined
      ? () => undefined
      : ctx.time.setTimer(timeoutSeconds * 1000, () => {
          if (execution.status !== 'RUNNING' || stopRequest) return;
          stopRequest = { timedOut: true };
          run.abort();
        });
  void Promise.allSettled([run.result]).then(async ([outcome]) => {
    cancelTimeout();
    if (outcome === undefined) return;
    const { result, lastEvent } = executionEnd(outcome, stopRequest);
    // Tasks still waiting (a stopped execution, a Map whose sibling failed) give up now.
    ctx.tokens.closeAllOf(execution.executionArn);
    await historyDone;
    execution.finish(result, lastEvent);
  });

  return {
    execution,
    stop(error, cause) {
      if (execution.status !== 'RUNNING' || stopRequest) return;
      stopRequest = { error, cause };
      run.abort();
    },
  };
}
