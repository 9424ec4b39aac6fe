/**
 * The local EventBridge, without HTTP: buses, PutEvents with EventBridge's
 * per-entry validation, rule matching with `core/event-pattern`, delivery to
 * targets with retries and dead-letter queues, scheduled rules, and the sink.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AwfError } from '../../core/errors.js';
import {
  compilePattern,
  type EventMatcher,
  InvalidEventPatternError,
} from '../../core/event-pattern/index.js';
import { AwsServiceError } from '../http/json-protocol.js';
import type { ExecutionStarter, LambdaInvoker } from '../ports.js';
import { type DeadLetter, type DeliveryOutcome, deliver } from './delivery.js';
import { busNameOf, type LocalRule, type LocalTarget, RuleConfigurationError } from './rules.js';
import { ratePeriodMs } from './schedule.js';
import { EventSink, type LocalBusEvent, type SinkQuery, type SinkRecord } from './sink.js';
import { TargetInputError, validateTargetInput } from './target-input.js';
import type { TopicPublisher } from './topics.js';

/** One entry of a PutEvents request. */
export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  /** JSON text of an object. */
  readonly Detail?: string;
  /** A bus name or ARN; `default` when omitted. */
  readonly EventBusName?: string;
  readonly Resources?: readonly string[];
  readonly Time?: Date;
  readonly TraceHeader?: string;
}

/** One entry of a PutEvents response: the event id, or why the entry failed. */
export type PutEventsResultEntry =
  | { readonly EventId: string }
  | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** A PutEvents response. */
export interface PutEventsResult {
  readonly FailedEntryCount: number;
  readonly Entries: readonly PutEventsResultEntry[];
}

/** How to create the local EventBridge. */
export interface LocalEventBridgeOptions {
  readonly region: string;
  readonly accountId: string;
  /** @default 'aws' */
  readonly partition?: string;
  /** Names of the custom buses; `default` always exists. */
  readonly eventBuses: readonly string[];
  readonly rules: readonly LocalRule[];
  /** Starts executions of state machine targets (the local Step Functions). */
  readonly executions: ExecutionStarter;
  /** Invokes Lambda targets (the local Lambda host). */
  readonly lambda: LambdaInvoker;
  /** Records what SNS topic targets would publish. @default - topic targets are undeliverable */
  readonly topics?: TopicPublisher;
  /**
   * JSON Lines file the sink appends every accepted event to.
   * @default - the sink is kept in memory only
   */
  readonly sinkFile?: string;
  /**
   * Factor applied to delivery retry delays: 0 retries at once (tests).
   * @default 1
   */
  readonly retryDelayScale?: number;
  /** Scheduled rules (`rate(...)`). */
  readonly schedules?: {
    /**
     * Fire scheduled rules on timers.
     * @default true
     */
    readonly enabled?: boolean;
    /**
     * Factor applied to every rate: 0.01 fires a `rate(5 minutes)` rule every 3 seconds.
     * @default 1
     */
    readonly intervalScale?: number;
  };
  /**
   * The clock for event times and retry ages.
   * @default - the system clock
   */
  readonly clock?: () => Date;
}

/** A delivery that succeeded. */
export interface Delivery {
  readonly ruleName: string;
  readonly targetId: string;
  readonly targetArn: string;
  readonly event: LocalBusEvent;
  readonly attempts: number;
}

/** Events a {@link LocalEventBridge} emits. */
export interface LocalEventBridgeEvents {
  /** An event was accepted (and appended to the sink). */
  event: [record: SinkRecord];
  /** An event reached a target. */
  delivered: [delivery: Delivery];
  /** A delivery failed for good and went to the dead-letter queue (or was dropped). */
  deadLettered: [deadLetter: DeadLetter];
}

/** A bus as DescribeEventBus reports it. */
export interface EventBusDescription {
  readonly Name: string;
  readonly Arn: string;
}

interface ServedRule {
  readonly rule: LocalRule;
  readonly matches?: EventMatcher;
}

const ENABLED_STATES = new Set(['ENABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']);
/** AWS's limit for one PutEvents entry (256 KiB). */
const MAX_ENTRY_BYTES = 262_144;

/** EventBridge writes event times to the second: `2026-01-01T12:00:00Z`. */
function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entryFailure(code: string, message: string): PutEventsResultEntry {
  return { ErrorCode: code, ErrorMessage: message };
}

function invalidArgument(parameter: string, reason: string): PutEventsResultEntry {
  return entryFailure('InvalidArgument', `Parameter ${parameter} is not valid. Reason: ${reason}`);
}

/** Checks a rule the way PutRule and PutTargets would. @throws RuleConfigurationError */
function serveRule(rule: LocalRule): ServedRule {
  const problems: string[] = [];
  let matches: EventMatcher | undefined;
  if (rule.eventPattern !== undefined) {
    try {
      matches = compilePattern(rule.eventPattern);
    } catch (error) {
      if (!(error instanceof InvalidEventPatternError)) throw error;
      problems.push(...error.problems.map((p) => `EventPattern ${p}`));
    }
  }
  if (rule.scheduleExpression !== undefined) {
    try {
      ratePeriodMs(rule.scheduleExpression);
    } catch (error) {
      problems.push(`ScheduleExpression: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (rule.eventPattern === undefined && rule.scheduleExpression === undefined) {
    problems.push('a rule needs an EventPattern or a ScheduleExpression');
  }
  for (const target of rule.targets) {
    try {
      validateTargetInput(target);
    } catch (error) {
      if (!(error instanceof TargetInputError)) throw error;
      problems.push(`target ${target.id}: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new RuleConfigurationError(rule.name, problems);
  return { rule, matches };
}

/**
 * EventBridge on this machine.
 *
 * @example
 * const events = new LocalEventBridge({ ...eventBridgeFromTemplate(template), executions: sfn, lambda });
 * events.on('deadLettered', (letter) => console.warn(letter.errorMessage));
 * events.putEvents([{ Source: 'shop', DetailType: 'OrderPlaced', Detail: '{}' }]);
 * await events.whenIdle();
 * await events.stop();
 */
export class LocalEventBridge extends EventEmitter<LocalEventBridgeEvents> {
  /** Every accepted event. */
  readonly sink: EventSink;

  readonly #options: LocalEventBridgeOptions;
  readonly #partition: string;
  readonly #buses: ReadonlyMap<string, EventBusDescription>;
  readonly #rules: readonly ServedRule[];
  readonly #clock: () => Date;
  readonly #stopping = new AbortController();
  readonly #inFlight = new Set<Promise<DeliveryOutcome>>();
  readonly #deadLetters: DeadLetter[] = [];
  readonly #timers: NodeJS.Timeout[] = [];

  /**
   * @throws RuleConfigurationError when a rule's pattern, schedule or target input is invalid
   * @throws AwfError when a scale option is out of range
   */
  constructor(options: LocalEventBridgeOptions) {
    super();
    const retryDelayScale = options.retryDelayScale ?? 1;
    const intervalScale = options.schedules?.intervalScale ?? 1;
    if (!Number.isFinite(retryDelayScale) || retryDelayScale < 0) {
      throw new AwfError(`retryDelayScale must be a number >= 0, got ${retryDelayScale}`);
    }
    if (!Number.isFinite(intervalScale) || intervalScale <= 0) {
      throw new AwfError(`schedules.intervalScale must be a number > 0, got ${intervalScale}`);
    }
    this.#options = options;
    this.#partition = options.partition ?? 'aws';
    this.#clock = options.clock ?? (() => new Date());
    const busArn = (name: string) =>
      `arn:${this.#partition}:events:${options.region}:${options.accountId}:event-bus/${name}`;
    this.#buses = new Map(
      ['default', ...options.eventBuses].map((name) => [name, { Name: name, Arn: busArn(name) }]),
    );
    this.#rules = options.rules.map(serveRule);
    this.sink = new EventSink(options.sinkFile);
    if (options.schedules?.enabled ?? true) this.#startSchedules(options.schedules?.intervalScale ?? 1);
  }

  /**
   * PutEvents: validates each entry on its own (invalid ones fail with an
   * ErrorCode and a message naming the problem; valid ones are accepted),
   * appends accepted events to the sink and starts delivering them to the
   * targets of the rules they match. Delivery runs in the background, as in
   * EventBridge; {@link whenIdle} waits for it.
   */
  putEvents(entries: readonly PutEventsEntry[]): PutEventsResult {
    const results = entries.map((entry) => this.#putEntry(entry));
    return {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    };
  }

  /** Runs the targets of a scheduled rule now, as its schedule would. @throws AwsServiceError `ResourceNotFoundException` */
  fireScheduledRule(ruleName: string): void {
    const served = this.#rules.find(
      ({ rule }) => rule.name === ruleName && rule.scheduleExpression !== undefined,
    );
    if (!served)
      throw new AwsServiceError('ResourceNotFoundException', `no scheduled rule named ${ruleName}`);
    const now = this.#clock();
    const event: LocalBusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.#options.accountId,
      time: eventTime(now),
      region: this.#options.region,
      resources: [served.rule.arn],
      detail: {},
    };
    for (const target of served.rule.targets) this.#deliver(served.rule, target, event, now);
  }

  /** Resolves once no delivery is running or waiting to retry. */
  async whenIdle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Failed deliveries, oldest first: those of one dead-letter queue, or all (dropped ones included). */
  deadLetters(queueArn?: string): DeadLetter[] {
    return this.#deadLetters.filter((letter) => queueArn === undefined || letter.queueArn === queueArn);
  }

  /** Accepted events matching `query`, oldest first. */
  events(query: SinkQuery = {}): SinkRecord[] {
    return this.sink.query(query);
  }

  /** The rules, optionally those of one bus (a name or ARN). */
  rules(eventBusName?: string): LocalRule[] {
    const bus = eventBusName === undefined ? undefined : busNameOf(eventBusName);
    return this.#rules
      .map(({ rule }) => rule)
      .filter((rule) => bus === undefined || rule.eventBusName === bus);
  }

  /** DescribeEventBus. @throws AwsServiceError `ResourceNotFoundException` */
  describeEventBus(nameOrArn = 'default'): EventBusDescription {
    const bus = this.#buses.get(busNameOf(nameOrArn));
    if (!bus)
      throw new AwsServiceError('ResourceNotFoundException', `Event bus ${nameOrArn} does not exist.`);
    return bus;
  }

  /** Stops scheduled rules and abandons pending retries; waits for deliveries already being sent. */
  async stop(): Promise<void> {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.#stopping.abort();
    await this.whenIdle();
  }

  #putEntry(entry: PutEventsEntry): PutEventsResultEntry {
    if (!entry.Source) return invalidArgument('Source', 'Source is a required argument.');
    if (!entry.DetailType) return invalidArgument('DetailType', 'DetailType is a required argument.');
    if (entry.Detail === undefined || entry.Detail === '') {
      return invalidArgument('Detail', 'Detail is a required argument.');
    }
    if (entry.Source.startsWith('aws.')) {
      return entryFailure(
        'NotAuthorizedForSourceException',
        `Not authorized for the source "${entry.Source}": sources starting with "aws." are reserved for AWS services.`,
      );
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return entryFailure('MalformedDetail', `Detail is malformed: not JSON: ${entry.Detail.slice(0, 100)}`);
    }
    if (!isRecord(detail)) {
      return entryFailure(
        'MalformedDetail',
        `Detail is malformed: expected a JSON object, got ${entry.Detail.slice(0, 100)}`,
      );
    }
    const busName = busNameOf(entry.EventBusName ?? 'default');
    if (!this.#buses.has(busName)) {
      return invalidArgument('EventBusName', `event bus "${entry.EventBusName}" does not exist.`);
    }
    const size = Buffer.byteLength(
      entry.Source + entry.DetailType + entry.Detail + (entry.Resources ?? []).join(''),
    );
    if (size > MAX_ENTRY_BYTES) {
      return invalidArgument('Entry', `the entry is ${size} bytes; the limit is ${MAX_ENTRY_BYTES}.`);
    }

    const ingestionTime = this.#clock();
    const event: LocalBusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: this.#options.accountId,
      time: eventTime(entry.Time ?? ingestionTime),
      region: this.#options.region,
      resources: [...(entry.Resources ?? [])],
      detail,
    };
    return this.#accept(busName, event, ingestionTime);
  }

  /**
   * An event an AWS service sends to the account's default bus (Step
   * Functions' execution status changes): accepted as EventBridge accepts
   * the services' own events, `aws.` source and all, which PutEvents refuses
   * to anyone else. Once the bus is stopped, nothing is accepted (undefined).
   */
  publishServiceEvent(entry: {
    readonly source: `aws.${string}`;
    readonly detailType: string;
    readonly detail: Record<string, unknown>;
    readonly resources?: readonly string[];
  }): string | undefined {
    // A stopped bus takes nothing: an execution aborted by the local cloud's own stop is no change to deliver.
    if (this.#stopping.signal.aborted) return undefined;
    const ingestionTime = this.#clock();
    const event: LocalBusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.detailType,
      source: entry.source,
      account: this.#options.accountId,
      time: eventTime(ingestionTime),
      region: this.#options.region,
      resources: [...(entry.resources ?? [])],
      detail: entry.detail,
    };
    const accepted = this.#accept('default', event, ingestionTime);
    return 'EventId' in accepted ? (accepted.EventId ?? event.id) : event.id;
  }

  /** Sinks an accepted event and starts delivering it to the targets of the rules it matches. */
  #accept(busName: string, event: LocalBusEvent, ingestionTime: Date): PutEventsResultEntry {
    const matched = this.#rules.filter(
      ({ rule, matches }) =>
        rule.eventBusName === busName && ENABLED_STATES.has(rule.state) && matches?.(event) === true,
    );
    const record: SinkRecord = {
      eventBusName: busName,
      event,
      matchedRules: matched.map(({ rule }) => rule.name),
    };
    this.sink.append(record);
    this.emit('event', record);
    for (const { rule } of matched) {
      for (const target of rule.targets) this.#deliver(rule, target, event, ingestionTime);
    }
    return { EventId: event.id };
  }

  #deliver(rule: LocalRule, target: LocalTarget, event: LocalBusEvent, ingestionTime: Date): void {
    const delivery = deliver(rule, target, event, ingestionTime, this.#options, {
      retryDelayScale: this.#options.retryDelayScale ?? 1,
      clock: this.#clock,
      signal: this.#stopping.signal,
    });
    this.#inFlight.add(delivery);
    void delivery.then((outcome) => {
      this.#inFlight.delete(delivery);
      if (outcome.status === 'delivered') {
        this.emit('delivered', {
          ruleName: rule.name,
          targetId: target.id,
          targetArn: target.arn,
          event,
          attempts: outcome.attempts,
        });
      } else if (outcome.status === 'dead-lettered') {
        this.#deadLetters.push(outcome.deadLetter);
        this.emit('deadLettered', outcome.deadLetter);
      }
    });
  }

  #startSchedules(intervalScale: number): void {
    for (const { rule } of this.#rules) {
      if (rule.scheduleExpression === undefined || !ENABLED_STATES.has(rule.state)) continue;
      const period = ratePeriodMs(rule.scheduleExpression);
      if (period === undefined) continue;
      const timer = setInterval(() => this.fireScheduledRule(rule.name), Math.max(1, period * intervalScale));
      // A schedule alone does not keep the process alive; the endpoints do while the local cloud runs.
      timer.unref();
      this.#timers.push(timer);
    }
  }
}
