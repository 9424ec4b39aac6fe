/**
 * Task tokens of the callback pattern (`.waitForTaskToken`), emulated.
 *
 * The runner cannot wait for callbacks, so the local handler of a callback
 * Task opens a token here and waits on its outcome; SendTaskSuccess,
 * SendTaskFailure and SendTaskHeartbeat settle or extend it. A token that was
 * settled, timed out or belongs to an execution that ended is remembered as
 * closed, so late callers get `TaskTimedOut` as they would from AWS.
 */
import { randomBytes } from 'node:crypto';
import { type CancelTimer, systemTime, type TimeSource } from '../clock/time-source.js';
import { AwsServiceError } from '../http/json-protocol.js';
import { startTimer } from './timers.js';

/** How a waiting task ended. */
export type TaskOutcome =
  | { readonly kind: 'succeeded'; readonly output: string }
  | { readonly kind: 'failed'; readonly error: string; readonly cause: string }
  | { readonly kind: 'heartbeat-timed-out' }
  /** Closed from outside: the execution was stopped, timed out, or the task's own timeout fired. */
  | { readonly kind: 'closed' };

/** A token a task is waiting on. */
export interface OpenTaskToken {
  readonly token: string;
  /** Resolves once, with how the task ended; never rejects. */
  readonly outcome: Promise<TaskOutcome>;
  /** Closes the token (resolving `outcome` with `closed` if still open); idempotent. */
  close(): void;
}

/** Who a token belongs to, for closing every token of an execution at once. */
export interface TaskTokenOwner {
  readonly executionArn: string;
  readonly stateName: string;
}

interface OpenEntry {
  readonly owner: TaskTokenOwner;
  readonly heartbeatSeconds?: number;
  cancelHeartbeat?: CancelTimer;
  settle(outcome: TaskOutcome): void;
}

/** Prefix that makes local tokens recognisable (and malformed ones detectable) without a lookup. */
const TOKEN_PREFIX = 'AWFLOCAL';
const TOKEN_PATTERN = /^AWFLOCAL[A-Za-z0-9_-]{64}$/;
/** AWS's limits for SendTaskFailure's `error` and `cause`. */
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;
/** AWS's limit for SendTaskSuccess's `output` (256 KiB). */
const MAX_OUTPUT_BYTES = 262_144;

/** The open and closed task tokens of one local Step Functions. */
export class TaskTokenRegistry {
  readonly #open = new Map<string, OpenEntry>();
  readonly #closed = new Set<string>();
  readonly #time: TimeSource;

  /** @param time the clock heartbeat timeouts run on */
  constructor(time: TimeSource = systemTime) {
    this.#time = time;
  }

  /**
   * Mints a token and starts its heartbeat clock (when `heartbeatSeconds` is set):
   * without a SendTaskHeartbeat (or a result) within that time, the outcome is
   * `heartbeat-timed-out`.
   */
  open(owner: TaskTokenOwner, heartbeatSeconds?: number): OpenTaskToken {
    const token = `${TOKEN_PREFIX}${randomBytes(48).toString('base64url')}`;
    let resolveOutcome: (outcome: TaskOutcome) => void = () => undefined;
    const outcome = new Promise<TaskOutcome>((resolve) => {
      resolveOutcome = resolve;
    });
    const entry: OpenEntry = {
      owner,
      heartbeatSeconds,
      settle: (result) => {
        if (!this.#open.delete(token)) return;
        entry.cancelHeartbeat?.();
        this.#closed.add(token);
        resolveOutcome(result);
      },
    };
    this.#open.set(token, entry);
    this.#armHeartbeat(entry);
    return { token, outcome, close: () => entry.settle({ kind: 'closed' }) };
  }

  /**
   * SendTaskSuccess.
   * @throws AwsServiceError `InvalidOutput` when `output` is not JSON, or a token error.
   */
  succeed(token: string, output: string): void {
    const entry = this.#require(token);
    if (Buffer.byteLength(output) > MAX_OUTPUT_BYTES) {
      throw new AwsServiceError('InvalidOutput', `output exceeds ${MAX_OUTPUT_BYTES} bytes`);
    }
    try {
      JSON.parse(output);
    } catch {
      throw new AwsServiceError('InvalidOutput', `output is not valid JSON: ${output.slice(0, 200)}`);
    }
    entry.settle({ kind: 'succeeded', output });
  }

  /**
   * SendTaskFailure.
   * @throws AwsServiceError `ValidationException` when `error` or `cause` is too long, or a token error.
   */
  fail(token: string, error = '', cause = ''): void {
    const entry = this.#require(token);
    if (error.length > MAX_ERROR_LENGTH) {
      throw new AwsServiceError(
        'ValidationException',
        `error must be at most ${MAX_ERROR_LENGTH} characters`,
      );
    }
    if (cause.length > MAX_CAUSE_LENGTH) {
      throw new AwsServiceError(
        'ValidationException',
        `cause must be at most ${MAX_CAUSE_LENGTH} characters`,
      );
    }
    entry.settle({ kind: 'failed', error, cause });
  }

  /** SendTaskHeartbeat: restarts the token's heartbeat clock. */
  heartbeat(token: string): void {
    this.#armHeartbeat(this.#require(token));
  }

  /** Closes every open token of an execution (it stopped, failed or timed out). */
  closeAllOf(executionArn: string): void {
    for (const entry of [...this.#open.values()]) {
      if (entry.owner.executionArn === executionArn) entry.settle({ kind: 'closed' });
    }
  }

  /** Closes every open token; used when the service stops. */
  closeAll(): void {
    for (const entry of [...this.#open.values()]) entry.settle({ kind: 'closed' });
  }

  /** Number of tokens tasks are waiting on. */
  get openCount(): number {
    return this.#open.size;
  }

  #armHeartbeat(entry: OpenEntry): void {
    if (entry.heartbeatSeconds === undefined) return;
    entry.cancelHeartbeat?.();
    entry.cancelHeartbeat = startTimer(this.#time, entry.heartbeatSeconds, () =>
      entry.settle({ kind: 'heartbeat-timed-out' }),
    );
  }

  #require(token: string): OpenEntry {
    const entry = this.#open.get(token);
    if (entry) return entry;
    if (this.#closed.has(token)) {
      throw new AwsServiceError(
        'TaskTimedOut',
        'the task token has expired or the task it belongs to has already been closed',
      );
    }
    if (!TOKEN_PATTERN.test(token)) {
      throw new AwsServiceError('InvalidToken', `invalid task token: ${JSON.stringify(token.slice(0, 80))}`);
    }
    throw new AwsServiceError('TaskDoesNotExist', 'no task is waiting on this task token');
  }
}
