/**
 * Human-readable durations for workflow specs: `90s`, `15m`, `24h`, `7d`.
 */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** A duration string as written in a workflow spec, such as `24h`. */
export type DurationString = `${number}${keyof typeof UNIT_SECONDS}`;

/** The pattern a duration string must match. */
export const DURATION_PATTERN = /^(\d+)(s|m|h|d)$/;

/**
 * Converts a duration string to whole seconds.
 * @throws RangeError naming the bad value when the string is not a duration.
 */
export function durationToSeconds(duration: string): number {
  const match = DURATION_PATTERN.exec(duration);
  if (!match) {
    throw new RangeError(`expected a duration such as "90s", "15m", "24h" or "7d", got "${duration}"`);
  }
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}
