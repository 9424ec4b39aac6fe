/**
 * Schedule expressions of scheduled rules.
 */

const RATE = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * The period of a `rate(...)` expression in milliseconds; undefined for any
 * other expression (`cron(...)`), which the local EventBridge does not time.
 * @throws RangeError naming the expression when a rate is malformed or zero.
 */
export function ratePeriodMs(expression: string): number | undefined {
  if (!expression.startsWith('rate(')) return undefined;
  const match = RATE.exec(expression.trim());
  const value = Number(match?.[1]);
  const unit = match?.[2]?.replace(/s$/, '');
  if (!match || !(value > 0) || (unit !== 'minute' && unit !== 'hour' && unit !== 'day')) {
    throw new RangeError(
      `expected a schedule such as "rate(5 minutes)", "rate(1 hour)" or "rate(2 days)", got "${expression}"`,
    );
  }
  return value * UNIT_MS[unit];
}
