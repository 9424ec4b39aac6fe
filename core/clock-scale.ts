/**
 * A clock that runs faster than the wall clock, for demos of the local cloud:
 * at speed 60 an hour passes in a minute, so a reminder interval or an
 * approval timeout can be watched happening.
 *
 * The local cloud's parts all read one such clock: the Step Functions
 * emulation and the EventBridge schedules through `local/clock/scaled-time.ts`,
 * and the step Lambdas through their environment (`ENV.localClock`), which
 * only the local cloud sets. Deployed stacks never set it.
 */
import { AwfError } from './errors.js';
import type { Clock } from './ports.js';
import { ENV } from './runtime-env.js';

/** The fastest speed accepted: beyond it, a Lambda's own latency would span virtual hours. */
export const MAX_SPEED = 3600;

/** A scaled clock's definition. */
export interface ClockScale {
  /** Wall-clock instant (epoch ms) at which the scaled clock reads the same as the wall clock. */
  readonly originMs: number;
  /** Scaled milliseconds per wall-clock millisecond. */
  readonly speed: number;
}

/**
 * Checks a speed factor.
 * @throws AwfError naming the value when it is not a number from 1 to {@link MAX_SPEED}
 */
export function checkSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed < 1 || speed > MAX_SPEED) {
    throw new AwfError(`speed: expected a number from 1 to ${MAX_SPEED}, got ${speed}`);
  }
  return speed;
}

/** The current time on a scaled clock. */
export function scaledNow({ originMs, speed }: ClockScale, wallMs: number = Date.now()): Date {
  return new Date(originMs + (wallMs - originMs) * speed);
}

/** `<origin>x<speed>`, the value of `ENV.localClock`. */
export function formatClockScale({ originMs, speed }: ClockScale): string {
  return `${originMs}x${speed}`;
}

/**
 * Reads a `ENV.localClock` value.
 * @returns undefined when the variable is unset (the wall clock)
 * @throws AwfError naming the value when it is malformed
 */
export function parseClockScale(value: string | undefined): ClockScale | undefined {
  if (value === undefined || value === '') return undefined;
  const match = /^(\d+)x(\d+(?:\.\d+)?)$/.exec(value);
  if (!match) {
    throw new AwfError(
      `${ENV.localClock}: expected "<origin epoch ms>x<speed>", got ${JSON.stringify(value)}`,
    );
  }
  return { originMs: Number(match[1]), speed: checkSpeed(Number(match[2])) };
}

/**
 * The clock a step runs on: the wall clock, or the local cloud's scaled clock
 * when its environment names one.
 * @throws AwfError when the variable is malformed
 */
export function clockFromEnvironment(env: NodeJS.ProcessEnv = process.env): Clock {
  const scale = parseClockScale(env[ENV.localClock]);
  return scale ? () => scaledNow(scale) : () => new Date();
}
