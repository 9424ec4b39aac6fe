/**
 * The local cloud's scaled time source (see `core/clock-scale.ts`): its time,
 * and timers that fire after `ms / speed` of wall time.
 */
import { type ClockScale, checkSpeed, scaledNow } from '../../core/clock-scale.js';
import { systemTime, type TimeSource } from './time-source.js';

/** The time source of a scaled clock; the system's at speed 1. */
export function scaledTime(scale: ClockScale): TimeSource {
  checkSpeed(scale.speed);
  if (scale.speed === 1) return systemTime;
  return {
    now: () => scaledNow(scale),
    setTimer: (ms, callback) => systemTime.setTimer(ms / scale.speed, callback),
  };
}
