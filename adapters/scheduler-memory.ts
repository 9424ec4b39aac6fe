/**
 * FollowUpScheduler kept in memory: for `awf packs test`, which runs a
 * pack's examples without AWS, and for tests. Like EventBridge Scheduler it
 * keeps one schedule per name (a second create of a name is ignored) and
 * forgets a deleted one; it fires nothing itself: whoever holds it asks which
 * schedules are due at a time and fires them.
 */
import type { FollowUpSchedule, FollowUpScheduler } from '../core/followup/scheduler.js';

/** The schedules, by name. */
export class InMemoryFollowUpScheduler implements FollowUpScheduler {
  private readonly schedules = new Map<string, FollowUpSchedule>();

  async create(schedule: FollowUpSchedule): Promise<void> {
    await Promise.resolve();
    if (!this.schedules.has(schedule.name)) this.schedules.set(schedule.name, structuredClone(schedule));
  }

  async delete(name: string): Promise<void> {
    await Promise.resolve();
    this.schedules.delete(name);
  }

  /** Every schedule not deleted, by due time. */
  list(): FollowUpSchedule[] {
    return [...this.schedules.values()].sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  }

  /** The schedules due at `now`, taken out as a one-time schedule is once it fires. */
  takeDue(now: Date): FollowUpSchedule[] {
    const due = this.list().filter((schedule) => Date.parse(schedule.dueAt) <= now.getTime());
    for (const schedule of due) this.schedules.delete(schedule.name);
    return due;
  }
}
