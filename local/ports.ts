/**
 * Ports between the parts of the local cloud.
 *
 * The local Step Functions runner, the local EventBridge and the Lambda host
 * are started separately and wired together by the orchestration; these
 * interfaces are what each side may assume of the other.
 */

/**
 * Invokes a Lambda function of the synthesized stack, synchronously
 * (`RequestResponse`).
 *
 * Resolves with the function's result. A function error rejects with an
 * `Error` whose `name` is the Lambda's `errorType` and whose message is its
 * `errorMessage`, because Step Functions' Retry and Catch match on that name.
 */
export interface LambdaInvoker {
  invoke(functionNameOrArn: string, payload: unknown): Promise<unknown>;
}

/** Starts an execution of a state machine, as Step Functions' StartExecution does. */
export interface ExecutionStarter {
  startExecution(
    stateMachineArn: string,
    input: string,
    name?: string,
  ): Promise<{ executionArn: string; startDate: Date }>;
}

/** A running local service: what it is, where it listens, and how to stop it for sure. */
export interface LocalService {
  /** Short name for logs and `.awf/local.json` (`dynamodb`, `lambda`, `bedrock`, ...). */
  readonly name: string;
  /** Base URL the AWS SDK is pointed at, such as `http://127.0.0.1:8000`. */
  readonly endpoint: string;
  /** Frees everything the service holds (processes, workers, sockets, timers); safe to call twice. */
  stop(): Promise<void>;
}
