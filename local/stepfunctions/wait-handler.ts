/**
 * Wait states, run by the emulation on its own time source instead of the
 * runner's Node timers: on a virtual clock (tests, `awf packs test`) a Wait of
 * a day takes no real time, and on the local cloud's scaled clock it takes
 * `1/speed` of its length.
 */
import type { TimeSource } from '../clock/time-source.js';
import type { WaitStateInfo } from './definition.js';
import { TaskError } from './task-error.js';

/** Reads a reference path (`$`, `$.a.b`, `$.items[0].at`) from `input`; undefined when absent. */
export function readReferencePath(input: unknown, path: string): unknown {
  if (!path.startsWith('$')) return undefined;
  const segments = [...path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]/g)];
  const consumed = segments.map((match) => match[0]).join('');
  if (consumed !== path.slice(1)) {
    throw new TaskError('States.Runtime', `the reference path ${JSON.stringify(path)} is not supported`);
  }
  let value: unknown = input;
  for (const match of segments) {
    const key = match[1] ?? match[3];
    if (key !== undefined) {
      value =
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? (value as Record<string, unknown>)[key]
          : undefined;
    } else {
      value = Array.isArray(value) ? value[Number(match[2])] : undefined;
    }
  }
  return value;
}

/**
 * How long a Wait state waits for `input`, in milliseconds (0 for a time already passed).
 * @throws TaskError `States.Runtime` when a path is missing or holds the wrong type, as in AWS
 */
export function waitMs(wait: WaitStateInfo, input: unknown, now: Date): number {
  const where = `Wait state "${wait.stateName}"`;
  if (wait.seconds !== undefined) return wait.seconds * 1000;
  if (wait.secondsPath !== undefined) {
    const seconds = readReferencePath(input, wait.secondsPath);
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      throw new TaskError(
        'States.Runtime',
        `${where}: SecondsPath ${wait.secondsPath} must hold a whole number of seconds >= 0, got ${JSON.stringify(seconds)}`,
      );
    }
    return seconds * 1000;
  }
  const timestamp =
    wait.timestamp ??
    (wait.timestampPath === undefined ? undefined : readReferencePath(input, wait.timestampPath));
  const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new TaskError(
      'States.Runtime',
      `${where}: expected an ISO 8601 timestamp${wait.timestampPath ? ` at ${wait.timestampPath}` : ''}, got ${JSON.stringify(timestamp)}`,
    );
  }
  return Math.max(0, at - now.getTime());
}

/**
 * Waits as the Wait state says, on `time`, unless the execution ends first.
 * @returns the state's input, unchanged: a Wait passes its input on
 */
export async function runWait(
  wait: WaitStateInfo,
  input: unknown,
  time: TimeSource,
  closed: AbortSignal,
): Promise<unknown> {
  const ms = waitMs(wait, input, time.now());
  await new Promise<void>((resolve, reject) => {
    const onClosed = () => {
      cancel();
      reject(new TaskError('States.Runtime', 'the execution ended while this state was waiting'));
    };
    const cancel = time.setTimer(ms, () => {
      closed.removeEventListener('abort', onClosed);
      resolve();
    });
    if (closed.aborted) onClosed();
    else closed.addEventListener('abort', onClosed, { once: true });
  });
  return input;
}
