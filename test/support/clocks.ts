/**
 * Clocks for tests: time only moves when the test says so.
 */
import type { Clock } from '../../core/ports.js';

/** A clock that always returns the same instant. */
export function fixedClock(iso: string): Clock {
  const ms = parseInstant(iso);
  return () => new Date(ms);
}

/** A clock that returns `startIso` on the first call and moves `stepMs` forward on each later call. */
export function steppingClock(startIso: string, stepMs = 1000): Clock {
  let next = parseInstant(startIso);
  return () => {
    const now = new Date(next);
    next += stepMs;
    return now;
  };
}

/** A clock the test moves by hand. */
export interface ManualClock extends Clock {
  /** Moves the clock forward (or back, with a negative value) by `ms`. */
  advance(ms: number): void;
  /** Sets the clock to an instant. */
  set(iso: string): void;
}

/** A clock that stays at `startIso` until the test calls `advance` or `set`. */
export function manualClock(startIso: string): ManualClock {
  let current = parseInstant(startIso);
  const clock = () => new Date(current);
  return Object.assign(clock, {
    advance(ms: number) {
      current += ms;
    },
    set(iso: string) {
      current = parseInstant(iso);
    },
  });
}

function parseInstant(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`expected an ISO-8601 instant, got "${iso}"`);
  return ms;
}
