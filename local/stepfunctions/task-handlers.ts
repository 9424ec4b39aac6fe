/**
 * Local handlers for every Task state of an execution.
 *
 * aws-local-stepfunctions runs a Task through `taskResourceLocalHandlers`
 * (keyed by state name) instead of calling AWS. These handlers do what Step
 * Functions would: invoke the Lambda through the local host, shape the result
 * like the service integration does, emulate the callback pattern with real
 * task tokens, enforce `TimeoutSeconds` and `HeartbeatSeconds`, record the
 * task's history events, and fail with an error whose `name` is the one the
 * ASL's Retry and Catch match on.
 *
 * The handlers, not the runner, enforce a Task's `TimeoutSeconds` (the runner
 * only knows its own timeout for tasks with `TimeoutSecondsPath`). One
 * consequence: a `States.TaskFailed` catcher also catches such a timeout,
 * where AWS excludes `States.Timeout` from that wildcard; `States.ALL` and an
 * explicit `States.Timeout` behave as in AWS.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { RunOptions } from 'aws-local-stepfunctions';
import * as z from 'zod';
import type { CancelTimer, TimeSource } from '../clock/time-source.js';
import type { LambdaInvoker } from '../ports.js';
import type { TaskStateInfo, WaitStateInfo } from './definition.js';
import type { LocalExecution } from './execution.js';
import { type HistoryEventBody, historyJson } from './history.js';
import { TaskError } from './task-error.js';
import type { TaskTokenRegistry } from './task-tokens.js';
import { startTimer } from './timers.js';
import { runWait } from './wait-handler.js';

export { TaskError } from './task-error.js';

/** The runner's handler map. */
export type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type TaskHandler = TaskHandlers[string];
/** A JSON value as the runner passes and expects them. */
type JsonValue = Parameters<TaskHandler>[0];

/**
 * What `$$.Task.Token` reads as inside the runner. A callback task's handler
 * replaces it in its parameters with the token it mints.
 */
export const TASK_TOKEN_PLACEHOLDER = 'awf-local-task-token-placeholder';

/** What the handlers of one execution need. */
export interface TaskHandlerContext {
  readonly execution: LocalExecution;
  readonly tasks: ReadonlyMap<string, TaskStateInfo>;
  /** Wait states, which the emulation runs on its time source (see `wait-handler.ts`). */
  readonly waits: ReadonlyMap<string, WaitStateInfo>;
  readonly lambda: LambdaInvoker;
  readonly tokens: TaskTokenRegistry;
  readonly region: string;
  /** The clock task timeouts run on. */
  readonly time: TimeSource;
}

const lambdaInvokeParameters = z.object({
  FunctionName: z.string().min(1),
  Payload: z.unknown().optional(),
  InvocationType: z.enum(['RequestResponse', 'Event', 'DryRun']).optional(),
  Qualifier: z.string().optional(),
});

type Settled<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'timed-out' }
  | { readonly kind: 'closed' };

/** The time limit of one task attempt, and the end of its execution. */
class AttemptLimits {
  readonly #cancelTimer?: CancelTimer;
  readonly #signal: AbortSignal;
  readonly #onClosed: () => void;
  readonly #ended: Promise<Settled<never>>;

  constructor(timeoutSeconds: number | undefined, signal: AbortSignal, time: TimeSource) {
    this.#signal = signal;
    let end: (settled: Settled<never>) => void = () => undefined;
    this.#ended = new Promise((resolve) => {
      end = resolve;
    });
    this.#onClosed = () => end({ kind: 'closed' });
    signal.addEventListener('abort', this.#onClosed, { once: true });
    if (timeoutSeconds !== undefined)
      this.#cancelTimer = startTimer(time, timeoutSeconds, () => end({ kind: 'timed-out' }));
  }

  /** Waits for `work`, unless the attempt times out or the execution ends first. */
  race<T>(work: Promise<T>): Promise<Settled<T>> {
    return Promise.race([
      work.then(
        (value): Settled<T> => ({ kind: 'done', value }),
        (error: unknown): Settled<T> => ({ kind: 'error', error }),
      ),
      this.#ended,
    ]);
  }

  dispose(): void {
    this.#cancelTimer?.();
    this.#signal.removeEventListener('abort', this.#onClosed);
  }
}

/** A JSON copy: what crosses a Lambda boundary is JSON, and `undefined` comes back as `null`. */
function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null));
}

function replaceToken(value: unknown, token: string): unknown {
  if (typeof value === 'string') return value.replaceAll(TASK_TOKEN_PLACEHOLDER, token);
  if (Array.isArray(value)) return value.map((item) => replaceToken(item, token));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceToken(item, token)]));
  }
  return value;
}

/** Error name and Cause of a failed invocation, as Step Functions reports a Lambda function error. */
function lambdaFailure(error: unknown): { error: string; cause: string } {
  if (error instanceof Error) {
    // The Lambda host's errors carry the function's stack as `trace`, as Lambda's error document does.
    const trace = 'trace' in error && Array.isArray(error.trace) ? { trace: error.trace } : {};
    return {
      error: error.name,
      cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, ...trace }),
    };
  }
  return { error: 'Lambda.Unknown', cause: JSON.stringify({ errorMessage: String(error) }) };
}

const executionEnded = (): TaskError =>
  new TaskError('States.Runtime', 'the execution ended while this task was running');

function taskTimedOut(): TaskError {
  return new TaskError('States.Timeout', 'the task did not finish within its TimeoutSeconds');
}

/** Direct Lambda ARN resource: LambdaFunction* events, the function's result as the task result. */
async function runLambdaFunction(
  ctx: TaskHandlerContext,
  task: TaskStateInfo,
  input: JsonValue,
): Promise<JsonValue> {
  const { execution } = ctx;
  const limits = new AttemptLimits(task.timeoutSeconds, execution.closedSignal, ctx.time);
  try {
    execution.record({
      type: 'LambdaFunctionScheduled',
      lambdaFunctionScheduledEventDetails: {
        resource: task.resource,
        input: historyJson(input),
        inputDetails: { truncated: false },
        timeoutInSeconds: task.timeoutSeconds,
      },
    });
    execution.record({ type: 'LambdaFunctionStarted' });
    const settled = await limits.race(ctx.lambda.invoke(task.resource, input));
    switch (settled.kind) {
      case 'done': {
        const output = toJson(settled.value);
        execution.record({
          type: 'LambdaFunctionSucceeded',
          lambdaFunctionSucceededEventDetails: {
            output: historyJson(output),
            outputDetails: { truncated: false },
          },
        });
        return output;
      }
      case 'error': {
        const failure = lambdaFailure(settled.error);
        execution.record({ type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: failure });
        throw new TaskError(failure.error, failure.cause);
      }
      case 'timed-out':
        execution.record({
          type: 'LambdaFunctionTimedOut',
          lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout' },
        });
        throw taskTimedOut();
      case 'closed':
        throw executionEnded();
    }
  } finally {
    limits.dispose();
  }
}

/** The response of the optimized `lambda:invoke` integration. */
function invokeResponse(payload: JsonValue, statusCode: number): JsonValue {
  const requestId = randomUUID();
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      HttpHeaders: {
        'Content-Type': 'application/json',
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-RequestId': requestId,
      },
      HttpStatusCode: statusCode,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: statusCode,
  };
}

/** Task* history events of a `lambda:invoke` task, typed per event. */
function integrationEvents(resource: string) {
  const base = { resourceType: 'lambda', resource };
  const noTruncation = { truncated: false };
  return {
    scheduled: (details: {
      region: string;
      parameters: string;
      timeoutInSeconds?: number;
      heartbeatInSeconds?: number;
    }) =>
      ({
        type: 'TaskScheduled',
        taskScheduledEventDetails: { ...base, ...details },
      }) satisfies HistoryEventBody,
    started: () => ({ type: 'TaskStarted', taskStartedEventDetails: base }) satisfies HistoryEventBody,
    submitted: (output: string) =>
      ({
        type: 'TaskSubmitted',
        taskSubmittedEventDetails: { ...base, output, outputDetails: noTruncation },
      }) satisfies HistoryEventBody,
    succeeded: (output: string) =>
      ({
        type: 'TaskSucceeded',
        taskSucceededEventDetails: { ...base, output, outputDetails: noTruncation },
      }) satisfies HistoryEventBody,
    failed: (error: string, cause: string) =>
      ({ type: 'TaskFailed', taskFailedEventDetails: { ...base, error, cause } }) satisfies HistoryEventBody,
    timedOut: (error: string) =>
      ({ type: 'TaskTimedOut', taskTimedOutEventDetails: { ...base, error } }) satisfies HistoryEventBody,
  };
}

/** `lambda:invoke` and `lambda:invoke.waitForTaskToken`: Task* events, the integration's response shape. */
async function runLambdaIntegration(
  ctx: TaskHandlerContext,
  task: TaskStateInfo,
  input: JsonValue,
): Promise<JsonValue> {
  const { execution } = ctx;
  const callback = task.kind === 'lambda-invoke-callback';
  const events = integrationEvents(callback ? 'invoke.waitForTaskToken' : 'invoke');
  const fail = (error: string, cause: string): TaskError => {
    execution.record(events.failed(error, cause));
    return new TaskError(error, cause);
  };

  const limits = new AttemptLimits(task.timeoutSeconds, execution.closedSignal, ctx.time);
  const token = callback
    ? ctx.tokens.open(
        { executionArn: execution.executionArn, stateName: task.stateName },
        task.heartbeatSeconds,
      )
    : undefined;
  try {
    const parameters = token ? replaceToken(input, token.token) : input;
    execution.record(
      events.scheduled({
        region: ctx.region,
        parameters: historyJson(parameters),
        timeoutInSeconds: task.timeoutSeconds,
        heartbeatInSeconds: callback ? task.heartbeatSeconds : undefined,
      }),
    );
    const parsed = lambdaInvokeParameters.safeParse(parameters);
    if (!parsed.success) {
      throw fail(
        'States.Runtime',
        `Parameters of state "${task.stateName}" must name a FunctionName: ${z.prettifyError(parsed.error)}`,
      );
    }
    const { FunctionName, Payload, InvocationType } = parsed.data;
    execution.record(events.started());

    let response: JsonValue;
    if (InvocationType === 'Event') {
      // Asynchronous invocation: Lambda accepts the event and the task moves on.
      ctx.lambda.invoke(FunctionName, Payload ?? {}).catch(() => undefined);
      response = invokeResponse('', 202);
    } else {
      const invoked = await limits.race(ctx.lambda.invoke(FunctionName, Payload ?? {}));
      if (invoked.kind === 'error') {
        const failure = lambdaFailure(invoked.error);
        throw fail(failure.error, failure.cause);
      }
      if (invoked.kind === 'timed-out') {
        execution.record(events.timedOut('States.Timeout'));
        throw taskTimedOut();
      }
      if (invoked.kind === 'closed') throw executionEnded();
      response = invokeResponse(toJson(invoked.value), 200);
    }
    if (!token) {
      execution.record(events.succeeded(historyJson(response)));
      return response;
    }

    execution.record(events.submitted(historyJson(response)));
    const waited = await limits.race(token.outcome);
    if (waited.kind === 'timed-out') {
      execution.record(events.timedOut('States.Timeout'));
      throw taskTimedOut();
    }
    if (waited.kind !== 'done') throw executionEnded();
    const outcome = waited.value;
    if (outcome.kind === 'succeeded') {
      execution.record(events.succeeded(outcome.output));
      return toJson(JSON.parse(outcome.output));
    }
    if (outcome.kind === 'failed') throw fail(outcome.error, outcome.cause);
    if (outcome.kind === 'heartbeat-timed-out') {
      execution.record(events.timedOut('States.HeartbeatTimeout'));
      throw new TaskError(
        'States.HeartbeatTimeout',
        "no SendTaskHeartbeat within the task's HeartbeatSeconds",
      );
    }
    throw executionEnded();
  } finally {
    token?.close();
    limits.dispose();
  }
}

/**
 * Builds the local handler of every Task state of one execution.
 *
 * Each handler first yields one macrotask so the runner's log (read
 * asynchronously) has recorded the state's entry before the task's own events.
 */
export function createTaskHandlers(ctx: TaskHandlerContext): TaskHandlers {
  const handlers: TaskHandlers = {};
  for (const wait of ctx.waits.values()) {
    handlers[wait.stateName] = (input) =>
      runWait(wait, input, ctx.time, ctx.execution.closedSignal) as Promise<JsonValue>;
  }
  for (const task of ctx.tasks.values()) {
    handlers[task.stateName] = async (input) => {
      await nextMacrotask();
      if (ctx.execution.closedSignal.aborted) throw executionEnded();
      return task.kind === 'lambda-function'
        ? runLambdaFunction(ctx, task, input)
        : runLambdaIntegration(ctx, task, input);
    };
  }
  return handlers;
}
