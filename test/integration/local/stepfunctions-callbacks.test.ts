/**
 * The callback pattern (`lambda:invoke.waitForTaskToken`) on the local Step
 * Functions, through the real @aws-sdk/client-sfn: real task tokens reach the
 * Lambda, SendTaskSuccess/Failure/Heartbeat settle them, and TimeoutSeconds and
 * HeartbeatSeconds of a state inside a Map end the wait with the errors AWS uses.
 */
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { StepFunctionsService } from '../../../local/stepfunctions/index.js';
import {
  aslFixture,
  type FakeCall,
  FakeLambdas,
  functionArn,
  type SfnFixture,
  startSfnFixture,
  stateMachineArn,
} from '../../fixtures/local/sfn-fake-lambdas.js';

const PATIENT = stateMachineArn('approval-patient');
const SHORT_TIMEOUT = stateMachineArn('approval-short-timeout');
const SHORT_HEARTBEAT = stateMachineArn('approval-short-heartbeat');

function approvalDefinition(timeoutSeconds: number, heartbeatSeconds: number): string {
  return aslFixture('sfn-approval.asl.json', {
    Partition: 'aws',
    NotifyFunctionArn: functionArn('notify-approver'),
    ApprovalTimeoutSeconds: timeoutSeconds,
    ApprovalHeartbeatSeconds: heartbeatSeconds,
  });
}

function tokenOf(call: FakeCall): string {
  const payload = call.payload;
  if (typeof payload !== 'object' || payload === null || !('taskToken' in payload)) {
    throw new Error(`the Lambda got no taskToken: ${JSON.stringify(payload)}`);
  }
  return String(payload.taskToken);
}

describe('local Step Functions: callback tasks', () => {
  let lambdas: FakeLambdas;
  let service: StepFunctionsService;
  let sfn: SFNClient;
  let fixture: SfnFixture;

  beforeEach(async () => {
    lambdas = new FakeLambdas().define('notify-approver', () => ({ notified: true }));
    fixture = await startSfnFixture(
      [
        { arn: PATIENT, definition: approvalDefinition(300, 120) },
        { arn: SHORT_TIMEOUT, definition: approvalDefinition(1, 120) },
        { arn: SHORT_HEARTBEAT, definition: approvalDefinition(300, 1) },
      ],
      lambdas,
    );
    ({ service, sfn } = fixture);
  });

  afterEach(() => fixture.stop());

  async function start(stateMachineArn: string, requests: unknown[]): Promise<string> {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ caseId: 'c-1', requests }) }),
    );
    if (!executionArn) throw new Error('StartExecution returned no executionArn');
    return executionArn;
  }

  async function outcome(executionArn: string) {
    await service.stepFunctions.execution(executionArn).settled;
    return sfn.send(new DescribeExecutionCommand({ executionArn }));
  }

  it('hands the Lambda a real task token and resumes with the SendTaskSuccess output', async () => {
    const executionArn = await start(PATIENT, [{ action: 'refund' }]);
    const call = await lambdas.nextCall('notify-approver');

    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: tokenOf(call),
        output: JSON.stringify({ decision: 'APPROVED' }),
      }),
    );
    const described = await outcome(executionArn);

    expect(call.payload).toEqual({ taskToken: tokenOf(call), caseId: 'c-1', request: { action: 'refund' } });
    expect(tokenOf(call)).not.toContain('placeholder');
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '{}').approvals).toEqual([{ decision: 'APPROVED' }]);
  });

  it('gives each Map iteration its own token and collects the outputs in item order', async () => {
    const executionArn = await start(PATIENT, [{ action: 'refund' }, { action: 'credit' }]);
    const calls = [await lambdas.nextCall('notify-approver'), await lambdas.nextCall('notify-approver')];
    const actionOf = (call: FakeCall) => JSON.stringify(call.payload).match(/"action":"(\w+)"/)?.[1];

    expect(tokenOf(calls[0] as FakeCall)).not.toBe(tokenOf(calls[1] as FakeCall));
    const [last, ...others] = calls.reverse();
    for (const call of others) {
      await sfn.send(
        new SendTaskSuccessCommand({ taskToken: tokenOf(call), output: JSON.stringify(actionOf(call)) }),
      );
    }
    expect(service.stepFunctions.execution(executionArn).status).toBe('RUNNING');
    if (last) {
      await sfn.send(
        new SendTaskSuccessCommand({ taskToken: tokenOf(last), output: JSON.stringify(actionOf(last)) }),
      );
    }

    const described = await outcome(executionArn);
    expect(JSON.parse(described.output ?? '{}').approvals).toEqual(['refund', 'credit']);
  });

  it('routes the SendTaskFailure error name to the Catch that matches it', async () => {
    const executionArn = await start(PATIENT, [{ action: 'refund' }]);
    const call = await lambdas.nextCall('notify-approver');

    await sfn.send(
      new SendTaskFailureCommand({
        taskToken: tokenOf(call),
        error: 'ApprovalRejected',
        cause: 'not this time',
      }),
    );
    const described = await outcome(executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '{}')).toEqual({
      outcome: 'REJECTED',
      error: { Error: 'ApprovalRejected', Cause: 'not this time' },
    });
  });

  it('ends the wait with States.Timeout after the state TimeoutSeconds', async () => {
    const executionArn = await start(SHORT_TIMEOUT, [{ action: 'refund' }]);
    const call = await lambdas.nextCall('notify-approver');

    const described = await outcome(executionArn);

    expect(JSON.parse(described.output ?? '{}')).toMatchObject({
      outcome: 'EXPIRED',
      error: { Error: 'States.Timeout' },
    });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: tokenOf(call), output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('ends the wait with States.HeartbeatTimeout when no heartbeat comes within HeartbeatSeconds', async () => {
    const executionArn = await start(SHORT_HEARTBEAT, [{ action: 'refund' }]);
    await lambdas.nextCall('notify-approver');

    const described = await outcome(executionArn);

    expect(JSON.parse(described.output ?? '{}')).toMatchObject({
      outcome: 'EXPIRED',
      error: { Error: 'States.HeartbeatTimeout' },
    });
  });

  it('accepts SendTaskHeartbeat for a task that is waiting', async () => {
    const executionArn = await start(PATIENT, [{ action: 'refund' }]);
    const token = tokenOf(await lambdas.nextCall('notify-approver'));

    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));

    expect((await outcome(executionArn)).status).toBe('SUCCEEDED');
  });

  it('records the callback task in the history: scheduled with the token, submitted, then succeeded', async () => {
    const executionArn = await start(PATIENT, [{ action: 'refund' }]);
    const token = tokenOf(await lambdas.nextCall('notify-approver'));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":true}' }));
    await outcome(executionArn);

    const taskEvents = service.stepFunctions
      .getExecutionHistory(executionArn)
      .filter((e) => e.type?.startsWith('Task') && !e.type.startsWith('TaskState'));

    expect(taskEvents.map((e) => e.type)).toEqual([
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
    ]);
    expect(taskEvents[0]?.taskScheduledEventDetails).toMatchObject({
      resource: 'invoke.waitForTaskToken',
      timeoutInSeconds: 300,
      heartbeatInSeconds: 120,
    });
    expect(JSON.parse(taskEvents[0]?.taskScheduledEventDetails?.parameters ?? '{}').Payload.taskToken).toBe(
      token,
    );
    expect(taskEvents[3]?.taskSucceededEventDetails?.output).toBe('{"ok":true}');
  });

  it('fails a callback with TaskTimedOut once its task was already closed', async () => {
    const executionArn = await start(PATIENT, [{ action: 'refund' }]);
    const token = tokenOf(await lambdas.nextCall('notify-approver'));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await outcome(executionArn);

    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('fails a callback with TaskDoesNotExist for a token nobody issued and InvalidToken for a malformed one', async () => {
    const unknown = `AWFLOCAL${'A'.repeat(64)}`;

    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: unknown, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
    await expect(
      sfn.send(new SendTaskFailureCommand({ taskToken: 'not-a-token', error: 'X' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('fails SendTaskSuccess with InvalidOutput when the output is not JSON, and keeps waiting', async () => {
    const executionArn = await start(PATIENT, [{ action: 'refund' }]);
    const token = tokenOf(await lambdas.nextCall('notify-approver'));

    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: 'approved!' })),
    ).rejects.toMatchObject({ name: 'InvalidOutput' });
    expect(service.stepFunctions.execution(executionArn).status).toBe('RUNNING');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '"approved"' }));
    expect((await outcome(executionArn)).status).toBe('SUCCEEDED');
  });
});
