/**
 * EventPublisher on an EventBridge bus (PutEvents).
 */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { AwfError } from '../core/errors.js';
import type { EventPublisher, OutboundEvent } from '../core/ports.js';

/** PutEvents accepts at most 10 entries per call. */
const MAX_ENTRIES_PER_CALL = 10;

/**
 * Entry error codes that another attempt cannot fix: the entry itself is
 * wrong (too large, malformed) or the caller may not put it. Every other code
 * (`InternalFailure`, `ThrottlingException`, ...) is retried.
 */
const PERMANENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'InvalidArgument',
  'MalformedDetail',
  'ValidationException',
]);

/** One entry the bus refused, as the publisher reports it. */
export interface RefusedEntry {
  /** The entry's position in the events given to `publish`. */
  readonly index: number;
  readonly detailType: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  /** How many times it was put. */
  readonly attempts: number;
}

/** Some entries of a publish were still refused after the retries; names each with its error. */
export class EventPublishError extends AwfError {
  constructor(readonly failures: readonly RefusedEntry[]) {
    super(
      `event bus refused ${failures.length} event(s): ${failures
        .map(
          (f) =>
            `#${f.index} ${f.detailType} (${f.errorCode}: ${f.errorMessage}; ${f.attempts} attempt${f.attempts === 1 ? '' : 's'})`,
        )
        .join('; ')}`,
    );
    this.name = 'EventPublishError';
  }
}

/** How refused entries are retried. */
export interface PublishRetry {
  /**
   * Attempts per entry, the first included.
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * The first backoff; each next one doubles, with full jitter.
   * @default 100 ms
   */
  readonly baseDelayMs?: number;
  /**
   * The longest backoff.
   * @default 2,000 ms
   */
  readonly maxDelayMs?: number;
  /** How to wait (tests pass one that records and returns at once). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
}

/** Where the publisher puts events. */
export interface EventBridgePublisherProps {
  readonly client: Pick<EventBridgeClient, 'send'>;
  /** Name or ARN of the bus. */
  readonly eventBusName: string;
  /** @default - 3 attempts, 100 ms doubling to at most 2 s, full jitter */
  readonly retry?: PublishRetry;
}

interface Pending {
  readonly index: number;
  readonly entry: PutEventsRequestEntry;
  readonly detailType: string;
  attempts: number;
}

/**
 * Puts events on one bus, 10 per call. EventBridge refuses entries one by one
 * with HTTP 200 (`FailedEntryCount`, `Entries[i].ErrorCode`), so each answer
 * is read entry by entry: accepted entries are done, and only the refused
 * ones are put again, after a bounded backoff with jitter. An entry refused
 * with a code no retry can fix is not retried. When entries are still refused
 * after the last attempt, the publish fails with EventPublishError naming
 * each (its position, detail-type, code and message); the events accepted
 * meanwhile stay delivered, so a caller's retry may deliver those twice and
 * consumers deduplicate by their ids, as they must for EventBridge anyway.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: Pick<EventBridgeClient, 'send'>;
  private readonly eventBusName: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(props: EventBridgePublisherProps) {
    this.client = props.client;
    this.eventBusName = props.eventBusName;
    this.maxAttempts = Math.max(1, props.retry?.maxAttempts ?? 3);
    this.baseDelayMs = props.retry?.baseDelayMs ?? 100;
    this.maxDelayMs = props.retry?.maxDelayMs ?? 2_000;
    this.sleep = props.retry?.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = props.retry?.random ?? Math.random;
  }

  async publish(events: readonly OutboundEvent[]): Promise<{ readonly eventIds: readonly string[] }> {
    const eventIds: (string | undefined)[] = new Array(events.length).fill(undefined);
    const refused: RefusedEntry[] = [];
    let pending: Pending[] = events.map((event, index) => ({
      index,
      detailType: event.detailType,
      attempts: 0,
      entry: {
        EventBusName: this.eventBusName,
        Source: event.source,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        Resources: event.resources === undefined ? undefined : [...event.resources],
      },
    }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      const retry: Pending[] = [];
      for (let start = 0; start < pending.length; start += MAX_ENTRIES_PER_CALL) {
        const batch = pending.slice(start, start + MAX_ENTRIES_PER_CALL);
        const result = await this.client.send(new PutEventsCommand({ Entries: batch.map((p) => p.entry) }));
        batch.forEach((item, i) => {
          item.attempts++;
          const answer = result.Entries?.[i];
          if (answer?.EventId !== undefined && answer.ErrorCode === undefined) {
            eventIds[item.index] = answer.EventId;
            return;
          }
          // No answer for an entry (a short Entries list) is a refusal too: it was not delivered.
          const errorCode = answer?.ErrorCode ?? 'Unknown';
          const errorMessage = answer?.ErrorMessage ?? 'no result for this entry';
          if (item.attempts < this.maxAttempts && !PERMANENT_ERROR_CODES.has(errorCode)) {
            retry.push(item);
          } else {
            refused.push({
              index: item.index,
              detailType: item.detailType,
              errorCode,
              errorMessage,
              attempts: item.attempts,
            });
          }
        });
      }
      pending = retry;
    }
    if (refused.length > 0) throw new EventPublishError(refused.sort((a, b) => a.index - b.index));
    return { eventIds: eventIds.filter((id): id is string => id !== undefined) };
  }

  /** Full jitter over an exponential ceiling: spreads retries of many callers throttled together. */
  private backoff(retry: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retry - 1));
    return Math.floor(this.random() * ceiling);
  }
}
