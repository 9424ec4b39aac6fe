/**
 * PutEvents on the local EventBridge through the real @aws-sdk/client-eventbridge:
 * entries are validated one by one, accepted events get an id and a time and
 * land in the sink, which another process can read from its JSON Lines file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeEventBusCommand,
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type EventBridgeService, readSinkFile, startEventBridge } from '../../../local/eventbridge/index.js';
import { FakeExecutions } from '../../fixtures/local/events-fakes.js';
import {
  FakeLambdas,
  FIXTURE_ACCOUNT,
  FIXTURE_REGION,
  LOCAL_CREDENTIALS,
  stateMachineArn,
} from '../../fixtures/local/sfn-fake-lambdas.js';

const BUS = 'orders-bus';
const BUS_ARN = `arn:aws:events:${FIXTURE_REGION}:${FIXTURE_ACCOUNT}:event-bus/${BUS}`;

const orderPlaced = (detail: Record<string, unknown> = { orderId: 'o-1' }): PutEventsRequestEntry => ({
  Source: 'shop.orders',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify(detail),
  EventBusName: BUS,
});

describe('local EventBridge: PutEvents and the sink', () => {
  let dir: string;
  let service: EventBridgeService;
  let client: EventBridgeClient;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'awf-events-'));
    service = await startEventBridge({
      region: FIXTURE_REGION,
      accountId: FIXTURE_ACCOUNT,
      eventBuses: [BUS],
      rules: [
        {
          name: 'start-fulfilment',
          arn: `arn:aws:events:${FIXTURE_REGION}:${FIXTURE_ACCOUNT}:rule/${BUS}/start-fulfilment`,
          eventBusName: BUS,
          state: 'ENABLED',
          eventPattern: { source: ['shop.orders'], 'detail-type': ['OrderPlaced'] },
          targets: [
            {
              id: 'fulfilment',
              arn: stateMachineArn('fulfilment'),
              retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
            },
          ],
        },
      ],
      executions: new FakeExecutions(),
      lambda: new FakeLambdas(),
      sinkFile: join(dir, 'state', 'events.jsonl'),
      schedules: { enabled: false },
    });
    client = new EventBridgeClient({
      endpoint: service.endpoint,
      region: FIXTURE_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    client.destroy();
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts valid entries and fails each invalid one with a code and a message naming the problem', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          orderPlaced(),
          { ...orderPlaced(), DetailType: undefined },
          { ...orderPlaced(), Detail: '{"orderId": ' },
          { ...orderPlaced(), Detail: '["not", "an", "object"]' },
          { ...orderPlaced(), EventBusName: 'no-such-bus' },
          { ...orderPlaced(), Source: 'aws.ec2' },
          orderPlaced({ orderId: 'o-2' }),
        ],
      }),
    );

    expect(result.FailedEntryCount).toBe(5);
    const entries = result.Entries ?? [];
    expect(entries[0]?.EventId).toEqual(expect.any(String));
    expect(entries[6]?.EventId).toEqual(expect.any(String));
    expect(entries.slice(1, 6)).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: expect.stringContaining('DetailType is a required argument'),
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: expect.stringContaining('not JSON') },
      { ErrorCode: 'MalformedDetail', ErrorMessage: expect.stringContaining('expected a JSON object') },
      { ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('"no-such-bus" does not exist') },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: expect.stringContaining('"aws.ec2"') },
    ]);
    expect(service.eventBridge.events().map((r) => r.event.detail)).toEqual([
      { orderId: 'o-1' },
      { orderId: 'o-2' },
    ]);
  });

  it('fails the whole request with ValidationException when it has more than 10 entries', async () => {
    const entries = Array.from({ length: 11 }, () => orderPlaced());

    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Entries: expected between 1 and 10 entries'),
    });
  });

  it('gives an accepted event the envelope EventBridge delivers: id, account, region, time, resources', async () => {
    const time = new Date('2026-03-01T08:30:00.000Z');
    const result = await client.send(
      new PutEventsCommand({
        Entries: [{ ...orderPlaced(), Time: time, Resources: ['arn:aws:shop:order/o-1'] }],
      }),
    );

    const [record] = service.eventBridge.events();
    expect(record).toEqual({
      eventBusName: BUS,
      matchedRules: ['start-fulfilment'],
      event: {
        version: '0',
        id: result.Entries?.[0]?.EventId,
        'detail-type': 'OrderPlaced',
        source: 'shop.orders',
        account: FIXTURE_ACCOUNT,
        time: '2026-03-01T08:30:00Z',
        region: FIXTURE_REGION,
        resources: ['arn:aws:shop:order/o-1'],
        detail: { orderId: 'o-1' },
      },
    });
  });

  it('accepts the bus by ARN as well as by name, and puts entries without one on the default bus', async () => {
    await client.send(
      new PutEventsCommand({
        Entries: [
          { ...orderPlaced(), EventBusName: BUS_ARN },
          { ...orderPlaced(), EventBusName: undefined },
        ],
      }),
    );

    expect(service.eventBridge.events().map((r) => r.eventBusName)).toEqual([BUS, 'default']);
    expect(service.eventBridge.events({ eventBusName: 'default' })[0]?.matchedRules).toEqual([]);
  });

  it('answers sink queries by source and detail-type, most recent last, within a limit', async () => {
    await client.send(
      new PutEventsCommand({
        Entries: [
          orderPlaced({ orderId: 'o-1' }),
          { ...orderPlaced(), DetailType: 'OrderCancelled' },
          orderPlaced({ orderId: 'o-3' }),
          { ...orderPlaced({ orderId: 'b-4' }), Source: 'shop.billing' },
        ],
      }),
    );

    const placed = service.eventBridge.events({ source: 'shop.orders', detailType: 'OrderPlaced' });
    const lastPlaced = service.eventBridge.events({
      source: 'shop.orders',
      detailType: 'OrderPlaced',
      limit: 1,
    });

    expect(placed.map((r) => r.event.detail.orderId)).toEqual(['o-1', 'o-3']);
    expect(lastPlaced.map((r) => r.event.detail.orderId)).toEqual(['o-3']);
    expect(service.eventBridge.events({ detailType: 'OrderPlaced', limit: 1 })[0]?.event.source).toBe(
      'shop.billing',
    );
  });

  it('appends each accepted event as one JSON line that readSinkFile reads back', async () => {
    await client.send(
      new PutEventsCommand({
        Entries: [orderPlaced({ orderId: 'o-1' }), { ...orderPlaced(), Detail: 'nope' }],
      }),
    );
    await client.send(new PutEventsCommand({ Entries: [{ ...orderPlaced(), DetailType: 'OrderShipped' }] }));
    const file = join(dir, 'state', 'events.jsonl');

    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readSinkFile(file).map((r) => r.event['detail-type'])).toEqual(['OrderPlaced', 'OrderShipped']);
    expect(readSinkFile(file, { detailType: 'OrderShipped' })).toHaveLength(1);
    expect(readSinkFile(join(dir, 'missing.jsonl'))).toEqual([]);
  });

  it('describes its buses and lists the rules of a bus', async () => {
    const bus = await client.send(new DescribeEventBusCommand({ Name: BUS }));
    const rules = await client.send(new ListRulesCommand({ EventBusName: BUS }));

    expect(bus).toMatchObject({ Name: BUS, Arn: BUS_ARN });
    expect(rules.Rules?.map((r) => [r.Name, r.State, JSON.parse(r.EventPattern ?? '{}')])).toEqual([
      ['start-fulfilment', 'ENABLED', { source: ['shop.orders'], 'detail-type': ['OrderPlaced'] }],
    ]);
    await expect(client.send(new DescribeEventBusCommand({ Name: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
