/**
 * Timers for timeouts measured in seconds, as ASL writes them.
 */

/**
 * The longest delay a Node timer supports (2^31 - 1 ms, about 24.8 days).
 * Longer delays would fire at once instead.
 */
export const MAX_TIMER_SECONDS = Math.floor(2_147_483_647 / 1000);

/**
 * Calls `callback` after `seconds`; a delay beyond {@link MAX_TIMER_SECONDS}
 * never fires (no local session lasts that long), and no timer is created.
 * @returns the timer to clear, if one was started
 */
export function startTimer(seconds: number, callback: () => void): NodeJS.Timeout | undefined {
  if (seconds > MAX_TIMER_SECONDS) return undefined;
  return setTimeout(callback, seconds * 1000);
}
