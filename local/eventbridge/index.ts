/**
 * The local EventBridge: the template's buses and rules behind a
 * PutEvents-compatible HTTP endpoint, delivering to the local Step Functions
 * and Lambda host, with a sink of every accepted event.
 */
import { startJsonProtocolServer } from '../http/json-protocol.js';
import type { LocalService } from '../ports.js';
import { eventBridgeOperations } from './api.js';
import { LocalEventBridge, type LocalEventBridgeOptions } from './engine.js';

export type { DeadLetter } from './delivery.js';
export {
  type Delivery,
  type EventBusDescription,
  LocalEventBridge,
  type LocalEventBridgeOptions,
  type PutEventsEntry,
  type PutEventsResult,
} from './engine.js';
export {
  DEFAULT_RETRY_POLICY,
  type EventBridgeTemplateConfig,
  eventBridgeFromTemplate,
  type LocalRule,
  type LocalTarget,
  RuleConfigurationError,
} from './rules.js';
export {
  EventSink,
  filterSinkRecords,
  type LocalBusEvent,
  readSinkFile,
  SinkFileError,
  type SinkQuery,
  type SinkRecord,
} from './sink.js';

/** How to start the local EventBridge endpoint. */
export interface EventBridgeServiceOptions extends LocalEventBridgeOptions {
  /**
   * TCP port on 127.0.0.1.
   * @default 0 - any free port; read it from `endpoint`
   */
  readonly port?: number;
  /**
   * Called with unexpected errors behind `InternalFailure` responses (bugs).
   * @default - written to stderr
   */
  readonly onInternalError?: (error: unknown, operation: string) => void;
}

/** The running local EventBridge. */
export interface EventBridgeService extends LocalService {
  readonly port: number;
  /** The service itself: the sink, dead letters, delivery events, scheduled rules. */
  readonly eventBridge: LocalEventBridge;
}

/**
 * Starts the local EventBridge and its endpoint on 127.0.0.1.
 *
 * Point the SDK at `endpoint` (or set `AWS_ENDPOINT_URL_EVENTBRIDGE`). Stop it
 * before the services it delivers to: `stop()` abandons pending retries,
 * waits for deliveries being sent, clears schedules and closes the server.
 *
 * @example
 * const events = await startEventBridge({
 *   ...eventBridgeFromTemplate(template), executions: sfn.stepFunctions, lambda, sinkFile: '.awf/events.jsonl',
 * });
 * await events.stop();
 */
export async function startEventBridge(options: EventBridgeServiceOptions): Promise<EventBridgeService> {
  const eventBridge = new LocalEventBridge(options);
  let server: Awaited<ReturnType<typeof startJsonProtocolServer>>;
  try {
    server = await startJsonProtocolServer({
      name: 'eventbridge',
      targetPrefix: 'AWSEvents',
      jsonVersion: '1.1',
      operations: eventBridgeOperations(eventBridge),
      port: options.port,
      onInternalError: options.onInternalError,
    });
  } catch (error) {
    await eventBridge.stop();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    name: 'eventbridge',
    endpoint: server.endpoint,
    port: server.port,
    eventBridge,
    stop() {
      stopped ??= eventBridge.stop().then(() => server.stop());
      return stopped;
    },
  };
}
