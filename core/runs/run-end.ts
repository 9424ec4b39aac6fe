/**
 * When a run ended and how long it took: what Complete and Escalate record in
 * the run's last lineage record and status alike.
 */

/** The end of a run that started at `startedAt` (ISO-8601) and ends `now`. */
export interface RunEnd {
  readonly endedAt: string;
  /** Milliseconds from start to end; never negative, even when clocks disagree. */
  readonly cycleTimeMs: number;
}

/** The end of a run that started at `startedAt` and ends at `now`. */
export function runEnd(startedAt: string, now: Date): RunEnd {
  return { endedAt: now.toISOString(), cycleTimeMs: Math.max(0, now.getTime() - Date.parse(startedAt)) };
}
