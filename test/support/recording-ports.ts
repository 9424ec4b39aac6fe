/**
 * Recording fakes of the outbound ports: the event bus and Step Functions' callback API.
 */
import type { EventPublisher, OutboundEvent, TaskCallbacks } from '../../core/ports.js';

/** An error with an AWS-style name, as the SDK throws them. */
export function namedError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** An EventPublisher that keeps every event it was given, in order. */
export class RecordingEventPublisher implements EventPublisher {
  /** Every event published so far. */
  readonly events: OutboundEvent[] = [];
  private readonly pendingFailures: Error[] = [];
  private counter = 0;

  /** Makes the next `publish` call reject with `error` (queued; one call each). */
  failNextWith(error: Error): void {
    this.pendingFailures.push(error);
  }

  /** Events of one detail-type. */
  ofType(detailType: string): OutboundEvent[] {
    return this.events.filter((event) => event.detailType === detailType);
  }

  async publish(events: readonly OutboundEvent[]): Promise<{ readonly eventIds: readonly string[] }> {
    const failure = this.pendingFailures.shift();
    if (failure) throw failure;
    const eventIds = events.map(() => `evt-${++this.counter}`);
    this.events.push(...structuredClone(events));
    return { eventIds };
  }
}

/** One call made to the callback API. */
export type TaskCallbackCall =
  | { readonly kind: 'succeed'; readonly taskToken: string; readonly output: unknown }
  | { readonly kind: 'fail'; readonly taskToken: string; readonly error: string; readonly cause: string };

/**
 * TaskCallbacks that record every call and behave like Step Functions for
 * closed tokens: once a token got success or failure, or was expired with
 * `closeToken`, further calls on it reject (`TaskTimedOut` by default).
 */
export class RecordingTaskCallbacks implements TaskCallbacks {
  /** Every accepted call, in order. */
  readonly calls: TaskCallbackCall[] = [];
  private readonly closed = new Map<string, string>();
  private readonly failuresByToken = new Map<string, Error>();

  /** Makes every later call on `taskToken` reject with an error of that name (`TaskTimedOut`, `TaskDoesNotExist`, ...). */
  closeToken(taskToken: string, errorName = 'TaskTimedOut'): void {
    this.closed.set(taskToken, errorName);
  }

  /** Makes every later call on `taskToken` reject with `error`, e.g. a throttling error. */
  failCallsOn(taskToken: string, error: Error): void {
    this.failuresByToken.set(taskToken, error);
  }

  get succeeded(): Extract<TaskCallbackCall, { kind: 'succeed' }>[] {
    return this.calls.filter((call) => call.kind === 'succeed');
  }

  get failed(): Extract<TaskCallbackCall, { kind: 'fail' }>[] {
    return this.calls.filter((call) => call.kind === 'fail');
  }

  async succeed(taskToken: string, output: unknown): Promise<void> {
    this.check(taskToken);
    this.calls.push({ kind: 'succeed', taskToken, output: structuredClone(output) });
    this.closed.set(taskToken, 'TaskTimedOut');
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    this.check(taskToken);
    this.calls.push({ kind: 'fail', taskToken, error, cause });
    this.closed.set(taskToken, 'TaskTimedOut');
  }

  private check(taskToken: string): void {
    const failure = this.failuresByToken.get(taskToken);
    if (failure) throw failure;
    const closedWith = this.closed.get(taskToken);
    if (closedWith) throw namedError(closedWith, `task ${taskToken} is no longer waiting`);
  }
}
