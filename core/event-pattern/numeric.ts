/**
 * How EventBridge compares numbers.
 *
 * EventBridge documents numeric matching for JSON numbers between -5.0e9 and
 * +5.0e9 inclusive, precise to six digits right of the decimal point. We compare
 * numbers as whole millionths ("micros") so that values EventBridge treats as
 * equal (`0.1` and `0.1000000001`) are equal here too, and so that float noise
 * such as `0.1 * 3` does not split a boundary.
 */

/** The largest magnitude EventBridge compares numerically. */
export const NUMERIC_LIMIT = 5e9;

/**
 * A number as whole millionths, or `undefined` when EventBridge cannot compare
 * it numerically (outside ±5.0e9, or not finite).
 */
export function toMicros(value: number): number | undefined {
  if (!(value >= -NUMERIC_LIMIT && value <= NUMERIC_LIMIT)) return undefined;
  // 5e9 * 1e6 = 5e15 stays below 2^53, so the rounded product is an exact integer.
  return Math.round(value * 1e6);
}
