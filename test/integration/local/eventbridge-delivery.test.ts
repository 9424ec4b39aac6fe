/**
 * Rules and targets on the local EventBridge: matching with the event-pattern
 * matcher, target input (InputPath, InputTransformer, Input), retries within
 * the RetryPolicy and the dead-letter queue, scheduled rules, rules read from a
 * cloud assembly, and events reaching the local Step Functions through the
 * real SDK.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  type DeadLetter,
  eventBridgeFromTemplate,
  LocalEventBridge,
  type LocalEventBridgeOptions,
  type LocalRule,
  type LocalTarget,
  RuleConfigurationError,
  startEventBridge,
} from '../../../local/eventbridge/index.js';
import { LocalStepFunctions } from '../../../local/stepfunctions/index.js';
import { loadCloudAssembly } from '../../../local/template/index.js';
import { FakeExecutions } from '../../fixtures/local/events-fakes.js';
import {
  FakeLambdas,
  FIXTURE_ACCOUNT,
  FIXTURE_REGION,
  functionArn,
  functionError,
  LOCAL_CREDENTIALS,
  stateMachineArn,
} from '../../fixtures/local/sfn-fake-lambdas.js';

const BUS = 'orders-bus';
const DLQ = `arn:aws:sqs:${FIXTURE_REGION}:${FIXTURE_ACCOUNT}:orders-dlq`;
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/local');

function aTarget(overrides: Partial<LocalTarget> = {}): LocalTarget {
  return {
    id: 'Target0',
    arn: stateMachineArn('fulfilment'),
    retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
    deadLetterQueueArn: DLQ,
    ...overrides,
  };
}

function aRule(overrides: Partial<LocalRule> = {}): LocalRule {
  const name = overrides.name ?? 'on-order-placed';
  return {
    name,
    arn: `arn:aws:events:${FIXTURE_REGION}:${FIXTURE_ACCOUNT}:rule/${BUS}/${name}`,
    eventBusName: BUS,
    state: 'ENABLED',
    eventPattern: {
      source: ['shop.orders'],
      'detail-type': ['OrderPlaced'],
      detail: { amount: [{ numeric: ['>', 0] }] },
    },
    targets: [aTarget()],
    ...overrides,
  };
}

const orderPlaced = (detail: Record<string, unknown> = { orderId: 'o-1', amount: 25 }) => ({
  Source: 'shop.orders',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify(detail),
  EventBusName: BUS,
});

describe('local EventBridge: rules and targets', () => {
  let executions: FakeExecutions;
  let lambdas: FakeLambdas;
  let bridges: LocalEventBridge[];

  beforeEach(() => {
    executions = new FakeExecutions();
    lambdas = new FakeLambdas();
    bridges = [];
  });

  afterEach(async () => {
    await Promise.all(bridges.map((bridge) => bridge.stop()));
  });

  function bridge(rules: LocalRule[], overrides: Partial<LocalEventBridgeOptions> = {}): LocalEventBridge {
    const created = new LocalEventBridge({
      region: FIXTURE_REGION,
      accountId: FIXTURE_ACCOUNT,
      eventBuses: [BUS],
      rules,
      executions,
      lambda: lambdas,
      retryDelayScale: 0,
      schedules: { enabled: false },
      ...overrides,
    });
    bridges.push(created);
    return created;
  }

  it('starts the state machine of a matching rule with the whole event as input', async () => {
    const events = bridge([aRule()]);

    const result = events.putEvents([orderPlaced()]);
    await events.whenIdle();

    expect(executions.starts).toHaveLength(1);
    expect(executions.starts[0]?.stateMachineArn).toBe(stateMachineArn('fulfilment'));
    expect(JSON.parse(executions.starts[0]?.input ?? '{}')).toEqual(events.events()[0]?.event);
    expect(JSON.parse(executions.starts[0]?.input ?? '{}').id).toBe(
      result.Entries[0] && 'EventId' in result.Entries[0] ? result.Entries[0].EventId : undefined,
    );
  });

  it('delivers nothing for an event the pattern rejects, a disabled rule, or another bus', async () => {
    const events = bridge([
      aRule(),
      aRule({ name: 'disabled', state: 'DISABLED', targets: [aTarget({ id: 'off' })] }),
    ]);

    events.putEvents([
      orderPlaced({ orderId: 'o-1', amount: 0 }),
      { ...orderPlaced(), DetailType: 'OrderCancelled' },
      { ...orderPlaced(), EventBusName: 'default' },
    ]);
    await events.whenIdle();

    expect(executions.starts).toEqual([]);
    expect(events.events().map((r) => r.matchedRules)).toEqual([[], [], []]);
  });

  it('sends each target the part of the event its InputPath selects', async () => {
    const events = bridge([aRule({ targets: [aTarget({ inputPath: '$.detail' })] })]);

    events.putEvents([orderPlaced({ orderId: 'o-7', amount: 3 })]);
    await events.whenIdle();

    expect(executions.starts.map((s) => JSON.parse(s.input))).toEqual([{ orderId: 'o-7', amount: 3 }]);
  });

  it('builds the input with an InputTransformer: variables in and out of strings, predefined variables', async () => {
    const target = aTarget({
      inputTransformer: {
        inputPathsMap: {
          order: '$.detail.orderId',
          amount: '$.detail.amount',
          lines: '$.detail.lines',
          ghost: '$.detail.ghost',
        },
        inputTemplate:
          '{"order": <order>, "amount": <amount>, "summary": "order <order> for <amount> USD", ' +
          '"lines": <lines>, "rule": "<aws.events.rule-name>", "missing": <ghost>}',
      },
    });
    const events = bridge([aRule({ targets: [target] })]);

    events.putEvents([orderPlaced({ orderId: 'o-"8"', amount: 12.5, lines: [{ sku: 'a' }] })]);
    await events.whenIdle();

    expect(JSON.parse(executions.starts[0]?.input ?? '{}')).toEqual({
      order: 'o-"8"',
      amount: 12.5,
      summary: 'order o-"8" for 12.5 USD',
      lines: [{ sku: 'a' }],
      rule: 'on-order-placed',
      missing: null,
    });
  });

  it('sends a constant Input instead of the event when the target sets one', async () => {
    const events = bridge([aRule({ targets: [aTarget({ input: '{"kind":"constant"}' })] })]);

    events.putEvents([orderPlaced()]);
    await events.whenIdle();

    expect(executions.starts.map((s) => s.input)).toEqual(['{"kind":"constant"}']);
  });

  it('invokes a Lambda target with the event and retries a failed delivery until it succeeds', async () => {
    lambdas.define('audit', (_payload, call) => {
      if (call === 1) throw functionError('TooManyRequestsException', 'rate exceeded');
      return null;
    });
    const events = bridge([aRule({ targets: [aTarget({ arn: functionArn('audit') })] })]);
    const delivered: number[] = [];
    events.on('delivered', (delivery) => delivered.push(delivery.attempts));

    events.putEvents([orderPlaced()]);
    await events.whenIdle();

    expect(lambdas.callCount('audit')).toBe(2);
    expect(lambdas.calls[0]?.payload).toMatchObject({ source: 'shop.orders', detail: { orderId: 'o-1' } });
    expect(delivered).toEqual([2]);
    expect(events.deadLetters()).toEqual([]);
  });

  it('sends an event to the dead-letter queue with the last error once MaximumRetryAttempts are spent', async () => {
    lambdas.define('audit', () => {
      throw functionError('ServiceUnavailableException', 'audit store is down');
    });
    const events = bridge([aRule({ targets: [aTarget({ arn: functionArn('audit') })] })]);
    const announced: DeadLetter[] = [];
    events.on('deadLettered', (letter) => announced.push(letter));

    events.putEvents([orderPlaced()]);
    await events.whenIdle();

    // The first attempt and MaximumRetryAttempts (2) retries.
    expect(lambdas.callCount('audit')).toBe(3);
    const letters = events.deadLetters(DLQ);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      queueArn: DLQ,
      ruleName: 'on-order-placed',
      targetId: 'Target0',
      targetArn: functionArn('audit'),
      errorCode: 'ServiceUnavailableException',
      errorMessage: expect.stringContaining('audit store is down'),
      retryAttempts: 2,
      event: events.events()[0]?.event,
    });
    expect(announced).toEqual(letters);
  });

  it('sends an event to the dead-letter queue at once when the state machine does not exist', async () => {
    const sfn = new LocalStepFunctions({ stateMachines: [], lambda: lambdas });
    const events = bridge([aRule()], { executions: sfn });

    events.putEvents([orderPlaced()]);
    await events.whenIdle();
    await sfn.stop();

    expect(events.deadLetters(DLQ)).toEqual([
      expect.objectContaining({ errorCode: 'StateMachineDoesNotExist', retryAttempts: 0 }),
    ]);
  });

  it('keeps a failed delivery of a target without a dead-letter queue in the log of dropped events', async () => {
    executions.failWith = functionError('ThrottlingException', 'slow down');
    const events = bridge([aRule({ targets: [aTarget({ deadLetterQueueArn: undefined })] })]);

    events.putEvents([orderPlaced()]);
    await events.whenIdle();

    expect(events.deadLetters()).toEqual([
      expect.objectContaining({ queueArn: undefined, errorCode: 'ThrottlingException' }),
    ]);
    expect(events.deadLetters(DLQ)).toEqual([]);
  });

  it('fires a scheduled rule with a Scheduled Event from aws.events', async () => {
    lambdas.define('remind', () => null);
    const schedule = aRule({
      name: 'remind-approvers',
      eventBusName: 'default',
      eventPattern: undefined,
      scheduleExpression: 'rate(5 minutes)',
      targets: [aTarget({ arn: functionArn('remind') })],
    });
    const events = bridge([schedule]);

    events.fireScheduledRule('remind-approvers');
    await events.whenIdle();

    expect(lambdas.calls[0]?.payload).toMatchObject({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      resources: [schedule.arn],
      detail: {},
    });
    expect(events.events()).toEqual([]);
  });

  it('fires scheduled rules on their own timer, sped up by intervalScale', async () => {
    lambdas.define('remind', () => null);
    const events = bridge(
      [
        aRule({
          name: 'remind-approvers',
          eventBusName: 'default',
          eventPattern: undefined,
          scheduleExpression: 'rate(1 minute)',
          targets: [aTarget({ arn: functionArn('remind') })],
        }),
      ],
      { schedules: { enabled: true, intervalScale: 0.001 } },
    );

    const call = await lambdas.nextCall('remind');
    await events.stop();

    expect(call.payload).toMatchObject({ 'detail-type': 'Scheduled Event' });
  });

  it('fails to start with a RuleConfigurationError naming the rule and each problem', () => {
    const broken = aRule({
      name: 'broken',
      eventPattern: { detail: { amount: [{ numeric: ['>', 'x'] }] } },
      targets: [aTarget({ inputPath: '$.detail.items[*]' })],
    });

    expect(() => bridge([broken])).toThrow(RuleConfigurationError);
    expect(() => bridge([broken])).toThrow(
      /rule "broken" is invalid:[\s\S]*detail\.amount[\s\S]*target Target0: JSONPath/,
    );
    expect(() =>
      bridge([aRule({ name: 'no-rate', eventPattern: undefined, scheduleExpression: 'rate(0 minutes)' })]),
    ).toThrow(/ScheduleExpression: expected a schedule such as "rate\(5 minutes\)".*got "rate\(0 minutes\)"/);
  });

  it('fails to start with a schedule interval scale of zero, which would fire without pause', () => {
    expect(() => bridge([], { schedules: { intervalScale: 0 } })).toThrow(
      'schedules.intervalScale must be a number > 0, got 0',
    );
  });

  it('reads buses, rules and targets from a cloud assembly with names, ARNs and policies resolved', () => {
    const config = eventBridgeFromTemplate(loadCloudAssembly(join(FIXTURES, 'events-assembly')));

    expect(config).toMatchObject({
      region: 'us-east-1',
      accountId: '123456789012',
      eventBuses: ['orders-bus'],
    });
    expect(config.rules).toEqual([
      {
        name: 'events-fixture-TriggerRule',
        arn: 'arn:aws:events:us-east-1:123456789012:rule/orders-bus/events-fixture-TriggerRule',
        eventBusName: 'orders-bus',
        description: undefined,
        state: 'ENABLED',
        eventPattern: { source: ['shop.orders'], 'detail-type': ['OrderPlaced'] },
        scheduleExpression: undefined,
        targets: [
          {
            id: 'Target0',
            arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:events-fixture-Flow',
            roleArn: undefined,
            input: undefined,
            inputPath: '$.detail',
            inputTransformer: undefined,
            retryPolicy: { maximumRetryAttempts: 16, maximumEventAgeInSeconds: 86400 },
            deadLetterQueueArn: 'arn:aws:sqs:us-east-1:123456789012:events-fixture-DeadLetterQueue',
          },
        ],
      },
      expect.objectContaining({
        name: 'events-fixture-ReminderSchedule',
        eventBusName: 'default',
        scheduleExpression: 'rate(5 minutes)',
        targets: [
          expect.objectContaining({
            arn: 'arn:aws:lambda:us-east-1:123456789012:function:events-fixture-RemindFunction',
            retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86400 },
          }),
        ],
      }),
    ]);
  });
});

describe('local EventBridge and local Step Functions together', () => {
  it('turns a PutEvents call into an execution whose input is the event', async () => {
    const flow = stateMachineArn('fulfilment');
    const lambdas = new FakeLambdas().define('fulfil', (event) => ({ received: event }));
    const sfn = new LocalStepFunctions({
      stateMachines: [
        {
          arn: flow,
          definition: JSON.stringify({
            StartAt: 'Fulfil',
            States: { Fulfil: { Type: 'Task', Resource: functionArn('fulfil'), End: true } },
          }),
        },
      ],
      lambda: lambdas,
    });
    const service = await startEventBridge({
      region: FIXTURE_REGION,
      accountId: FIXTURE_ACCOUNT,
      eventBuses: [BUS],
      rules: [aRule({ targets: [aTarget({ arn: flow })] })],
      executions: sfn,
      lambda: lambdas,
      schedules: { enabled: false },
    });
    const client = new EventBridgeClient({
      endpoint: service.endpoint,
      region: FIXTURE_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      const started = new Promise<string>((resolve) => sfn.once('execution', (e) => resolve(e.executionArn)));

      const put = await client.send(new PutEventsCommand({ Entries: [orderPlaced()] }));
      const { status, output } = await sfn.execution(await started).settled;

      expect(status).toBe('SUCCEEDED');
      expect(JSON.parse(output ?? '{}').received).toMatchObject({
        id: put.Entries?.[0]?.EventId,
        source: 'shop.orders',
        'detail-type': 'OrderPlaced',
        detail: { orderId: 'o-1', amount: 25 },
      });
    } finally {
      client.destroy();
      await service.stop();
      await sfn.stop();
    }
  });
});
