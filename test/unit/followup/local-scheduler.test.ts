/**
 * The local EventBridge Scheduler, reached through the real SDK client and
 * the follow-up scheduler's own AWS adapter: one-time schedules fire on the
 * local clock (virtual here) by invoking their Lambda target, not before; a
 * deleted one never fires; failures are retried, then dead-lettered.
 */
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { atExpression, EventBridgeFollowUpScheduler } from '../../../adapters/scheduler-eventbridge.js';
import { VirtualClock } from '../../../local/clock/virtual-clock.js';
import type { LambdaInvoker } from '../../../local/ports.js';
import { localClientConfig } from '../../../local/process/aws-env.js';
import { type LocalSchedulerService, startLocalScheduler } from '../../../local/scheduler/index.js';

const START = new Date('2026-11-20T12:00:00.000Z');
const TARGET = 'arn:aws:lambda:us-east-1:123456789012:function:AwfWorkflows-AccessFollowUp';
const GROUP = 'AwfWorkflows-Access-FollowUps';

/** A Lambda host that records invocations, failing the first `failures` of them. */
class RecordingLambda implements LambdaInvoker {
  readonly calls: { functionName: string; payload: unknown; at: string }[] = [];
  constructor(
    private readonly time: VirtualClock,
    private failures = 0,
  ) {}
  async invoke(functionName: string, payload: unknown): Promise<unknown> {
    this.calls.push({ functionName, payload, at: this.time.now().toISOString() });
    if (this.failures-- > 0)
      throw Object.assign(new Error('the follow-up failed'), { name: 'ServiceUnavailable' });
    return { ok: true };
  }
}

let time: VirtualClock;
let service: LocalSchedulerService;
let client: SchedulerClient;

async function startWith(lambda: RecordingLambda) {
  service = await startLocalScheduler({
    lambda,
    time,
    region: 'us-east-1',
    accountId: '123456789012',
    retryDelayScale: 0,
  });
  client = new SchedulerClient(localClientConfig(service.endpoint, 'us-east-1'));
  return new EventBridgeFollowUpScheduler({
    client,
    groupName: GROUP,
    targetArn: TARGET,
    roleArn: 'arn:aws:iam::123456789012:role/scheduler',
    deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:dlq',
    kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
    retry: { attempts: 2, maxAgeSeconds: 3600 },
  });
}

/** Lets the scheduler's firing and the HTTP round trips run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
  while (service.scheduler.inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
}

beforeEach(() => {
  time = new VirtualClock(START);
});
afterEach(async () => {
  client?.destroy();
  await service?.stop();
});

describe('the local scheduler', () => {
  it('fires a one-time schedule at its time and not before, then deletes it', async () => {
    const lambda = new RecordingLambda(time);
    const scheduler = await startWith(lambda);
    await scheduler.create({
      name: 'fu-1',
      dueAt: '2026-11-20T20:00:00.000Z',
      payload: { kind: 'fire', followUpId: 'fu-1' },
    });
    // A retried Act creates it again: one schedule, no error.
    await scheduler.create({
      name: 'fu-1',
      dueAt: '2026-11-20T20:00:00.000Z',
      payload: { kind: 'fire', followUpId: 'fu-1' },
    });
    const got = await client.send(new GetScheduleCommand({ Name: 'fu-1', GroupName: GROUP }));
    expect(got).toMatchObject({
      Name: 'fu-1',
      GroupName: GROUP,
      ScheduleExpression: 'at(2026-11-20T20:00:00)',
      ActionAfterCompletion: 'DELETE',
      KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
      Target: { Arn: TARGET, DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:dlq' } },
    });
    const listed = await client.send(new ListSchedulesCommand({ GroupName: GROUP }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual(['fu-1']);

    time.advanceTo(new Date('2026-11-20T19:59:59.000Z'));
    await settle();
    expect(lambda.calls).toEqual([]);
    time.advanceTo(new Date('2026-11-20T20:00:00.000Z'));
    await settle();
    expect(lambda.calls).toEqual([
      { functionName: TARGET, payload: { kind: 'fire', followUpId: 'fu-1' }, at: '2026-11-20T20:00:00.000Z' },
    ]);
    expect((await client.send(new ListSchedulesCommand({ GroupName: GROUP }))).Schedules).toEqual([]);
  });

  it('never fires a deleted schedule, and deleting it again is no error', async () => {
    const lambda = new RecordingLambda(time);
    const scheduler = await startWith(lambda);
    await scheduler.create({
      name: 'fu-2',
      dueAt: '2026-11-20T14:00:00.000Z',
      payload: { followUpId: 'fu-2' },
    });
    await scheduler.delete('fu-2');
    await scheduler.delete('fu-2');
    time.advanceTo(new Date('2026-11-21T00:00:00.000Z'));
    await settle();
    expect(lambda.calls).toEqual([]);
  });

  it('retries a failing invocation within the retry policy, then dead-letters it', async () => {
    const lambda = new RecordingLambda(time, 5);
    const scheduler = await startWith(lambda);
    await scheduler.create({
      name: 'fu-3',
      dueAt: '2026-11-20T13:00:00.000Z',
      payload: { followUpId: 'fu-3' },
    });
    time.advanceTo(new Date('2026-11-20T13:00:00.000Z'));
    await settle();
    expect(lambda.calls).toHaveLength(3);
    expect(service.scheduler.deadLetters()).toEqual([
      expect.objectContaining({
        queueArn: 'arn:aws:sqs:us-east-1:123456789012:dlq',
        errorCode: 'ServiceUnavailable',
        retryAttempts: 2,
      }),
    ]);
  });

  it('refuses recurring schedules it does not serve, naming the expression', async () => {
    await startWith(new RecordingLambda(time));
    const { CreateScheduleCommand } = await import('@aws-sdk/client-scheduler');
    await expect(
      client.send(
        new CreateScheduleCommand({
          Name: 'every-hour',
          ScheduleExpression: 'rate(1 hour)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: TARGET, RoleArn: 'arn:aws:iam::123456789012:role/r' },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('rate(1 hour)'),
    });
  });
});

describe('atExpression', () => {
  it('writes the one-time expression in UTC, to the second', () => {
    expect(atExpression('2026-11-20T20:00:00.000Z')).toBe('at(2026-11-20T20:00:00)');
    expect(() => atExpression('tomorrow')).toThrow('a schedule\'s due time must be ISO-8601, got "tomorrow"');
  });
});
