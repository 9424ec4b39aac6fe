/**
 * Turns a state machine definition, as the template holds it, into what the
 * local runner executes.
 *
 * aws-local-stepfunctions runs JSONPath ASL faithfully but silently ignores
 * JSONata, `Assign` and friends, and calls real AWS for any Task without a
 * local handler. So a definition is checked here first, and anything the runner
 * would get wrong fails loudly, naming the state, before a single execution
 * starts.
 */
import './promise-polyfill.js';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwfError } from '../../core/errors.js';
import { MAX_TIMER_SECONDS } from './timers.js';

/** How a Task state's `Resource` is run locally. */
export type TaskKind =
  /** `Resource` is a Lambda function ARN: invoke it with the effective input. */
  | 'lambda-function'
  /** `arn:aws:states:::lambda:invoke`: invoke `Parameters.FunctionName` with `Parameters.Payload`. */
  | 'lambda-invoke'
  /** `arn:aws:states:::lambda:invoke.waitForTaskToken`: invoke, then wait for SendTaskSuccess/Failure. */
  | 'lambda-invoke-callback';

/** What the local task handlers need to know about one Task state. */
export interface TaskStateInfo {
  readonly stateName: string;
  readonly resource: string;
  readonly kind: TaskKind;
  /** The state's `TimeoutSeconds`; undefined when it has none (or uses `TimeoutSecondsPath`). */
  readonly timeoutSeconds?: number;
  /** The state's `HeartbeatSeconds`; only callback tasks can send heartbeats. */
  readonly heartbeatSeconds?: number;
}

/**
 * A Wait state: how long it waits. The runner would sleep on Node's own timers,
 * so the emulation runs each Wait itself, on its time source (the system clock,
 * a scaled one, or a virtual clock in tests and `awf packs test`).
 */
export interface WaitStateInfo {
  readonly stateName: string;
  readonly seconds?: number;
  readonly secondsPath?: string;
  readonly timestamp?: string;
  readonly timestampPath?: string;
}

/** The Resource a Wait state runs as in the runner's copy of the definition; never in AWS. */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::awf-local:wait';

/** A definition ready to run, with its Task and Wait states indexed by name. */
export interface PreparedDefinition {
  /** The definition text as AWS stores it: substitutions applied. */
  readonly text: string;
  /** Every Task state, nested ones (Map, Parallel) included, by state name. */
  readonly tasks: ReadonlyMap<string, TaskStateInfo>;
  /** Every Wait state, nested ones included, by state name. */
  readonly waits: ReadonlyMap<string, WaitStateInfo>;
  /** The runner's state machine; build executions with `machine.run(...)`. */
  readonly machine: StateMachine;
  /**
   * The definition's own `TimeoutSeconds`: the execution's timeout, which the
   * local engine keeps on its time source (the runner's would use the wall clock).
   */
  readonly executionTimeoutSeconds?: number;
}

/** How to prepare a definition. */
export interface PrepareOptions {
  /**
   * Factor applied to every `Retry` interval (`IntervalSeconds`, `MaxDelaySeconds`):
   * 0 retries at once, 1 waits as in AWS. Backoff and jitter are kept.
   */
  readonly retryIntervalScale: number;
}

/** A state machine definition the local runner cannot run as AWS would. */
export class StateMachineDefinitionError extends AwfError {
  constructor(
    readonly stateMachine: string,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      `state machine "${stateMachine}" cannot run locally:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
    this.name = 'StateMachineDefinitionError';
  }
}

const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[^:]+:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;
const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const LAMBDA_INVOKE_CALLBACK = /^arn:aws[a-z-]*:states:::lambda:invoke\.waitForTaskToken$/;

/** Fields of the JSONata query language and of variables, which the runner ignores instead of running. */
const UNSUPPORTED_STATE_FIELDS = ['Arguments', 'Output', 'Assign'] as const;
/** Fields of distributed Map states, which read and write S3. */
const DISTRIBUTED_MAP_FIELDS = ['ItemReader', 'ResultWriter', 'ItemBatcher'] as const;

type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAslDefinition(value: unknown): value is StateMachineDefinition {
  return isJsonObject(value) && typeof value.StartAt === 'string' && isJsonObject(value.States);
}

/** Calls `visit` for every state, descending into Map item processors and Parallel branches. */
function walkStates(states: JsonObject, visit: (name: string, state: JsonObject) => void): void {
  for (const [name, state] of Object.entries(states)) {
    if (!isJsonObject(state)) continue;
    visit(name, state);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (isJsonObject(processor) && isJsonObject(processor.States)) walkStates(processor.States, visit);
    if (Array.isArray(state.Branches)) {
      for (const branch of state.Branches) {
        if (isJsonObject(branch) && isJsonObject(branch.States)) walkStates(branch.States, visit);
      }
    }
  }
}

function taskKind(resource: string): TaskKind | undefined {
  if (LAMBDA_FUNCTION_ARN.test(resource)) return 'lambda-function';
  if (LAMBDA_INVOKE.test(resource)) return 'lambda-invoke';
  if (LAMBDA_INVOKE_CALLBACK.test(resource)) return 'lambda-invoke-callback';
  return undefined;
}

function optionalSeconds(
  state: JsonObject,
  field: string,
  where: string,
  problems: string[],
): number | undefined {
  const value = state[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    problems.push(
      `${where}: ${field} must be a positive whole number of seconds, got ${JSON.stringify(value)}` +
        (typeof value === 'string' ? ' (a substitution placed inside quotes?)' : ''),
    );
    return undefined;
  }
  return value;
}

function inspectState(name: string, state: JsonObject, problems: string[]): TaskStateInfo | undefined {
  const where = `state "${name}"`;
  if (state.QueryLanguage !== undefined && state.QueryLanguage !== 'JSONPath') {
    problems.push(
      `${where}: QueryLanguage ${JSON.stringify(state.QueryLanguage)} is not supported; use JSONPath`,
    );
  }
  for (const field of UNSUPPORTED_STATE_FIELDS) {
    if (state[field] !== undefined)
      problems.push(`${where}: ${field} (JSONata or variables) is not supported`);
  }
  if (state.Type === 'Choice' && Array.isArray(state.Choices)) {
    if (state.Choices.some((rule) => isJsonObject(rule) && rule.Condition !== undefined)) {
      problems.push(`${where}: Choice rules with Condition (JSONata) are not supported`);
    }
  }
  if (state.Type === 'Map') {
    for (const field of DISTRIBUTED_MAP_FIELDS) {
      if (state[field] !== undefined)
        problems.push(`${where}: distributed Map field ${field} is not supported`);
    }
  }
  if (state.Type !== 'Task') return undefined;

  const resource = state.Resource;
  const kind = typeof resource === 'string' ? taskKind(resource) : undefined;
  if (typeof resource !== 'string' || kind === undefined) {
    problems.push(
      `${where}: Resource ${JSON.stringify(resource)} is not supported; expected a Lambda function ARN, ` +
        'arn:aws:states:::lambda:invoke or arn:aws:states:::lambda:invoke.waitForTaskToken',
    );
    return undefined;
  }
  if (state.HeartbeatSecondsPath !== undefined) {
    problems.push(`${where}: HeartbeatSecondsPath is not supported; use HeartbeatSeconds`);
  }
  const timeoutSeconds = optionalSeconds(state, 'TimeoutSeconds', where, problems);
  const heartbeatSeconds = optionalSeconds(state, 'HeartbeatSeconds', where, problems);
  return { stateName: name, resource, kind, timeoutSeconds, heartbeatSeconds };
}

/**
 * The copy the runner executes: task timeouts left to the local handlers,
 * retry intervals scaled, and `"ResultPath": "$"` written the way the runner
 * understands.
 */
function runtimeDefinition(
  definition: StateMachineDefinition,
  retryIntervalScale: number,
): StateMachineDefinition {
  // A JSON round trip rather than structuredClone: the runner only treats objects of its own realm as
  // payload templates, and structuredClone may hand back another realm's objects (under test runners).
  const copy: StateMachineDefinition = JSON.parse(JSON.stringify(definition));
  // The engine times the execution out on its own time source (see runExecution).
  delete copy.TimeoutSeconds;
  walkStates(copy.States, (_name, state) => {
    if (state.Type === 'Wait') {
      // Run by the emulation's own handler on its time source (see WaitStateInfo); the
      // handler returns its effective input, so InputPath and OutputPath apply as for a Wait.
      for (const field of ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath']) delete state[field];
      state.Type = 'Task';
      state.Resource = LOCAL_WAIT_RESOURCE;
      state.TimeoutSeconds = MAX_TIMER_SECONDS;
      return;
    }
    // The local handlers enforce TimeoutSeconds themselves (the runner would
    // otherwise stop every Task after its own 60 s default).
    if (state.Type === 'Task' && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = MAX_TIMER_SECONDS;
    }
    // The runner stores a result under a key named "$" instead of replacing the input with it;
    // `"ResultPath": "$"` means the same as no ResultPath, which the runner gets right.
    if (state.ResultPath === '$') delete state.ResultPath;
    if (Array.isArray(state.Catch)) {
      for (const catcher of state.Catch) {
        if (isJsonObject(catcher) && catcher.ResultPath === '$') delete catcher.ResultPath;
      }
    }
    if (Array.isArray(state.Retry)) {
      for (const retrier of state.Retry) {
        if (!isJsonObject(retrier)) continue;
        retrier.IntervalSeconds =
          (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) * retryIntervalScale;
        if (typeof retrier.MaxDelaySeconds === 'number') {
          // The runner treats a zero cap as "no cap"; the scaled interval is zero then anyway.
          retrier.MaxDelaySeconds *= retryIntervalScale;
        }
      }
    }
  });
  return copy;
}

function waitOf(name: string, state: JsonObject): WaitStateInfo {
  const text = (field: string) => (typeof state[field] === 'string' ? (state[field] as string) : undefined);
  return {
    stateName: name,
    ...(typeof state.Seconds === 'number' ? { seconds: state.Seconds } : {}),
    ...(text('SecondsPath') === undefined ? {} : { secondsPath: text('SecondsPath') }),
    ...(text('Timestamp') === undefined ? {} : { timestamp: text('Timestamp') }),
    ...(text('TimestampPath') === undefined ? {} : { timestampPath: text('TimestampPath') }),
  };
}

/**
 * Parses, checks and prepares a definition for the local runner.
 *
 * @param stateMachine name used in error messages
 * @param text the definition with substitutions applied
 * @throws StateMachineDefinitionError listing every problem: not JSON, invalid ASL,
 *   JSONata, unsupported Task resources, duplicate state names, malformed timeouts.
 */
export function prepareDefinition(
  stateMachine: string,
  text: string,
  options: PrepareOptions,
): PreparedDefinition {
  if (!Number.isFinite(options.retryIntervalScale) || options.retryIntervalScale < 0) {
    throw new AwfError(`retryIntervalScale must be a number >= 0, got ${options.retryIntervalScale}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StateMachineDefinitionError(stateMachine, [`the definition is not JSON: ${String(error)}`], {
      cause: error,
    });
  }
  if (!isAslDefinition(parsed)) {
    throw new StateMachineDefinitionError(stateMachine, [
      'the definition needs StartAt (a string) and States',
    ]);
  }

  const problems: string[] = [];
  if (isJsonObject(parsed) && parsed.QueryLanguage !== undefined && parsed.QueryLanguage !== 'JSONPath') {
    problems.push(`QueryLanguage ${JSON.stringify(parsed.QueryLanguage)} is not supported; use JSONPath`);
  }
  const tasks = new Map<string, TaskStateInfo>();
  const waits = new Map<string, WaitStateInfo>();
  const seen = new Set<string>();
  walkStates(parsed.States, (name, state) => {
    // The runner keys local handlers by state name alone, and AWS requires unique names anyway.
    if (seen.has(name)) problems.push(`state "${name}": the name is used more than once`);
    seen.add(name);
    const task = inspectState(name, state, problems);
    if (task) tasks.set(name, task);
    if (state.Type === 'Wait') waits.set(name, waitOf(name, state));
  });
  if (problems.length > 0) throw new StateMachineDefinitionError(stateMachine, problems);

  try {
    // Validates the ASL (asl-validator) once; executions reuse the unvalidated runtime copy.
    new StateMachine(parsed);
  } catch (error) {
    throw new StateMachineDefinitionError(
      stateMachine,
      [error instanceof Error ? error.message : String(error)],
      {
        cause: error,
      },
    );
  }
  const machine = new StateMachine(runtimeDefinition(parsed, options.retryIntervalScale), {
    validationOptions: { noValidate: true },
  });
  const executionTimeoutSeconds =
    typeof parsed.TimeoutSeconds === 'number' ? parsed.TimeoutSeconds : undefined;
  return {
    text,
    tasks,
    waits,
    machine,
    ...(executionTimeoutSeconds === undefined ? {} : { executionTimeoutSeconds }),
  };
}
