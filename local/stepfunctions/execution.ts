/**
 * One execution of a local state machine: what DescribeExecution and
 * GetExecutionHistory report, and a live feed for whoever watches it.
 */
import { EventEmitter } from 'node:events';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { HistoryEventBody } from './history.js';

/** Execution statuses, as Step Functions names them. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** What DescribeExecution returns for an execution. */
export interface ExecutionDescription {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate?: Date;
  /** The execution input, JSON text. */
  readonly input: string;
  /** The execution output, JSON text; only when SUCCEEDED. */
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** How an execution ended. */
export type ExecutionResult =
  | { readonly status: 'SUCCEEDED'; readonly output: string }
  | {
      readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      readonly error?: string;
      readonly cause?: string;
    };

/** Events a {@link LocalExecution} emits. */
export interface LocalExecutionEvents {
  /** Every history event as it is recorded: state entered and exited, tasks, the end. */
  history: [event: HistoryEvent];
  /** Once, when the execution ends. */
  settled: [description: ExecutionDescription];
}

/** How to create an execution record. */
export interface LocalExecutionInit {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  readonly clock?: () => Date;
}

/**
 * An execution's record and live feed.
 *
 * @example
 * execution.on('history', (event) => console.log(event.type, event.stateEnteredEventDetails?.name));
 * const { status, output } = await execution.settled;
 */
export class LocalExecution extends EventEmitter<LocalExecutionEvents> {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  /** Resolves once the execution has ended, whatever the outcome; never rejects. */
  readonly settled: Promise<ExecutionDescription>;

  readonly #clock: () => Date;
  readonly #history: HistoryEvent[] = [];
  readonly #closed = new AbortController();
  #result?: ExecutionResult;
  #stopDate?: Date;
  #resolveSettled: (description: ExecutionDescription) => void = () => undefined;

  constructor(init: LocalExecutionInit) {
    super();
    this.executionArn = init.executionArn;
    this.stateMachineArn = init.stateMachineArn;
    this.name = init.name;
    this.input = init.input;
    this.startDate = init.startDate;
    this.#clock = init.clock ?? (() => new Date());
    this.settled = new Promise((resolve) => {
      this.#resolveSettled = resolve;
    });
  }

  /** RUNNING until {@link finish} is called. */
  get status(): ExecutionStatus {
    return this.#result?.status ?? 'RUNNING';
  }

  /** Aborted when the execution ends: task handlers still running give up on it. */
  get closedSignal(): AbortSignal {
    return this.#closed.signal;
  }

  /** The history so far, oldest first. */
  get history(): readonly HistoryEvent[] {
    return this.#history;
  }

  /**
   * Numbers, timestamps, stores and emits a history event. Ignored once the
   * execution has ended: a task that was still running when it was stopped
   * leaves no trace after the end, as in AWS.
   */
  record(body: HistoryEventBody): HistoryEvent | undefined {
    if (this.#result) return undefined;
    const id = this.#history.length + 1;
    const event: HistoryEvent = {
      ...body,
      id,
      previousEventId: id - 1,
      timestamp: this.#clock(),
    };
    this.#history.push(event);
    this.emit('history', event);
    return event;
  }

  /**
   * Ends the execution (once; later calls are ignored): records its last
   * history event, then emits `settled`.
   */
  finish(result: ExecutionResult, lastEvent: HistoryEventBody): void {
    if (this.#result) return;
    this.record(lastEvent);
    this.#result = result;
    this.#stopDate = this.#clock();
    this.#closed.abort();
    const description = this.describe();
    this.emit('settled', description);
    this.#resolveSettled(description);
  }

  /** What DescribeExecution returns. */
  describe(): ExecutionDescription {
    const result = this.#result;
    return {
      executionArn: this.executionArn,
      stateMachineArn: this.stateMachineArn,
      name: this.name,
      status: this.status,
      startDate: this.startDate,
      stopDate: this.#stopDate,
      input: this.input,
      ...(result?.status === 'SUCCEEDED' ? { output: result.output } : {}),
      ...(result && result.status !== 'SUCCEEDED' ? { error: result.error, cause: result.cause } : {}),
    };
  }
}
