/**
 * The local EventBridge Scheduler: one-time schedules (`at(...)`) in schedule
 * groups, fired on the local cloud's clock by invoking their Lambda target
 * through the local Lambda host, as the follow-up step's schedules are in AWS.
 *
 * What it keeps of AWS's behaviour: a schedule is unique by group and name
 * (a second create is a ConflictException), a schedule with
 * `ActionAfterCompletion: DELETE` is gone once it fired, a failed invocation
 * is retried within the target's `RetryPolicy` (attempts and event age, with
 * a backoff scaled like the local EventBridge's) and then handed to its
 * dead-letter queue. Two local simplifications: only `at(...)` expressions in
 * UTC are served (rate and cron schedules are refused with a
 * ValidationException), and a function error counts as a failed delivery,
 * because the local Lambda host has no asynchronous queue.
 */
import { EventEmitter } from 'node:events';
import type { CancelTimer, TimeSource } from '../clock/time-source.js';
import { AwsServiceError } from '../http/json-protocol.js';
import type { LambdaInvoker } from '../ports.js';

/** A one-time schedule as created. */
export interface LocalSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  readonly expression: string;
  readonly dueAt: Date;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly kmsKeyArn?: string;
  readonly description?: string;
  readonly target: {
    readonly arn: string;
    readonly roleArn: string;
    readonly input?: string;
    readonly retryPolicy: {
      readonly maximumRetryAttempts: number;
      readonly maximumEventAgeInSeconds: number;
    };
    readonly deadLetterArn?: string;
  };
  readonly createdAt: Date;
}

/** What a schedule's firing ended in. */
export type FiringOutcome =
  | { readonly status: 'delivered'; readonly attempts: number }
  | { readonly status: 'dead-lettered'; readonly deadLetter: ScheduleDeadLetter }
  | { readonly status: 'cancelled' };

/** An invocation the scheduler gave up on: what its dead-letter queue receives. */
export interface ScheduleDeadLetter {
  readonly queueArn?: string;
  readonly scheduleArn: string;
  readonly targetArn: string;
  readonly input?: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly retryAttempts: number;
  readonly time: Date;
}

/** What the local scheduler announces. */
export interface LocalSchedulerEvents {
  fired: [schedule: LocalSchedule, outcome: FiringOutcome];
}

/** How to build the local scheduler. */
export interface LocalSchedulerOptions {
  readonly lambda: LambdaInvoker;
  /** The local cloud's clock: schedules fire on its time (virtual in tests). */
  readonly time: TimeSource;
  readonly region: string;
  readonly accountId: string;
  /** Factor on retry delays: 0 retries at once (tests), 1 as the scheduler roughly does. @default 1 */
  readonly retryDelayScale?: number;
}

/** `at(2026-11-20T20:00:00)`: a one-time expression, its time read in UTC. */
const AT_EXPRESSION = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

/** The first retry's delay; each retry doubles it, up to a minute. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

/**
 * The time of a one-time schedule expression.
 * @throws AwsServiceError ValidationException for anything but `at(yyyy-mm-ddThh:mm:ss)` in UTC.
 */
export function dueTimeOf(expression: string, timezone = 'UTC'): Date {
  const match = AT_EXPRESSION.exec(expression);
  if (!match || timezone !== 'UTC') {
    throw new AwsServiceError(
      'ValidationException',
      `the local scheduler serves one-time schedules only: expected ScheduleExpression "at(yyyy-mm-ddThh:mm:ss)" in UTC, got "${expression}" (${timezone})`,
    );
  }
  const due = new Date(`${match[1]}Z`);
  if (Number.isNaN(due.getTime())) {
    throw new AwsServiceError('ValidationException', `"${expression}" is not a valid date and time`);
  }
  return due;
}

/** The local EventBridge Scheduler. */
export class LocalScheduler extends EventEmitter<LocalSchedulerEvents> {
  readonly #schedules = new Map<string, LocalSchedule>();
  readonly #timers = new Map<string, CancelTimer>();
  readonly #deadLetters: ScheduleDeadLetter[] = [];
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();

  constructor(private readonly options: LocalSchedulerOptions) {
    super();
  }

  /** The ARN of a schedule of a group. */
  arnOf(groupName: string, name: string): string {
    return `arn:aws:scheduler:${this.options.region}:${this.options.accountId}:schedule/${groupName}/${name}`;
  }

  /**
   * Creates a schedule and sets its timer.
   * @throws AwsServiceError ConflictException when the group holds one of that name.
   */
  create(schedule: Omit<LocalSchedule, 'arn' | 'createdAt' | 'dueAt'>): LocalSchedule {
    const key = `${schedule.groupName}/${schedule.name}`;
    if (this.#schedules.has(key)) {
      throw new AwsServiceError(
        'ConflictException',
        `Schedule ${schedule.name} already exists in group ${schedule.groupName}.`,
        409,
      );
    }
    const created: LocalSchedule = {
      ...schedule,
      arn: this.arnOf(schedule.groupName, schedule.name),
      dueAt: dueTimeOf(schedule.expression),
      createdAt: this.options.time.now(),
    };
    this.#schedules.set(key, created);
    if (created.state === 'ENABLED') {
      const wait = Math.max(0, created.dueAt.getTime() - this.options.time.now().getTime());
      this.#timers.set(
        key,
        this.options.time.setTimer(wait, () => this.#fire(key)),
      );
    }
    return created;
  }

  /** @throws AwsServiceError ResourceNotFoundException when there is none. */
  get(groupName: string, name: string): LocalSchedule {
    const schedule = this.#schedules.get(`${groupName}/${name}`);
    if (!schedule) {
      throw new AwsServiceError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
    }
    return schedule;
  }

  /** Deletes a schedule and cancels its timer. @throws AwsServiceError ResourceNotFoundException when there is none. */
  delete(groupName: string, name: string): void {
    const key = `${groupName}/${name}`;
    this.get(groupName, name);
    this.#schedules.delete(key);
    this.#timers.get(key)?.();
    this.#timers.delete(key);
  }

  /** The schedules of a group (every group without one), by name. */
  list(query: { groupName?: string; namePrefix?: string; state?: string } = {}): LocalSchedule[] {
    return [...this.#schedules.values()]
      .filter(
        (s) =>
          (query.groupName === undefined || s.groupName === query.groupName) &&
          (query.namePrefix === undefined || s.name.startsWith(query.namePrefix)) &&
          (query.state === undefined || s.state === query.state),
      )
      .sort((a, b) => a.groupName.localeCompare(b.groupName) || a.name.localeCompare(b.name));
  }

  /** What the dead-letter queues received, optionally of one queue. */
  deadLetters(queueArn?: string): ScheduleDeadLetter[] {
    return this.#deadLetters.filter((letter) => queueArn === undefined || letter.queueArn === queueArn);
  }

  /** Firings under way: the local cloud's idle checks wait for them. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Cancels every timer and pending retry. */
  async stop(): Promise<void> {
    this.#abort.abort();
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
    await Promise.allSettled([...this.#inFlight]);
  }

  #fire(key: string): void {
    const schedule = this.#schedules.get(key);
    this.#timers.delete(key);
    if (!schedule) return;
    // A one-time schedule with DELETE is gone once it fired, as in AWS.
    if (schedule.actionAfterCompletion === 'DELETE') this.#schedules.delete(key);
    const firing = this.#deliver(schedule).then((outcome) => {
      if (outcome.status === 'dead-lettered') this.#deadLetters.push(outcome.deadLetter);
      this.emit('fired', schedule, outcome);
    });
    this.#inFlight.add(firing);
    void firing.finally(() => this.#inFlight.delete(firing));
  }

  async #deliver(schedule: LocalSchedule): Promise<FiringOutcome> {
    const { target } = schedule;
    const firedAt = this.options.time.now().getTime();
    const scale = this.options.retryDelayScale ?? 1;
    let payload: unknown;
    try {
      payload = target.input === undefined ? {} : JSON.parse(target.input);
    } catch {
      payload = target.input;
    }
    let retries = 0;
    for (;;) {
      if (this.#abort.signal.aborted) return { status: 'cancelled' };
      try {
        await this.options.lambda.invoke(target.arn, payload);
        return { status: 'delivered', attempts: retries + 1 };
      } catch (error) {
        const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** retries);
        const age = this.options.time.now().getTime() + delay - firedAt;
        const exhausted =
          retries >= target.retryPolicy.maximumRetryAttempts ||
          age > target.retryPolicy.maximumEventAgeInSeconds * 1000;
        if (exhausted) {
          return {
            status: 'dead-lettered',
            deadLetter: {
              ...(target.deadLetterArn ? { queueArn: target.deadLetterArn } : {}),
              scheduleArn: schedule.arn,
              targetArn: target.arn,
              ...(target.input === undefined ? {} : { input: target.input }),
              errorCode: error instanceof Error ? error.name : 'Error',
              errorMessage: error instanceof Error ? error.message : String(error),
              retryAttempts: retries,
              time: this.options.time.now(),
            },
          };
        }
        retries += 1;
        await this.#wait(delay * scale);
      }
    }
  }

  #wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const cancel = this.options.time.setTimer(ms, resolve);
      this.#abort.signal.addEventListener('abort', () => {
        cancel();
        resolve();
      });
    });
  }
}
