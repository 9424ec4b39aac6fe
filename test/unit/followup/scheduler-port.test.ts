/**
 * The scheduler port in a Lambda is configured by the stack's
 * `AWF_FOLLOW_UP_SCHEDULER`; a missing or partial configuration fails at cold
 * start, naming the variable and what it lacks.
 */
import { ConfigurationError } from '../../../core/errors.js';
import { ENV } from '../../../core/runtime-env.js';
import { createSchedulerPort } from '../../../lambdas/ports/scheduler.js';
import { anAccessPack } from '../../support/follow-up-builders.js';

const complete = {
  groupName: 'AwfWorkflows-Access-FollowUps',
  targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:follow-up',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:dlq',
  kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
};

describe('createSchedulerPort', () => {
  it('builds the EventBridge Scheduler adapter from the stack configuration', () => {
    const port = createSchedulerPort(anAccessPack(), { [ENV.followUpScheduler]: JSON.stringify(complete) });
    expect(typeof port.create).toBe('function');
    expect(typeof port.delete).toBe('function');
  });

  it('fails naming the variable when it is missing, not JSON, or lacks a field', () => {
    expect(() => createSchedulerPort(anAccessPack(), {})).toThrow(
      new ConfigurationError(
        `environment variable ${ENV.followUpScheduler} is not set; the stack must provide it`,
      ),
    );
    expect(() => createSchedulerPort(anAccessPack(), { [ENV.followUpScheduler]: 'group' })).toThrow(
      `${ENV.followUpScheduler} is not JSON: group`,
    );
    const { roleArn: _role, ...withoutRole } = complete;
    expect(() =>
      createSchedulerPort(anAccessPack(), { [ENV.followUpScheduler]: JSON.stringify(withoutRole) }),
    ).toThrow(`${ENV.followUpScheduler} must name roleArn`);
  });
});
