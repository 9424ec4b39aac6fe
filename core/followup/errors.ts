/**
 * What can go wrong with a follow-up request, each named for what was wrong.
 */
import { AwfError } from '../errors.js';

/** No follow-up of that id exists in this workflow. */
export class FollowUpNotFoundError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'FollowUpNotFoundError';
  }
}

/** The follow-up was fired before it is due: only its schedule fires it, at its time. */
export class FollowUpNotDueError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'FollowUpNotDueError';
  }
}

/** A cancellation asked of a follow-up that has run or been cancelled already. */
export class FollowUpNotPendingError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'FollowUpNotPendingError';
  }
}
