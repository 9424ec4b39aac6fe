/**
 * The local Step Functions: the template's state machines run by
 * aws-local-stepfunctions, behind a Step Functions-compatible HTTP endpoint.
 */
import { startJsonProtocolServer } from '../http/json-protocol.js';
import type { LocalService } from '../ports.js';
import { stepFunctionsOperations } from './api.js';
import { LocalStepFunctions, type LocalStepFunctionsOptions } from './engine.js';

export { StateMachineDefinitionError, type TaskKind, type TaskStateInfo } from './definition.js';
export type {
  LocalStateMachineSource,
  LocalStepFunctionsOptions,
  StateMachineDescription,
} from './engine.js';
export { LocalStepFunctions } from './engine.js';
export type { ExecutionDescription, ExecutionResult, ExecutionStatus, LocalExecution } from './execution.js';
export { stateMachinesFromTemplate } from './from-template.js';

/** How to start the local Step Functions endpoint. */
export interface StepFunctionsServiceOptions extends LocalStepFunctionsOptions {
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

/** The running local Step Functions. */
export interface StepFunctionsService extends LocalService {
  readonly port: number;
  /** The service itself: an {@link ExecutionStarter} for EventBridge, live executions for progress. */
  readonly stepFunctions: LocalStepFunctions;
}

/**
 * Starts the local Step Functions and its endpoint on 127.0.0.1.
 *
 * Point the SDK at `endpoint` (or set `AWS_ENDPOINT_URL_SFN`). `stop()` aborts
 * running executions, releases task tokens and closes the server.
 *
 * @example
 * const sfn = await startStepFunctions({ stateMachines: stateMachinesFromTemplate(template), lambda });
 * const client = new SFNClient({ endpoint: sfn.endpoint, region, credentials });
 * await sfn.stop();
 */
export async function startStepFunctions(
  options: StepFunctionsServiceOptions,
): Promise<StepFunctionsService> {
  const stepFunctions = new LocalStepFunctions(options);
  let server: Awaited<ReturnType<typeof startJsonProtocolServer>>;
  try {
    server = await startJsonProtocolServer({
      name: 'sfn',
      targetPrefix: 'AWSStepFunctions',
      jsonVersion: '1.0',
      operations: stepFunctionsOperations(stepFunctions),
      port: options.port,
      onInternalError: options.onInternalError,
    });
  } catch (error) {
    await stepFunctions.stop();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    name: 'sfn',
    endpoint: server.endpoint,
    port: server.port,
    stepFunctions,
    stop() {
      stopped ??= stepFunctions.stop().then(() => server.stop());
      return stopped;
    },
  };
}
