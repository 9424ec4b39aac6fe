/**
 * Where the local cloud and the pack runner take their time from: the current
 * time and timers, together, so a virtual clock can move both.
 */

/** Cancels a timer; calling it after the timer fired, or twice, does nothing. */
export type CancelTimer = () => void;

/** The current time and timers on one clock. */
export interface TimeSource {
  /** The current time on this clock. */
  now(): Date;
  /**
   * Calls `callback` once `ms` of this clock's time have passed.
   * @returns a function that cancels the timer
   */
  setTimer(ms: number, callback: () => void): CancelTimer;
}

/**
 * The longest delay a Node timer supports (2^31 - 1 ms, about 24.8 days).
 * Longer delays would fire at once instead.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * The system clock and Node's timers. A delay beyond {@link MAX_TIMER_MS}
 * never fires (no local session lasts that long), and no timer is created.
 */
export const systemTime: TimeSource = {
  now: () => new Date(),
  setTimer(ms, callback) {
    if (ms > MAX_TIMER_MS) return () => undefined;
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};
