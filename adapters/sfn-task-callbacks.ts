/**
 * TaskCallbacks on Step Functions' callback API.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskCallbacks } from '../core/ports.js';

/** Step Functions caps `cause` at 32,768 characters and `error` at 256. */
const MAX_CAUSE = 32_768;
const MAX_ERROR = 256;

/**
 * Sends task success and failure. Errors keep the SDK's names
 * (`TaskTimedOut`, `TaskDoesNotExist`, `InvalidToken`) so callers can tell a
 * task that is gone from a failure worth retrying.
 */
export class SfnTaskCallbacks implements TaskCallbacks {
  constructor(private readonly client: SFNClient) {}

  async succeed(taskToken: string, output: unknown): Promise<void> {
    await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output ?? null) }));
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    await this.client.send(
      new SendTaskFailureCommand({
        taskToken,
        error: error.slice(0, MAX_ERROR),
        cause: cause.slice(0, MAX_CAUSE),
      }),
    );
  }
}
