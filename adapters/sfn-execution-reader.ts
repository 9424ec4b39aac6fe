/**
 * ExecutionReader on Step Functions' DescribeExecution.
 */
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionReader, ExecutionStanding } from '../core/ports.js';

/**
 * Describes executions; an execution Step Functions does not know
 * (`ExecutionDoesNotExist`: expired from its 90-day history, or lost with a
 * local cloud's restart) is undefined, any other error is the caller's.
 */
export class SfnExecutionReader implements ExecutionReader {
  constructor(private readonly client: SFNClient) {}

  async describe(executionArn: string): Promise<ExecutionStanding | undefined> {
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return {
        status: (out.status ?? 'RUNNING') as ExecutionStanding['status'],
        ...(out.input === undefined ? {} : { input: out.input }),
        ...(out.stopDate === undefined ? {} : { stopDate: out.stopDate }),
        ...(out.error === undefined ? {} : { error: out.error }),
        ...(out.cause === undefined ? {} : { cause: out.cause }),
      };
    } catch (error) {
      if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  }
}
