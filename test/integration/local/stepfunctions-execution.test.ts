/**
 * The local Step Functions through the real @aws-sdk/client-sfn: Tasks, Choice,
 * Map, Retry and Catch run as in AWS, and the API reports them in AWS's shapes.
 */
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListStateMachinesCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { StepFunctionsService } from '../../../local/stepfunctions/index.js';
import {
  aslFixture,
  FakeLambdas,
  FIXTURE_REGION,
  functionArn,
  functionError,
  type SfnFixture,
  startSfnFixture,
  stateMachineArn,
} from '../../fixtures/local/sfn-fake-lambdas.js';

const ORDER_FLOW = stateMachineArn('order-flow');

function orderFlowDefinition(): string {
  return aslFixture('sfn-order-flow.asl.json', {
    Partition: 'aws',
    ValidateFunctionArn: functionArn('validate'),
    ReserveFunctionArn: functionArn('reserve'),
  });
}

describe('local Step Functions: running a definition', () => {
  let lambdas: FakeLambdas;
  let service: StepFunctionsService;
  let sfn: SFNClient;
  let fixture: SfnFixture;

  beforeEach(async () => {
    lambdas = new FakeLambdas()
      .define('validate', () => ({ express: false }))
      .define('reserve', (payload) => ({ reserved: payload }));
    fixture = await startSfnFixture([{ arn: ORDER_FLOW, definition: orderFlowDefinition() }], lambdas);
    ({ service, sfn } = fixture);
  });

  afterEach(() => fixture.stop());

  async function runToEnd(input: unknown, name?: string) {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: ORDER_FLOW, input: JSON.stringify(input), name }),
    );
    if (!executionArn) throw new Error('StartExecution returned no executionArn');
    await service.stepFunctions.execution(executionArn).settled;
    return sfn.send(new DescribeExecutionCommand({ executionArn }));
  }

  async function historyOf(executionArn: string | undefined): Promise<HistoryEvent[]> {
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    return events ?? [];
  }

  it('runs a Lambda task, a Choice and a Map of lambda:invoke tasks to success', async () => {
    const described = await runToEnd({ orderId: 'o-1', items: ['sku-a', 'sku-b'] });

    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? 'null')).toEqual({
      orderId: 'o-1',
      items: ['sku-a', 'sku-b'],
      validation: { express: false },
      reservations: [
        { reservation: { reserved: { orderId: 'o-1', sku: 'sku-a' } }, statusCode: 200 },
        { reservation: { reserved: { orderId: 'o-1', sku: 'sku-b' } }, statusCode: 200 },
      ],
    });
  });

  it('gives a Lambda task its effective input, context object included', async () => {
    const described = await runToEnd({ orderId: 'o-2', items: [] }, 'order-o-2');

    expect(lambdas.calls.find((c) => c.functionName === 'validate')?.payload).toEqual({
      orderId: 'o-2',
      executionId: described.executionArn,
    });
    expect(described.executionArn).toBe(
      `arn:aws:states:${FIXTURE_REGION}:123456789012:execution:order-flow:order-o-2`,
    );
  });

  it('follows the Choice branch the task result selects', async () => {
    lambdas.define('validate', () => ({ express: true }));

    const described = await runToEnd({ orderId: 'o-3', items: ['sku-a'] });

    expect(JSON.parse(described.output ?? 'null')).toMatchObject({ shipping: 'express' });
    expect(lambdas.callCount('reserve')).toBe(0);
  });

  it('retries a task that fails with the named error of its Retry and then succeeds', async () => {
    lambdas.define('validate', (_payload, call) => {
      if (call === 1) throw functionError('FlakyError', 'try again');
      return { express: true };
    });

    const described = await runToEnd({ orderId: 'o-4', items: [] });

    expect(described.status).toBe('SUCCEEDED');
    expect(lambdas.callCount('validate')).toBe(2);
  });

  it('fails the execution with the task error once its retries are exhausted', async () => {
    lambdas.define('validate', () => {
      throw functionError('FlakyError', 'still failing');
    });

    const described = await runToEnd({ orderId: 'o-5', items: [] });

    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('FlakyError');
    expect(JSON.parse(described.cause ?? '{}')).toMatchObject({
      errorType: 'FlakyError',
      errorMessage: 'still failing',
    });
    // The first attempt and MaxAttempts (2) retries.
    expect(lambdas.callCount('validate')).toBe(3);
  });

  it('routes a named task error to its Catch, which hands the error to the next state', async () => {
    lambdas.define('validate', () => {
      // As the Lambda host reports a function error: the function's stack comes along as `trace`.
      throw Object.assign(functionError('InvalidOrderError', 'amount must be positive'), {
        trace: ['InvalidOrderError: amount must be positive', '    at validate (index.mjs:1:1)'],
      });
    });

    const described = await runToEnd({ orderId: 'o-6', items: [] });

    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('OrderRejected');
    expect(described.cause).toBe('The order failed validation.');
    const failEntered = (await historyOf(described.executionArn)).find((e) => e.type === 'FailStateEntered');
    const failInput = JSON.parse(failEntered?.stateEnteredEventDetails?.input ?? '{}');
    expect(failInput.error.Error).toBe('InvalidOrderError');
    expect(JSON.parse(failInput.error.Cause)).toEqual({
      errorType: 'InvalidOrderError',
      errorMessage: 'amount must be positive',
      trace: ['InvalidOrderError: amount must be positive', '    at validate (index.mjs:1:1)'],
    });
    expect(lambdas.callCount('validate')).toBe(1);
  });

  it('reports the history in Step Functions event shapes, numbered in order', async () => {
    const described = await runToEnd({ orderId: 'o-7', items: ['sku-a'] });

    const events = await historyOf(described.executionArn);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'MapStateEntered',
      'MapIterationStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'MapIterationSucceeded',
      'MapStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_e, i) => i + 1));
    expect(events[0]?.executionStartedEventDetails?.input).toBe(
      JSON.stringify({ orderId: 'o-7', items: ['sku-a'] }),
    );
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    expect(events[1]?.stateEnteredEventDetails?.name).toBe('Validate order');
    expect(events.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: FIXTURE_REGION,
    });
  });

  it('pages the history and reverses it on request', async () => {
    const described = await runToEnd({ orderId: 'o-8', items: [] });
    const executionArn = described.executionArn;

    const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 3 }));
    const second = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 3, nextToken: first.nextToken }),
    );
    const reversed = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));

    expect(first.events?.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(second.events?.map((e) => e.id)).toEqual([4, 5, 6]);
    expect(reversed.events?.[0]?.type).toBe('ExecutionSucceeded');
  });

  it('emits each history event live and settles once with the description', async () => {
    const entered: string[] = [];
    service.stepFunctions.on('execution', (execution) => {
      execution.on('history', (event) => {
        if (event.stateEnteredEventDetails?.name) entered.push(event.stateEnteredEventDetails.name);
      });
    });

    const described = await runToEnd({ orderId: 'o-9', items: ['sku-a'] });

    expect(entered).toEqual([
      'Validate order',
      'Express?',
      'Reserve items',
      'Reserve item',
      'Order accepted',
    ]);
    const settled = await service.stepFunctions.execution(described.executionArn ?? '').settled;
    expect(settled.status).toBe('SUCCEEDED');
  });

  it('describes and lists the state machines it serves', async () => {
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: ORDER_FLOW }));
    const list = await sfn.send(new ListStateMachinesCommand({}));

    expect(machine).toMatchObject({ name: 'order-flow', type: 'STANDARD', status: 'ACTIVE' });
    expect(JSON.parse(machine.definition ?? '{}').StartAt).toBe('Validate order');
    expect(list.stateMachines?.map((m) => m.stateMachineArn)).toEqual([ORDER_FLOW]);
  });
});
