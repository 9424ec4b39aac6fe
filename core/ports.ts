/**
 * Ports the step use cases take as arguments, besides the stores
 * (`core/lineage/record.ts`, `core/runs/records.ts`) and the model
 * (`core/agent/model.ts`). Adapters live in `adapters/`.
 */

/** The current time; injected so tests control it. */
export type Clock = () => Date;

/** An event an action or the platform puts on the platform bus. */
export interface OutboundEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly resources?: readonly string[];
}

/** Puts events on the platform bus; rejects when any entry failed. */
export interface EventPublisher {
  publish(events: readonly OutboundEvent[]): Promise<{ readonly eventIds: readonly string[] }>;
}

/** Updates an item of a connector's DynamoDB table (the `dynamodb` connector). */
export interface ItemUpdater {
  update(
    tableName: string,
    key: Readonly<Record<string, unknown>>,
    set: Readonly<Record<string, unknown>>,
  ): Promise<void>;
}

/** Step Functions' callback API, used with the task tokens of approval requests. */
export interface TaskCallbacks {
  succeed(taskToken: string, output: unknown): Promise<void>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
  heartbeat(taskToken: string): Promise<void>;
}
