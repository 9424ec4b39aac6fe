/**
 * The local cloud's scaled clock: every part reads one origin and speed, so
 * the steps' clocks and the emulation's timers agree; bad values are refused
 * with the value named.
 */
import {
  checkSpeed,
  clockFromEnvironment,
  formatClockScale,
  parseClockScale,
  scaledNow,
} from '../../../core/clock-scale.js';
import { scaledTime } from '../../../local/clock/scaled-time.js';
import { systemTime } from '../../../local/clock/time-source.js';

describe('the scaled clock', () => {
  const scale = { originMs: Date.parse('2026-11-02T14:00:00Z'), speed: 60 };

  it('runs `speed` times faster than the wall clock from its origin', () => {
    expect(scaledNow(scale, scale.originMs + 60_000).toISOString()).toBe('2026-11-02T15:00:00.000Z');
  });

  it('gives the step Lambdas the same clock through their environment, and the wall clock when unset', () => {
    const env = { AWF_LOCAL_CLOCK: formatClockScale(scale) };
    expect(parseClockScale(env.AWF_LOCAL_CLOCK)).toEqual(scale);
    const clock = clockFromEnvironment(env);
    const expected = scaledNow(scale).getTime();
    expect(Math.abs(clock().getTime() - expected)).toBeLessThan(60 * 1000);
    const wall = clockFromEnvironment({});
    expect(Math.abs(wall().getTime() - Date.now())).toBeLessThan(1000);
  });

  it('fires a timer after the scaled delay', async () => {
    const time = scaledTime({ originMs: Date.now(), speed: 1000 });
    const fired = await new Promise<boolean>((resolve) => {
      time.setTimer(2000, () => resolve(true)); // 2 s of scaled time: 2 ms of wall time
    });
    expect(fired).toBe(true);
    expect(scaledTime({ originMs: 0, speed: 1 })).toBe(systemTime);
  });

  it('refuses a malformed clock variable or a speed out of range, naming the value', () => {
    expect(() => parseClockScale('fast')).toThrow(
      'AWF_LOCAL_CLOCK: expected "<origin epoch ms>x<speed>", got "fast"',
    );
    expect(() => checkSpeed(0.5)).toThrow('speed: expected a number from 1 to 3600, got 0.5');
    expect(() => checkSpeed(Number.NaN)).toThrow('got NaN');
    expect(() => parseClockScale('1x99999')).toThrow('got 99999');
  });
});
