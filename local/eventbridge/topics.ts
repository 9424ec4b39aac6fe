/**
 * SNS topics as EventBridge targets, locally: what would be published is
 * recorded, one JSON line per message, in `notifications.jsonl` beside the
 * event sink, and kept in memory for the demo and the tests. Nobody is
 * emailed; `awf events sink --notifications` shows what subscribers would get.
 */
import { appendFileSync } from 'node:fs';

/** A message a topic would have delivered to its subscribers. */
export interface PublishedNotification {
  readonly topicArn: string;
  /** When it was published, on the local cloud's clock. */
  readonly at: string;
  /** The message, as SNS would carry it (the event JSON, or the rule's input). */
  readonly message: string;
}

/** Publishes to local topics. */
export interface TopicPublisher {
  publish(topicArn: string, message: string): void;
}

/** The local topics' log of publications. */
export class NotificationLog implements TopicPublisher {
  readonly #file: string | undefined;
  readonly #clock: () => Date;
  readonly #published: PublishedNotification[] = [];
  readonly #listeners: ((notification: PublishedNotification) => void)[] = [];

  /** @param file JSON Lines file each publication is appended to; in memory only when undefined */
  constructor(file: string | undefined, clock: () => Date = () => new Date()) {
    this.#file = file;
    this.#clock = clock;
  }

  publish(topicArn: string, message: string): void {
    const notification = { topicArn, at: this.#clock().toISOString(), message };
    this.#published.push(notification);
    if (this.#file !== undefined) appendFileSync(this.#file, `${JSON.stringify(notification)}\n`);
    for (const listener of this.#listeners) listener(notification);
  }

  /** Publications so far, oldest first, optionally of one topic. */
  published(topicArn?: string): PublishedNotification[] {
    return this.#published.filter((n) => topicArn === undefined || n.topicArn === topicArn);
  }

  /** Calls `listener` with each publication from now on. */
  onPublish(listener: (notification: PublishedNotification) => void): void {
    this.#listeners.push(listener);
  }
}
