/**
 * Timers for timeouts measured in seconds, as ASL writes them, on the
 * emulation's time source (the system clock, or a virtual clock in tests and
 * `awf packs test`).
 */
import { type CancelTimer, MAX_TIMER_MS, type TimeSource } from '../clock/time-source.js';

/** The longest delay a timer supports, in seconds; longer ones never fire. */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/**
 * Calls `callback` after `seconds` of `time`'s clock; a delay beyond
 * {@link MAX_TIMER_SECONDS} never fires (no local session lasts that long).
 * @returns the function that cancels the timer
 */
export function startTimer(time: TimeSource, seconds: number, callback: () => void): CancelTimer {
  if (seconds > MAX_TIMER_SECONDS) return () => undefined;
  return time.setTimer(seconds * 1000, callback);
}
