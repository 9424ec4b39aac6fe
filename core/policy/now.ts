/**
 * `context.now`: the time a decision is made, from the deciding step's own
 * clock (never from the model or the event), with the wall-clock parts a
 * policy needs in the time zone the spec names (`spec.timezone`).
 *
 * ```cedar
 * forbid (principal, action == Awf::Action::"grantAccess", resource)
 * when { context.now.hour < 9 || context.now.hour >= 18 || context.now.weekday == "saturday" };
 * ```
 */

/** Weekday names as `context.now.weekday` gives them. */
export const WEEKDAYS = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;

/** The values of `context.now`. */
export interface PolicyNow {
  /** The instant, a Cedar `datetime` (UTC). */
  readonly datetime: Date;
  /** The local date in the spec's time zone, `YYYY-MM-DD`. */
  readonly date: string;
  /** The local hour, 0 to 23. */
  readonly hour: number;
  /** The local minute, 0 to 59. */
  readonly minute: number;
  /** The local weekday, lowercase English (`monday`). */
  readonly weekday: (typeof WEEKDAYS)[number];
  /** The IANA time zone the local parts are in. */
  readonly timezone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      weekday: 'long',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/**
 * `context.now` for an instant in a time zone.
 * @throws RangeError when the time zone is unknown (the spec validates it first).
 * @example
 * policyNow(new Date('2026-12-04T22:58:12Z'), 'Europe/Paris');
 * // { date: '2026-12-04', hour: 23, minute: 58, weekday: 'friday', timezone: 'Europe/Paris', ... }
 */
export function policyNow(instant: Date, timezone: string): PolicyNow {
  // UTC needs no time zone data: the Date's own UTC fields, and no ICU
  // formatter built at a Lambda's first decision (10 to 17 ms of a cold start).
  if (timezone === 'UTC') return utcNow(instant);
  const parts = Object.fromEntries(
    formatterFor(timezone)
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  const weekday = String(parts.weekday).toLowerCase() as PolicyNow['weekday'];
  return {
    datetime: new Date(instant.getTime()),
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday,
    timezone,
  };
}

/** `context.now` in UTC, from the instant's UTC fields. */
function utcNow(instant: Date): PolicyNow {
  const iso = instant.toISOString();
  return {
    datetime: new Date(instant.getTime()),
    date: iso.slice(0, 10),
    hour: instant.getUTCHours(),
    minute: instant.getUTCMinutes(),
    weekday: WEEKDAYS[instant.getUTCDay()] as PolicyNow['weekday'],
    timezone: 'UTC',
  };
}
