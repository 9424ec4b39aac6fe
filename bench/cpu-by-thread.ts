/**
 * CPU time of the bench's process, split by thread: the main thread (Step
 * Functions, EventBridge, the HTTP endpoints, the stream mappings), the Lambda
 * execution environments' worker threads, and the rest (V8's garbage
 * collection and compiler threads, libuv's pool, environments that ended);
 * and of another process, such as DynamoDB Local's JVM.
 *
 * Linux only (`/proc`): elsewhere a figure that cannot be read is 0 and the
 * whole process's time lands in `otherThreads`.
 */
import { readFileSync } from 'node:fs';

/** Linux reports CPU times in clock ticks of 1/100 s (USER_HZ). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) from a `/proc/.../stat` file; undefined when unreadable. */
function statCpuSeconds(path: string): number | undefined {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 12th, stime the 13th.
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used; undefined when unreadable. */
export function processCpuSeconds(pid: number): number | undefined {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** A Lambda environment's thread (`LambdaHost.environmentThreads`). */
export interface EnvironmentThread {
  readonly functionName: string;
  readonly osThreadId: number;
}

/** This process's CPU seconds by kind of thread. */
export interface NodeCpuSeconds {
  readonly total: number;
  readonly mainThread: number;
  readonly lambdaWorkers: number;
  /** The Lambda environments' seconds by function name. */
  readonly byFunction: Readonly<Record<string, number>>;
  /** Everything else: V8's GC and compiler threads, libuv's pool, worker threads that have ended. */
  readonly otherThreads: number;
}

/** This process's CPU seconds so far, split by thread. */
export function nodeCpuSeconds(lambdaThreads: readonly EnvironmentThread[]): NodeCpuSeconds {
  const usage = process.cpuUsage();
  const total = (usage.user + usage.system) / 1e6;
  const mainThread = statCpuSeconds(`/proc/self/task/${process.pid}/stat`) ?? 0;
  const byFunction: Record<string, number> = {};
  for (const { functionName, osThreadId } of lambdaThreads) {
    const seconds = statCpuSeconds(`/proc/self/task/${osThreadId}/stat`) ?? 0;
    byFunction[functionName] = (byFunction[functionName] ?? 0) + seconds;
  }
  const lambdaWorkers = Object.values(byFunction).reduce((sum, seconds) => sum + seconds, 0);
  return {
    total,
    mainThread,
    lambdaWorkers,
    byFunction,
    otherThreads: Math.max(0, total - mainThread - lambdaWorkers),
  };
}

/** Milliseconds per run, one decimal. */
function msPerRun(seconds: number, runs: number): number {
  return Math.round((seconds * 10_000) / runs) / 10;
}

/**
 * Milliseconds of CPU per run between two readings, one decimal; the Lambda
 * functions' by their short names (`shortName`), largest first.
 * A worker thread that ended between them takes its time out of `lambdaWorkers`
 * and into `otherThreads`; the bench's environments live from warm-up to the end.
 */
export function cpuMsPerRun(
  later: NodeCpuSeconds,
  earlier: NodeCpuSeconds,
  runs: number,
  shortName: (functionName: string) => string = (name) => name,
) {
  const ms = (key: 'total' | 'mainThread' | 'lambdaWorkers' | 'otherThreads') =>
    msPerRun(later[key] - earlier[key], runs);
  const byFunction = Object.entries(later.byFunction)
    .map(
      ([name, seconds]) =>
        [shortName(name), msPerRun(seconds - (earlier.byFunction[name] ?? 0), runs)] as const,
    )
    .filter(([, ms]) => ms > 0)
    .sort(([, a], [, b]) => b - a);
  return {
    total: ms('total'),
    mainThread: ms('mainThread'),
    lambdaWorkers: ms('lambdaWorkers'),
    otherThreads: ms('otherThreads'),
    lambdaByFunction: Object.fromEntries(byFunction),
  };
}
