/**
 * The EventBridge publisher through the real SDK client against a local
 * PutEvents endpoint: what it sends, batching, and refused entries.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher, EventPublishError } from '../../adapters/eventbridge-publisher.js';
import {
  type JsonProtocolServer,
  type ReceivedCall,
  startJsonProtocolServer,
} from '../support/json-protocol-server.js';

type Entry = {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
  Resources?: string[];
};
const entriesOf = (call: ReceivedCall) => call.body.Entries as Entry[];

/** Accepts every entry except those whose detail-type is listed. */
const refusing =
  (...refused: string[]) =>
  (call: ReceivedCall) => {
    const entries = entriesOf(call).map((entry, i) =>
      refused.includes(entry.DetailType)
        ? { ErrorCode: 'InternalFailure', ErrorMessage: `could not put ${entry.DetailType}` }
        : { EventId: `id-${i}-${entry.DetailType}` },
    );
    return { body: { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries } };
  };

let server: JsonProtocolServer;
let client: EventBridgeClient;
let refused: string[] = [];

beforeAll(async () => {
  server = await startJsonProtocolServer((call) => refusing(...refused)(call));
  client = new EventBridgeClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  client.destroy();
  await server.close();
});
beforeEach(() => {
  server.calls.length = 0;
  refused = [];
});

const publisher = () =>
  new EventBridgePublisher({ client, eventBusName: 'awf-bus', retry: { sleep: async () => undefined } });
const event = (detailType: string) => ({
  source: 'awf.refund-triage',
  detailType,
  detail: { runId: 'run-1', amount: 45.5 },
});

describe('EventBridgePublisher', () => {
  it('puts each event on the bus with its source, detail-type, JSON detail and resources', async () => {
    const { eventIds } = await publisher().publish([{ ...event('WorkflowCompleted'), resources: ['arn:x'] }]);
    expect(eventIds).toEqual(['id-0-WorkflowCompleted']);
    expect(server.calls.map((c) => c.operation)).toEqual(['PutEvents']);
    expect(entriesOf(server.calls[0] as ReceivedCall)).toEqual([
      {
        EventBusName: 'awf-bus',
        Source: 'awf.refund-triage',
        DetailType: 'WorkflowCompleted',
        Detail: JSON.stringify({ runId: 'run-1', amount: 45.5 }),
        Resources: ['arn:x'],
      },
    ]);
  });

  it('splits more than 10 events into calls of at most 10', async () => {
    const { eventIds } = await publisher().publish(Array.from({ length: 23 }, (_, i) => event(`Type${i}`)));
    expect(server.calls.map((c) => entriesOf(c).length)).toEqual([10, 10, 3]);
    expect(eventIds).toHaveLength(23);
  });

  it('fails with EventPublishError naming each refused entry', async () => {
    refused = ['RefundIssued'];
    const publishing = publisher().publish([event('WorkflowCompleted'), event('RefundIssued')]);
    await expect(publishing).rejects.toBeInstanceOf(EventPublishError);
    await expect(publisher().publish([event('RefundIssued')])).rejects.toMatchObject({
      name: 'EventPublishError',
      message:
        'event bus refused 1 event(s): #0 RefundIssued (InternalFailure: could not put RefundIssued; 3 attempts)',
    });
  });
});
