/**
 * The scheduler port in a Lambda: EventBridge Scheduler, with the schedule
 * group, target, role, dead-letter queue and key the stack names in
 * `AWF_FOLLOW_UP_SCHEDULER`.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { withoutDiscardedLogging } from '../../adapters/aws-clients.js';
import { EventBridgeFollowUpScheduler } from '../../adapters/scheduler-eventbridge.js';
import { ConfigurationError } from '../../core/errors.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { requireEnv } from '../config.js';

const REQUIRED = ['groupName', 'targetArn', 'roleArn', 'deadLetterArn'] as const;

/**
 * Builds the follow-up scheduler once per cold start.
 * @throws ConfigurationError when the variable is not a JSON object naming the group, target, role and queue.
 */
export function createSchedulerPort(
  _pack: WorkflowPack,
  env: NodeJS.ProcessEnv = process.env,
): EventBridgeFollowUpScheduler {
  const text = requireEnv(ENV.followUpScheduler, env);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigurationError(`${ENV.followUpScheduler} is not JSON: ${text}`, { cause: error });
  }
  for (const field of REQUIRED) {
    if (typeof config[field] !== 'string' || config[field] === '') {
      throw new ConfigurationError(`${ENV.followUpScheduler} must name ${field}, got ${text}`);
    }
  }
  const kmsKeyArn = typeof config.kmsKeyArn === 'string' ? config.kmsKeyArn : undefined;
  return new EventBridgeFollowUpScheduler({
    client: withoutDiscardedLogging(new SchedulerClient({})),
    groupName: String(config.groupName),
    targetArn: String(config.targetArn),
    roleArn: String(config.roleArn),
    deadLetterArn: String(config.deadLetterArn),
    ...(kmsKeyArn ? { kmsKeyArn } : {}),
  });
}
