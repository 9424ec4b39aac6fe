/**
 * PutEvents entry failures: EventBridge answers HTTP 200 with some entries
 * refused; the publisher puts only those again, with a bounded backoff, and
 * then fails naming each entry still refused and its code.
 */
import type { PutEventsCommand, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher, EventPublishError } from '../../../adapters/eventbridge-publisher.js';

type Answer = (detailType: string, attempt: number) => PutEventsResultEntry;

/** A PutEvents client that answers each entry by its detail-type and how often that one was put. */
class FakeEventBridge {
  readonly calls: string[][] = [];
  private readonly attempts = new Map<string, number>();
  constructor(private readonly answer: Answer) {}

  async send(command: PutEventsCommand) {
    const entries = command.input.Entries ?? [];
    this.calls.push(entries.map((e) => e.DetailType ?? ''));
    const results = entries.map((entry) => {
      const detailType = entry.DetailType ?? '';
      const attempt = (this.attempts.get(detailType) ?? 0) + 1;
      this.attempts.set(detailType, attempt);
      return this.answer(detailType, attempt);
    });
    return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
  }
}

const accepted = (detailType: string, attempt: number): PutEventsResultEntry => ({
  EventId: `${detailType}-${attempt}`,
});
const refused = (code: string): PutEventsResultEntry => ({
  ErrorCode: code,
  ErrorMessage: `refused: ${code}`,
});
const event = (detailType: string) => ({
  source: 'awf.refund-triage',
  detailType,
  detail: { runId: 'run-1' },
});

function publisherOf(fake: FakeEventBridge, sleeps: number[] = []) {
  return new EventBridgePublisher({
    client: fake as never,
    eventBusName: 'awf-bus',
    retry: {
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.999,
      baseDelayMs: 100,
      maxDelayMs: 150,
    },
  });
}

it('puts again only the entries the bus refused, and returns every id in order', async () => {
  const fake = new FakeEventBridge((type, attempt) =>
    type === 'B' && attempt === 1 ? refused('ThrottlingException') : accepted(type, attempt),
  );
  const { eventIds } = await publisherOf(fake).publish([event('A'), event('B'), event('C')]);
  expect(fake.calls).toEqual([['A', 'B', 'C'], ['B']]);
  expect(eventIds).toEqual(['A-1', 'B-2', 'C-1']);
});

it('backs off between attempts, doubling up to the bound', async () => {
  const sleeps: number[] = [];
  const fake = new FakeEventBridge(() => refused('InternalFailure'));
  await expect(publisherOf(fake, sleeps).publish([event('A')])).rejects.toBeInstanceOf(EventPublishError);
  expect(fake.calls).toHaveLength(3);
  // Full jitter under a ceiling of 100 ms, then min(200, 150) ms.
  expect(sleeps).toEqual([99, 149]);
});

it('fails after the last attempt naming each refused entry, its position and its code', async () => {
  const fake = new FakeEventBridge((type, attempt) =>
    type === 'A'
      ? accepted(type, attempt)
      : refused(type === 'B' ? 'InternalFailure' : 'ThrottlingException'),
  );
  const publishing = publisherOf(fake).publish([event('A'), event('B'), event('C')]);
  await expect(publishing).rejects.toMatchObject({
    name: 'EventPublishError',
    failures: [
      { index: 1, detailType: 'B', errorCode: 'InternalFailure', attempts: 3 },
      { index: 2, detailType: 'C', errorCode: 'ThrottlingException', attempts: 3 },
    ],
    message:
      'event bus refused 2 event(s): #1 B (InternalFailure: refused: InternalFailure; 3 attempts); #2 C (ThrottlingException: refused: ThrottlingException; 3 attempts)',
  });
  expect(fake.calls).toEqual([
    ['A', 'B', 'C'],
    ['B', 'C'],
    ['B', 'C'],
  ]);
});

it('does not retry an entry refused with a code no retry can fix', async () => {
  const fake = new FakeEventBridge((type, attempt) =>
    type === 'Huge'
      ? refused('InvalidArgument')
      : attempt === 1
        ? refused('InternalFailure')
        : accepted(type, attempt),
  );
  await expect(publisherOf(fake).publish([event('Huge'), event('A')])).rejects.toMatchObject({
    failures: [{ index: 0, detailType: 'Huge', errorCode: 'InvalidArgument', attempts: 1 }],
  });
  expect(fake.calls).toEqual([['Huge', 'A'], ['A']]);
});

it('keeps batches of at most 10 entries on every attempt', async () => {
  const fake = new FakeEventBridge((type, attempt) =>
    Number(type.slice(1)) % 2 === 0 && attempt === 1 ? refused('InternalFailure') : accepted(type, attempt),
  );
  const events = Array.from({ length: 23 }, (_, i) => event(`E${i}`));
  const { eventIds } = await publisherOf(fake).publish(events);
  expect(fake.calls.map((c) => c.length)).toEqual([10, 10, 3, 10, 2]);
  expect(eventIds).toHaveLength(23);
});
