/**
 * `context.now` in UTC is computed from the instant's own UTC fields (no time
 * zone data needed); it must say exactly what the time zone database says.
 */
import { policyNow } from '../../../core/policy/now.js';

describe('policyNow in UTC', () => {
  it('gives the same date, hour, minute and weekday as the time zone database, across days, years and leap days', () => {
    const start = Date.parse('2023-12-31T22:00:00Z');
    for (let i = 0; i < 2000; i++) {
      // Steps of 7 h 13 min cross every hour, weekday and a leap day over the sample.
      const instant = new Date(start + i * (7 * 3_600_000 + 13 * 60_000));
      const { timezone: _utc, ...fast } = policyNow(instant, 'UTC');
      const { timezone: _etc, ...database } = policyNow(instant, 'Etc/UTC');
      expect(fast).toEqual(database);
    }
  });

  it('names its zone UTC', () => {
    expect(policyNow(new Date('2026-02-28T23:59:00Z'), 'UTC')).toMatchObject({
      date: '2026-02-28',
      hour: 23,
      minute: 59,
      weekday: 'saturday',
      timezone: 'UTC',
    });
  });
});
