/**
 * A clock that only moves when told to, or when everything else waits.
 *
 * Tests and `awf packs test` run the real state machine and the real steps on
 * it: a 24-hour approval timeout, a heartbeat or a reminder interval takes as
 * long as the code around it needs, not as long as it says. Time stands still
 * while anything is still happening (promises resolving, steps running); once
 * the process has nothing left to do but wait, the clock jumps to the next
 * timer and fires it.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { AwfError } from '../../core/errors.js';
import type { CancelTimer, TimeSource } from './time-source.js';

interface PendingTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** Nothing can happen any more: the awaited work waits, and no timer is set. */
export class VirtualClockDeadlockError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'VirtualClockDeadlockError';
  }
}

/** What tells {@link VirtualClock.runUntilSettled} that the process is still busy. */
export interface IdleWatch {
  readonly progress?: () => number;
  readonly busy?: () => boolean;
}

/**
 * Macrotask turns without progress after which the process counts as waiting.
 * Everything the pack runner and the local Step Functions do in between is
 * promises and `setImmediate`, which all run within a couple of turns.
 */
const IDLE_TURNS = 3;

/**
 * A {@link TimeSource} whose time advances only through {@link advanceTo},
 * {@link advanceToNextTimer} or {@link runUntilSettled}.
 *
 * @example
 * const clock = new VirtualClock(new Date('2026-11-02T14:21:00Z'));
 * const result = await clock.runUntilSettled(execution.settled); // fires timers as the run waits
 */
export class VirtualClock implements TimeSource {
  #now: number;
  #nextId = 0;
  #timers: PendingTimer[] = [];
  /** Incremented whenever a timer is set or cancelled: a sign that the process is not idle. */
  #activity = 0;

  constructor(start: Date) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  setTimer(ms: number, callback: () => void): CancelTimer {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), callback };
    this.#timers.push(timer);
    this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
    this.#activity++;
    return () => {
      const before = this.#timers.length;
      this.#timers = this.#timers.filter((pending) => pending.id !== timer.id);
      if (this.#timers.length !== before) this.#activity++;
    };
  }

  /**
   * Sets the clock to `time`, earlier or later, when no timer is pending: a
   * new scenario on the same clock (the pack runner's next example).
   * @throws AwfError when timers are pending, which would fire out of order
   */
  restartAt(time: Date): void {
    if (this.#timers.length > 0) {
      throw new AwfError(`cannot restart the clock with ${this.#timers.length} timer(s) pending`);
    }
    this.#now = time.getTime();
  }

  /** Timers set and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Moves the clock to `time`, firing every timer due by then in order (each
   * at its own time). The clock never goes back.
   */
  advanceTo(time: Date): void {
    const target = time.getTime();
    for (;;) {
      const [next] = this.#timers;
      if (!next || next.at > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    this.#now = Math.max(this.#now, target);
  }

  /**
   * Moves the clock to the next timer and fires it (and any due at the same time).
   * @returns false when no timer is set
   */
  advanceToNextTimer(): boolean {
    const [next] = this.#timers;
    if (!next) return false;
    this.advanceTo(new Date(next.at));
    return true;
  }

  /**
   * Waits for `work`, advancing the clock to the next timer whenever the
   * process has nothing else to do: no timer set or cancelled, no `progress`
   * and not `busy` for a few macrotask turns.
   *
   * @param watch.progress a counter that grows while the work makes progress
   *   (history events, invocations); without it only timers count
   * @param watch.busy true while something runs that may wait on real time
   *   (a step invocation whose retries back off on Node's timers): the clock
   *   never jumps then
   * @throws VirtualClockDeadlockError when `work` waits and no timer is left to fire
   * @throws whatever `work` rejects with
   */
  async runUntilSettled<T>(work: Promise<T>, watch: IdleWatch = {}): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    // Reported through `watched`; this copy only keeps the rejection from going unhandled.
    watched.catch(() => undefined);
    while (!settled) {
      await this.#idle(() => settled, watch);
      if (settled) break;
      if (!this.advanceToNextTimer()) {
        throw new VirtualClockDeadlockError(
          `the awaited work waits at ${this.now().toISOString()}, and no timer is set that could wake it`,
        );
      }
    }
    return watched;
  }

  /** Resolves once `IDLE_TURNS` macrotask turns pass with nothing happening, or `done()`. */
  async #idle(done: () => boolean, watch: IdleWatch): Promise<void> {
    const mark = () => `${this.#activity}/${watch.progress?.() ?? 0}`;
    let quiet = 0;
    let seen = mark();
    while (quiet < IDLE_TURNS && !done()) {
      await nextMacrotask();
      const now = mark();
      if (now === seen && !watch.busy?.()) quiet++;
      else {
        seen = now;
        quiet = 0;
      }
    }
  }
}
