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

/** Some entries of a PutEvents call were not accepted; names each with its error. */
export class EventPublishError extends AwfError {
  constructor(
    readonly failures: readonly {
      readonly detailType: string;
      readonly errorCode: string;
      readonly errorMessage: string;
    }[],
  ) {
    super(
      `event bus refused ${failures.length} event(s): ${failures
        .map((f) => `${f.detailType} (${f.errorCode}: ${f.errorMessage})`)
        .join('; ')}`,
    );
    this.name = 'EventPublishError';
  }
}

/** Where the publisher puts events. */
export interface EventBridgePublisherProps {
  readonly client: EventBridgeClient;
  /** Name or ARN of the bus. */
  readonly eventBusName: string;
}

/**
 * Puts events on one bus, 10 per call. Any entry the bus refuses fails the
 * whole publish with EventPublishError (EventBridge reports refusals per entry
 * with HTTP 200, so they must be looked for); the caller's retry then puts the
 * batch again, since a refused entry is never delivered.
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly eventBusName: string;

  constructor(props: EventBridgePublisherProps) {
    this.client = props.client;
    this.eventBusName = props.eventBusName;
  }

  async publish(events: readonly OutboundEvent[]): Promise<{ readonly eventIds: readonly string[] }> {
    const eventIds: string[] = [];
    const failures: { detailType: string; errorCode: string; errorMessage: string }[] = [];
    for (let start = 0; start < events.length; start += MAX_ENTRIES_PER_CALL) {
      const batch = events.slice(start, start + MAX_ENTRIES_PER_CALL);
      const entries: PutEventsRequestEntry[] = batch.map((event) => ({
        EventBusName: this.eventBusName,
        Source: event.source,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        Resources: event.resources === undefined ? undefined : [...event.resources],
      }));
      const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
      (result.Entries ?? []).forEach((entry, i) => {
        if (entry.EventId !== undefined && entry.ErrorCode === undefined) {
          eventIds.push(entry.EventId);
        } else {
          failures.push({
            detailType: batch[i]?.detailType ?? '(unknown)',
            errorCode: entry.ErrorCode ?? 'Unknown',
            errorMessage: entry.ErrorMessage ?? 'no message',
          });
        }
      });
      if ((result.FailedEntryCount ?? 0) > 0 && failures.length === 0) {
        failures.push({
          detailType: '(unknown)',
          errorCode: 'Unknown',
          errorMessage: 'FailedEntryCount > 0',
        });
      }
    }
    if (failures.length > 0) throw new EventPublishError(failures);
    return { eventIds };
  }
}
