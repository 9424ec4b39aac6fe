/**
 * The local Step Functions API's contract through the real @aws-sdk/client-sfn:
 * StartExecution idempotency, StopExecution, ListExecutions, named errors for
 * bad requests, definitions the runner would get wrong refused up front, and
 * state machines read from a cloud assembly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  LocalStepFunctions,
  StateMachineDefinitionError,
  type StepFunctionsService,
  stateMachinesFromTemplate,
} from '../../../local/stepfunctions/index.js';
import { loadCloudAssembly } from '../../../local/template/index.js';
import {
  aslFixture,
  FakeLambdas,
  FIXTURE_REGION,
  functionArn,
  type SfnFixture,
  startSfnFixture,
  stateMachineArn,
} from '../../fixtures/local/sfn-fake-lambdas.js';

const APPROVAL = stateMachineArn('approval');
const ORDER_FLOW = stateMachineArn('order-flow');

const approvalDefinition = aslFixture('sfn-approval.asl.json', {
  Partition: 'aws',
  NotifyFunctionArn: functionArn('notify-approver'),
  ApprovalTimeoutSeconds: 300,
  ApprovalHeartbeatSeconds: 120,
});
const orderFlowDefinition = aslFixture('sfn-order-flow.asl.json', {
  Partition: 'aws',
  ValidateFunctionArn: functionArn('validate'),
  ReserveFunctionArn: functionArn('reserve'),
});

describe('local Step Functions: API contract', () => {
  let lambdas: FakeLambdas;
  let service: StepFunctionsService;
  let sfn: SFNClient;
  let fixture: SfnFixture;

  beforeEach(async () => {
    lambdas = new FakeLambdas()
      .define('notify-approver', () => ({ notified: true }))
      .define('validate', () => ({ express: true }));
    fixture = await startSfnFixture(
      [
        { arn: APPROVAL, definition: approvalDefinition },
        { arn: ORDER_FLOW, definition: orderFlowDefinition },
      ],
      lambdas,
    );
    ({ service, sfn } = fixture);
  });

  afterEach(() => fixture.stop());

  const startApproval = (name: string, caseId: string) =>
    sfn.send(
      new StartExecutionCommand({
        stateMachineArn: APPROVAL,
        name,
        input: JSON.stringify({ caseId, requests: [{ action: 'refund' }] }),
      }),
    );

  describe('StartExecution', () => {
    it('returns the same execution for the same name and input while it runs', async () => {
      const first = await startApproval('case-1', 'c-1');
      const again = await startApproval('case-1', 'c-1');

      expect(again.executionArn).toBe(first.executionArn);
      expect(again.startDate).toEqual(first.startDate);
      expect(service.stepFunctions.listExecutions(APPROVAL)).toHaveLength(1);
    });

    it('fails with ExecutionAlreadyExists for the same name with a different input', async () => {
      await startApproval('case-2', 'c-2');

      await expect(startApproval('case-2', 'c-other')).rejects.toMatchObject({
        name: 'ExecutionAlreadyExists',
        message: expect.stringContaining('different input'),
      });
    });

    it('fails with ExecutionAlreadyExists for the name of an execution that has ended', async () => {
      const input = JSON.stringify({ orderId: 'o-1', items: [] });
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: ORDER_FLOW, name: 'order-1', input }),
      );
      await service.stepFunctions.execution(executionArn ?? '').settled;

      await expect(
        sfn.send(new StartExecutionCommand({ stateMachineArn: ORDER_FLOW, name: 'order-1', input })),
      ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    });

    it('starts with {} as input when none is given', async () => {
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: APPROVAL }));
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));

      expect(described.input).toBe('{}');
    });

    it('fails with InvalidName for a name with characters AWS refuses', async () => {
      await expect(startApproval('case 3/with spaces', 'c-3')).rejects.toMatchObject({
        name: 'InvalidName',
        message: expect.stringContaining('"case 3/with spaces"'),
      });
    });

    it('fails with InvalidExecutionInput when the input is not JSON', async () => {
      await expect(
        sfn.send(new StartExecutionCommand({ stateMachineArn: APPROVAL, input: '{not json' })),
      ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    });

    it('fails with StateMachineDoesNotExist for an unknown state machine and InvalidArn for a malformed ARN', async () => {
      await expect(
        sfn.send(new StartExecutionCommand({ stateMachineArn: stateMachineArn('nope') })),
      ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
      await expect(
        sfn.send(new StartExecutionCommand({ stateMachineArn: 'approval' })),
      ).rejects.toMatchObject({ name: 'InvalidArn' });
    });
  });

  it('fails with ExecutionDoesNotExist for an unknown execution', async () => {
    const executionArn = `arn:aws:states:${FIXTURE_REGION}:123456789012:execution:approval:missing`;

    await expect(sfn.send(new DescribeExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    await expect(sfn.send(new GetExecutionHistoryCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });

  it('fails with ValidationException naming the missing field of a request', async () => {
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: undefined }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('executionArn'),
    });
  });

  it('stops a running execution as ABORTED with the given error and cause, closing its task token', async () => {
    const { executionArn } = await startApproval('case-4', 'c-4');
    const call = await lambdas.nextCall('notify-approver');
    const token = JSON.stringify(call.payload).match(/"taskToken":"([^"]+)"/)?.[1] ?? '';

    await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Operator.Stop', cause: 'duplicate case' }),
    );
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator.Stop', cause: 'duplicate case' });
    expect(described.stopDate).toBeInstanceOf(Date);
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(events?.[0]?.type).toBe('ExecutionAborted');
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('lists the executions of a state machine, newest first, filtered by status', async () => {
    const running = await startApproval('case-5', 'c-5');
    const { executionArn: done } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: ORDER_FLOW,
        input: JSON.stringify({ orderId: 'o', items: [] }),
      }),
    );
    await service.stepFunctions.execution(done ?? '').settled;
    const second = await startApproval('case-6', 'c-6');

    const all = await sfn.send(new ListExecutionsCommand({ stateMachineArn: APPROVAL }));
    const succeeded = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: ORDER_FLOW, statusFilter: 'SUCCEEDED' }),
    );
    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: ORDER_FLOW, statusFilter: 'FAILED' }),
    );

    expect(all.executions?.map((e) => e.executionArn)).toEqual([second.executionArn, running.executionArn]);
    expect(all.executions?.[0]).toMatchObject({
      name: 'case-6',
      status: 'RUNNING',
      stateMachineArn: APPROVAL,
    });
    expect(succeeded.executions?.map((e) => e.executionArn)).toEqual([done]);
    expect(failed.executions).toEqual([]);
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    const response = await fetch(service.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.StartExecution',
      },
      body: '{"stateMachineArn":',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const response = await fetch(service.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.CreateActivity',
      },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('local Step Functions: execution timeout', () => {
  it('ends an execution that outlives the state machine TimeoutSeconds as TIMED_OUT, closing its task token', async () => {
    const lambdas = new FakeLambdas().define('notify-approver', () => null);
    const definition = JSON.parse(approvalDefinition);
    const sfn = new LocalStepFunctions({
      stateMachines: [{ arn: APPROVAL, definition: JSON.stringify({ ...definition, TimeoutSeconds: 1 }) }],
      lambda: lambdas,
    });
    try {
      const { executionArn } = await sfn.startExecution(
        APPROVAL,
        JSON.stringify({ caseId: 'c', requests: [{}] }),
      );
      const token = JSON.stringify((await lambdas.nextCall('notify-approver')).payload).match(
        /"taskToken":"([^"]+)"/,
      )?.[1];

      const described = await sfn.execution(executionArn).settled;

      expect(described).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
      expect(sfn.getExecutionHistory(executionArn).at(-1)?.type).toBe('ExecutionTimedOut');
      expect(() => sfn.sendTaskSuccess(token ?? '', '{}')).toThrow(
        expect.objectContaining({ code: 'TaskTimedOut' }),
      );
    } finally {
      await sfn.stop();
    }
  });
});

describe('local Step Functions: definitions it refuses', () => {
  const lambdas = new FakeLambdas();
  const serve = (definition: unknown) =>
    new LocalStepFunctions({
      stateMachines: [{ arn: stateMachineArn('bad'), definition: JSON.stringify(definition) }],
      lambda: lambdas,
    });
  const task = (extra: Record<string, unknown>) => ({
    StartAt: 'Work',
    States: { Work: { Type: 'Task', Resource: functionArn('work'), End: true, ...extra } },
  });

  it('fails on JSONata, naming the state, instead of ignoring it', () => {
    expect(() => serve(task({ QueryLanguage: 'JSONata', Arguments: { a: '{% 1 %}' } }))).toThrow(
      /state "Work": QueryLanguage "JSONata" is not supported[\s\S]*state "Work": Arguments/,
    );
  });

  it('fails on a Task resource other than Lambda, naming it', () => {
    expect(() => serve(task({ Resource: 'arn:aws:states:::dynamodb:putItem' }))).toThrow(
      /state "Work": Resource "arn:aws:states:::dynamodb:putItem" is not supported/,
    );
  });

  it('fails on a timeout given as a string, as a misplaced substitution leaves it', () => {
    expect(() => serve(task({ TimeoutSeconds: '300' }))).toThrow(
      /TimeoutSeconds must be a positive whole number of seconds, got "300"/,
    );
  });

  it('fails on ASL the validator rejects, as a StateMachineDefinitionError', () => {
    expect(() => serve({ StartAt: 'Missing', States: { Work: { Type: 'Pass', End: true } } })).toThrow(
      StateMachineDefinitionError,
    );
  });

  it('fails on a definition that is not JSON', () => {
    expect(
      () =>
        new LocalStepFunctions({
          stateMachines: [{ arn: stateMachineArn('bad'), definition: '{' }],
          lambda: lambdas,
        }),
    ).toThrow(/state machine "bad" cannot run locally:\n {2}- the definition is not JSON/);
  });
});

describe('local Step Functions: state machines of a cloud assembly', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'awf-sfn-assembly-'));
    // A CloudFormation placeholder, not a template literal.
    const placeholder = ['$', '{EchoArn}'].join('');
    const definition = JSON.stringify({
      StartAt: 'Echo',
      States: { Echo: { Type: 'Task', Resource: placeholder, End: true } },
    });
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        version: '55.0.0',
        artifacts: {
          Flows: {
            type: 'aws:cloudformation:stack',
            environment: 'aws://123456789012/us-east-1',
            properties: { templateFile: 'Flows.template.json', stackName: 'flows' },
          },
        },
      }),
    );
    writeFileSync(
      join(dir, 'Flows.template.json'),
      JSON.stringify({
        Resources: {
          EchoFunction: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler' } },
          Role: { Type: 'AWS::IAM::Role', Properties: {} },
          Flow: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              DefinitionString: definition,
              DefinitionSubstitutions: { EchoArn: { 'Fn::GetAtt': ['EchoFunction', 'Arn'] } },
              RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
            },
          },
        },
      }),
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves each state machine under its local ARN with substitutions applied, invoking its functions', async () => {
    const lambdas = new FakeLambdas().define('flows-EchoFunction', (payload) => ({ echoed: payload }));
    const sfn = new LocalStepFunctions({
      stateMachines: stateMachinesFromTemplate(loadCloudAssembly(dir)),
      lambda: lambdas,
    });
    try {
      const [machine] = sfn.listStateMachines();
      expect(machine).toMatchObject({
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:flows-Flow',
        roleArn: 'arn:aws:iam::123456789012:role/flows-Role',
      });

      const { executionArn } = await sfn.startExecution(machine?.stateMachineArn ?? '', '{"n":1}');
      const { status, output } = await sfn.execution(executionArn).settled;

      expect(status).toBe('SUCCEEDED');
      expect(JSON.parse(output ?? 'null')).toEqual({ echoed: { n: 1 } });
      expect(lambdas.calls[0]?.functionName).toBe('flows-EchoFunction');
    } finally {
      await sfn.stop();
    }
  });
});
