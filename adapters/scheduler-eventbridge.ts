/**
 * FollowUpScheduler on EventBridge Scheduler: one one-time schedule per
 * follow-up (`at(yyyy-mm-ddThh:mm:ss)` in UTC), in the workflow's schedule
 * group, deleted by the service once it has fired (`ActionAfterCompletion:
 * DELETE`). Its target is the follow-up step's function, invoked with the
 * follow-up's id; a failed invocation is retried by the scheduler, then sent
 * to the dead-letter queue. With a KMS key, the schedule (its input included)
 * is encrypted with the workflow's key.
 */
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { AwfError } from '../core/errors.js';
import type { FollowUpSchedule, FollowUpScheduler } from '../core/followup/scheduler.js';

/** Where the schedules go and what they invoke. */
export interface EventBridgeFollowUpSchedulerProps {
  readonly client: SchedulerClient;
  /** The workflow's schedule group. */
  readonly groupName: string;
  /** The follow-up step's function ARN. */
  readonly targetArn: string;
  /** The role the scheduler assumes to invoke it (lambda:InvokeFunction on that function only). */
  readonly roleArn: string;
  /** The queue invocations that keep failing land in. */
  readonly deadLetterArn: string;
  /** The workflow's KMS key, when its other resources are encrypted with one. */
  readonly kmsKeyArn?: string;
  /**
   * How often a failed invocation is tried again, and for how long.
   * @default { attempts: 185, maxAgeSeconds: 86_400 } (the service's maximum)
   */
  readonly retry?: { readonly attempts: number; readonly maxAgeSeconds: number };
}

/** `2026-11-02T14:22:00.000Z` -> `at(2026-11-02T14:22:00)`: the one-time expression, in UTC. */
export function atExpression(dueAt: string): string {
  const at = new Date(dueAt);
  if (Number.isNaN(at.getTime()))
    throw new AwfError(`a schedule's due time must be ISO-8601, got "${dueAt}"`);
  return `at(${at.toISOString().slice(0, 19)})`;
}

/** The error's name: matched by name, as a bundle may hold its own copy of the SDK's error classes. */
function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** EventBridge Scheduler as the follow-ups' scheduler. */
export class EventBridgeFollowUpScheduler implements FollowUpScheduler {
  constructor(private readonly props: EventBridgeFollowUpSchedulerProps) {}

  async create(schedule: FollowUpSchedule): Promise<void> {
    const { client, groupName, targetArn, roleArn, deadLetterArn, kmsKeyArn } = this.props;
    const retry = this.props.retry ?? { attempts: 185, maxAgeSeconds: 86_400 };
    try {
      await client.send(
        new CreateScheduleCommand({
          Name: schedule.name,
          GroupName: groupName,
          ScheduleExpression: atExpression(schedule.dueAt),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          State: 'ENABLED',
          ...(kmsKeyArn ? { KmsKeyArn: kmsKeyArn } : {}),
          Target: {
            Arn: targetArn,
            RoleArn: roleArn,
            Input: JSON.stringify(schedule.payload),
            RetryPolicy: {
              MaximumRetryAttempts: retry.attempts,
              MaximumEventAgeInSeconds: retry.maxAgeSeconds,
            },
            DeadLetterConfig: { Arn: deadLetterArn },
          },
          // The same request on a retry: the service answers it as the first one.
          ClientToken: schedule.name,
        }),
      );
    } catch (error) {
      // A retried Act: the schedule of this follow-up exists already.
      if (errorName(error) === 'ConflictException') return;
      throw error;
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.props.client.send(
        new DeleteScheduleCommand({
          Name: name,
          GroupName: this.props.groupName,
          ClientToken: `delete-${name}`,
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return;
      throw error;
    }
  }
}
