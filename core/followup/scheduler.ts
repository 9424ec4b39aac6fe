/**
 * Port: the scheduler that fires follow-ups. In AWS it is EventBridge
 * Scheduler (a one-time schedule per follow-up, deleted after it fires, in a
 * schedule group of the workflow, targeting the follow-up step's function);
 * the local cloud emulates that API on its clock.
 */

/** One follow-up's schedule. */
export interface FollowUpSchedule {
  /** The schedule's name: the follow-up id, so a retry names the same schedule. */
  readonly name: string;
  /** When it fires (ISO-8601, whole seconds, UTC). */
  readonly dueAt: string;
  /** What the follow-up step is invoked with. */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** Creates and deletes follow-up schedules. */
export interface FollowUpScheduler {
  /**
   * Creates the schedule; a schedule of that name that exists already (a
   * retried Act) is left as it is.
   * @throws the scheduler's errors unchanged, so the step is retried.
   */
  create(schedule: FollowUpSchedule): Promise<void>;
  /** Deletes the schedule; one already gone (it fired, or was deleted) is no error. */
  delete(name: string): Promise<void>;
}
