/**
 * Parked runs: events that arrive while their workflow is halted.
 *
 * A halt stops every new effect at once (`core/policy/switch.ts`), but the
 * events that keep arriving are business requests awf accepted: they must not
 * be lost, nor end as escalations nobody asked for. So Admit records the run
 * as usual and, when the workflow is halted, the execution waits on a task
 * token before it grounds anything: the park step seals that token and keeps
 * it in a parked-run item, and the switch step, when an operator resumes the
 * workflow, opens each token and lets its run go on. A run parked longer than
 * the execution's timeout ends TIMED_OUT and is closed by the reconciler,
 * like any other execution that ends.
 */

/** A run waiting for its workflow to be resumed, as the runs table keeps it. */
export interface ParkedRun {
  readonly workflowId: string;
  readonly runId: string;
  /** When the run was parked (ISO-8601). */
  readonly parkedAt: string;
  /**
   * The execution's task token, sealed for this run (`TaskTokenSeal`, the run
   * id as context): only the switch step can open it, to release the run.
   */
  readonly sealedToken: string;
}

/** The context a parked run's token is sealed under: its run, so a token cannot be moved to another. */
export function parkedTokenContext(runId: string): string {
  return `parked:${runId}`;
}
