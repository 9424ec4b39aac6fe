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

/**
 * Reads one item of a customer's DynamoDB table: the grounding facts of a run
 * (`spec.grounding.facts`). awf never writes these tables.
 */
export interface FactReader {
  /**
   * The item at `key` in `table` (a table name or ARN), or undefined when there is none.
   * Rejects when the table cannot be read; the caller decides DENY from that.
   */
  getItem(
    table: string,
    key: Readonly<Record<string, string | number>>,
  ): Promise<Readonly<Record<string, unknown>> | undefined>;
}

/**
 * Keyed hashes (HMAC-SHA-256) of values that must be compared but never stored
 * in clear, such as the history key (a customer id, an email). In AWS the key
 * is a KMS HMAC key only the steps that hash may use; the same input always
 * gives the same hash under one key.
 */
export interface KeyedHasher {
  /** The keyed hash of `value`, as lowercase hex (or base64url); stable for the key's life. */
  hash(value: string): Promise<string>;
}

/**
 * Seals the task token of an approval before it is stored, and opens it to
 * answer the waiting run. A sealed token is bound to its approval id: one
 * moved to another approval's item does not open. In AWS it is encrypted
 * under a KMS key that only the request step may encrypt with and only the
 * decide step may decrypt with, the approval id as encryption context.
 *
 * A sealed token is text, `<scheme>:v<version>:<base64>` (see
 * `core/approval/task-token.ts`), never the token itself.
 */
export interface TaskTokenSeal {
  /** The sealed form of `token`, bound to `approvalId`. */
  seal(approvalId: string, token: string): Promise<string>;
  /**
   * The token `sealed` holds.
   * @throws when it was sealed for another approval, under another key, or was altered.
   */
  open(approvalId: string, sealed: string): Promise<string>;
}

/** How an execution stands, as Step Functions' DescribeExecution says. */
export interface ExecutionStanding {
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
  /** The execution's input (the admitted bus event), as JSON text. */
  readonly input?: string;
  readonly stopDate?: Date;
  readonly error?: string;
  readonly cause?: string;
}

/** Step Functions' DescribeExecution, for the reconciler's sweep. */
export interface ExecutionReader {
  /** How an execution stands, or undefined when Step Functions does not know it. */
  describe(executionArn: string): Promise<ExecutionStanding | undefined>;
}

/** Step Functions' callback API, used with the task tokens of approval requests. */
export interface TaskCallbacks {
  succeed(taskToken: string, output: unknown): Promise<void>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}
