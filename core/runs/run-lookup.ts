/**
 * Reading the run a step was handed, which must exist: Admit created it before
 * any later state could run.
 */
import { AwfError } from '../errors.js';
import type { RunRecord, RunsStore } from './records.js';

/** A step was handed a run the runs table does not hold. */
export class RunNotFoundError extends AwfError {
  constructor(
    readonly runId: string,
    step: string,
  ) {
    super(`${step}: run "${runId}" is not in the runs table`);
    this.name = 'RunNotFoundError';
  }
}

/**
 * The stored run of a step's input.
 * @throws RunNotFoundError naming the step and the run id when it is missing.
 */
export async function requireRun(
  runs: Pick<RunsStore, 'getRun'>,
  runId: string,
  step: string,
): Promise<RunRecord> {
  const run = await runs.getRun(runId);
  if (!run) throw new RunNotFoundError(runId, step);
  return run;
}
