/**
 * The error a local Task (or Wait) state fails with.
 */
import { AwfError } from '../../core/errors.js';

/**
 * A Task failure as Step Functions reports it: `name` is the error name
 * (`States.Timeout`, a Lambda's `errorType`, SendTaskFailure's `error`) that
 * Retry and Catch match on, and `message` is the `Cause`.
 */
export class TaskError extends AwfError {
  constructor(errorName: string, cause: string) {
    super(cause);
    this.name = errorName;
  }
}
