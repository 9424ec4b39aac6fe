/**
 * The local Step Functions service, without HTTP: state machines, executions
 * and task tokens with the semantics of AWS's API (idempotent StartExecution,
 * named errors, callback tokens). The HTTP endpoint (`api.ts`) and in-process
 * callers such as the local EventBridge (through {@link ExecutionStarter}) use it.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { systemTime, type TimeSource } from '../clock/time-source.js';
import { AwsServiceError } from '../http/json-protocol.js';
import type { ExecutionStarter, LambdaInvoker } from '../ports.js';
import { type PreparedDefinition, prepareDefinition } from './definition.js';
import { type ExecutionDescription, type ExecutionStatus, LocalExecution } from './execution.js';
import { type RunningExecution, runExecution } from './runner.js';
import { TaskTokenRegistry } from './task-tokens.js';

/** A state machine to serve: its ARN and its definition with substitutions applied. */
export interface LocalStateMachineSource {
  /** `arn:<partition>:states:<region>:<account>:stateMachine:<name>`. */
  readonly arn: string;
  /** The ASL as JSON text, `DefinitionSubstitutions` already applied. */
  readonly definition: string;
  /**
   * The execution role, reported by DescribeStateMachine and in `$$.Execution.RoleArn`.
   * @default - a role ARN named after the state machine
   */
  readonly roleArn?: string;
}

/** How to create the local Step Functions. */
export interface LocalStepFunctionsOptions {
  readonly stateMachines: readonly LocalStateMachineSource[];
  /** Runs the Lambda functions that Task states name. */
  readonly lambda: LambdaInvoker;
  /**
   * Factor applied to `Retry` intervals: 0 retries at once (tests), 1 waits as AWS does.
   * @default 1
   */
  readonly retryIntervalScale?: number;
  /**
   * The clock for dates, history timestamps, task timeouts and heartbeats: a
   * {@link VirtualClock} makes a 24-hour approval timeout take milliseconds.
   * @default - the system clock and Node's timers
   */
  readonly time?: TimeSource;
}

/** What DescribeStateMachine returns. */
export interface StateMachineDescription {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: 'ACTIVE';
  readonly definition: string;
  readonly roleArn: string;
  readonly type: 'STANDARD';
  readonly creationDate: Date;
}

/** Events a {@link LocalStepFunctions} emits. */
export interface LocalStepFunctionsEvents {
  /** A new execution started; subscribe to its `history` and `settled` events for progress. */
  execution: [execution: LocalExecution];
}

interface ParsedStateMachineArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

interface ServedStateMachine {
  readonly description: StateMachineDescription;
  readonly arn: ParsedStateMachineArn;
  readonly prepared: PreparedDefinition;
}

const STATE_MACHINE_ARN = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):([^:]+):stateMachine:([^:]+)$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:[^:]+:execution:[^:]+:[^:]+$/;
/** Characters AWS refuses in execution names: whitespace, brackets, wildcards and specials. */
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
/** AWS's limit for execution input (256 KiB). */
const MAX_INPUT_BYTES = 262_144;

/** AWS's rule for execution names: 1-80 characters, none forbidden, no control characters. */
function isValidExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || FORBIDDEN_NAME_CHARACTERS.test(name)) return false;
  return [...name].every((character) => {
    const code = character.codePointAt(0) ?? 0;
    return code > 0x1f && (code < 0x7f || code > 0x9f);
  });
}

function parseStateMachineArn(arn: string): ParsedStateMachineArn | undefined {
  const match = STATE_MACHINE_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition = '', region = '', account = '', name = ''] = match;
  return { partition, region, account, name };
}

/**
 * Step Functions on this machine.
 *
 * @example
 * const sfn = new LocalStepFunctions({ stateMachines, lambda: lambdaHost, retryIntervalScale: 0 });
 * sfn.on('execution', (execution) => execution.on('history', (e) => console.log(e.type)));
 * const { executionArn } = await sfn.startExecution(stateMachineArn, JSON.stringify(event));
 * const { status } = await sfn.execution(executionArn).settled;
 * await sfn.stop();
 */
export class LocalStepFunctions extends EventEmitter<LocalStepFunctionsEvents> implements ExecutionStarter {
  readonly #stateMachines = new Map<string, ServedStateMachine>();
  readonly #executions = new Map<string, RunningExecution>();
  readonly #tokens: TaskTokenRegistry;
  readonly #lambda: LambdaInvoker;
  readonly #time: TimeSource;
  readonly #clock: () => Date;
  #stopped = false;

  /**
   * @throws StateMachineDefinitionError when a definition cannot run locally
   * @throws AwfError when a state machine ARN is malformed or served twice
   */
  constructor(options: LocalStepFunctionsOptions) {
    super();
    this.#lambda = options.lambda;
    this.#time = options.time ?? systemTime;
    this.#clock = () => this.#time.now();
    this.#tokens = new TaskTokenRegistry(this.#time);
    const creationDate = this.#clock();
    for (const source of options.stateMachines) {
      const arn = parseStateMachineArn(source.arn);
      if (!arn) {
        throw new AwsServiceError('InvalidArn', `invalid state machine ARN: ${JSON.stringify(source.arn)}`);
      }
      if (this.#stateMachines.has(source.arn)) {
        throw new AwsServiceError('StateMachineAlreadyExists', `state machine ${source.arn} is listed twice`);
      }
      const prepared = prepareDefinition(arn.name, source.definition, {
        retryIntervalScale: options.retryIntervalScale ?? 1,
      });
      this.#stateMachines.set(source.arn, {
        arn,
        prepared,
        description: {
          stateMachineArn: source.arn,
          name: arn.name,
          status: 'ACTIVE',
          definition: prepared.text,
          roleArn: source.roleArn ?? `arn:${arn.partition}:iam::${arn.account}:role/${arn.name}-role`,
          type: 'STANDARD',
          creationDate,
        },
      });
    }
  }

  /**
   * StartExecution. Idempotent as in AWS: the same name and input as a RUNNING
   * execution returns that execution; a name already used otherwise fails.
   *
   * @param input JSON text; AWS's default is `{}`
   * @param name unique per state machine; a UUID when omitted
   * @throws AwsServiceError `StateMachineDoesNotExist`, `InvalidArn`, `InvalidName`,
   *   `InvalidExecutionInput`, `ExecutionAlreadyExists`
   */
  async startExecution(
    stateMachineArn: string,
    input = '{}',
    name: string = randomUUID(),
  ): Promise<{ executionArn: string; startDate: Date }> {
    if (this.#stopped)
      throw new AwsServiceError('ServiceUnavailable', 'the local Step Functions has stopped', 503);
    const machine = this.#requireStateMachine(stateMachineArn);
    if (!isValidExecutionName(name)) {
      throw new AwsServiceError(
        'InvalidName',
        `invalid execution name ${JSON.stringify(name)}: 1-80 characters, no whitespace, brackets, wildcards or ` +
          'any of " # % \\ ^ | ~ ` $ & , ; : /',
      );
    }
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES) {
      throw new AwsServiceError('InvalidExecutionInput', `input exceeds ${MAX_INPUT_BYTES} bytes`);
    }
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch (error) {
      throw new AwsServiceError('InvalidExecutionInput', `input is not valid JSON: ${String(error)}`);
    }

    const { partition, region, account } = machine.arn;
    const executionArn = `arn:${partition}:states:${region}:${account}:execution:${machine.arn.name}:${name}`;
    const existing = this.#executions.get(executionArn)?.execution;
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn, startDate: existing.startDate };
      }
      throw new AwsServiceError(
        'ExecutionAlreadyExists',
        `execution ${name} already exists for ${stateMachineArn}` +
          (existing.status === 'RUNNING' ? ' with a different input' : ` and is ${existing.status}`),
      );
    }

    const execution = new LocalExecution({
      executionArn,
      stateMachineArn,
      name,
      input,
      startDate: this.#clock(),
      clock: this.#clock,
    });
    const running = runExecution(execution, parsedInput, {
      prepared: machine.prepared,
      stateMachineName: machine.arn.name,
      roleArn: machine.description.roleArn,
      region,
      lambda: this.#lambda,
      tokens: this.#tokens,
      time: this.#time,
    });
    this.#executions.set(executionArn, running);
    this.emit('execution', execution);
    return { executionArn, startDate: execution.startDate };
  }

  /**
   * The execution itself, for live progress (`history` events) and its `settled` promise.
   * @throws AwsServiceError `InvalidArn`, `ExecutionDoesNotExist`
   */
  execution(executionArn: string): LocalExecution {
    return this.#requireExecution(executionArn).execution;
  }

  /** DescribeExecution. */
  describeExecution(executionArn: string): ExecutionDescription {
    return this.execution(executionArn).describe();
  }

  /** ListExecutions: newest first, optionally only those with one status. */
  listExecutions(stateMachineArn: string, statusFilter?: ExecutionStatus): ExecutionDescription[] {
    this.#requireStateMachine(stateMachineArn);
    return [...this.#executions.values()]
      .map(({ execution }) => execution)
      .filter((e) => e.stateMachineArn === stateMachineArn && (!statusFilter || e.status === statusFilter))
      .reverse()
      .map((e) => e.describe());
  }

  /** GetExecutionHistory, oldest first. */
  getExecutionHistory(executionArn: string): readonly HistoryEvent[] {
    return this.execution(executionArn).history;
  }

  /**
   * StopExecution: a running execution ends ABORTED; a closed one is left as it is.
   * Resolves once the execution has ended.
   */
  async stopExecution(executionArn: string, error?: string, cause?: string): Promise<{ stopDate: Date }> {
    const running = this.#requireExecution(executionArn);
    running.stop(error, cause);
    const { stopDate } = await running.execution.settled;
    return { stopDate: stopDate ?? this.#clock() };
  }

  /** SendTaskSuccess. @throws AwsServiceError `InvalidToken`, `TaskDoesNotExist`, `TaskTimedOut`, `InvalidOutput` */
  sendTaskSuccess(taskToken: string, output: string): void {
    this.#tokens.succeed(taskToken, output);
  }

  /** SendTaskFailure. @throws AwsServiceError `InvalidToken`, `TaskDoesNotExist`, `TaskTimedOut` */
  sendTaskFailure(taskToken: string, error?: string, cause?: string): void {
    this.#tokens.fail(taskToken, error, cause);
  }

  /** SendTaskHeartbeat. @throws AwsServiceError `InvalidToken`, `TaskDoesNotExist`, `TaskTimedOut` */
  sendTaskHeartbeat(taskToken: string): void {
    this.#tokens.heartbeat(taskToken);
  }

  /** DescribeStateMachine. */
  describeStateMachine(stateMachineArn: string): StateMachineDescription {
    return this.#requireStateMachine(stateMachineArn).description;
  }

  /** ListStateMachines, in the order they were given. */
  listStateMachines(): StateMachineDescription[] {
    return [...this.#stateMachines.values()].map(({ description }) => description);
  }

  /** Stops every running execution and releases every task token; later starts fail. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const running = [...this.#executions.values()].filter(({ execution }) => execution.status === 'RUNNING');
    for (const execution of running) execution.stop(undefined, 'the local Step Functions stopped');
    this.#tokens.closeAll();
    await Promise.all(running.map(({ execution }) => execution.settled));
  }

  #requireStateMachine(stateMachineArn: string): ServedStateMachine {
    const machine = this.#stateMachines.get(stateMachineArn);
    if (machine) return machine;
    if (!parseStateMachineArn(stateMachineArn)) {
      throw new AwsServiceError(
        'InvalidArn',
        `invalid state machine ARN: ${JSON.stringify(stateMachineArn)}`,
      );
    }
    throw new AwsServiceError('StateMachineDoesNotExist', `state machine does not exist: ${stateMachineArn}`);
  }

  #requireExecution(executionArn: string): RunningExecution {
    const running = this.#executions.get(executionArn);
    if (running) return running;
    if (!EXECUTION_ARN.test(executionArn)) {
      throw new AwsServiceError('InvalidArn', `invalid execution ARN: ${JSON.stringify(executionArn)}`);
    }
    throw new AwsServiceError('ExecutionDoesNotExist', `execution does not exist: ${executionArn}`);
  }
}
