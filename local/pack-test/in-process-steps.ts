/**
 * The step Lambdas of one pack, run in this process: what the state machine's
 * Task states invoke when a pack's examples run without the local cloud.
 *
 * Each step is built from its definition with exactly the ports it declares
 * (as the Lambda handler factory builds it), its input is parsed with its
 * schema, and input and result cross a JSON boundary as they would between
 * Step Functions and Lambda. A step's error keeps its name, which the ASL's
 * Retry and Catch match on.
 */
import { type CallerIdentities, trustedRoleCallers } from '../../core/approval/caller.js';
import { STEP_DEFINITIONS } from '../../core/steps/definitions.js';
import { portsFor, type StepPorts } from '../../core/steps/ports.js';
import type { StepDefinition } from '../../core/steps/step-definition.js';
import { STEP_NAMES, type StepName } from '../../core/steps/step-names.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { AwsServiceError } from '../http/json-protocol.js';
import type { LambdaInvoker } from '../ports.js';

/**
 * The approver role whose sessions in-process harnesses decide as: the
 * decide-approval step trusts it (`inProcessCallers`), and
 * `assumedRoleArn(IN_PROCESS_APPROVER_ROLE_ARN, person)` is that person's identity.
 */
export const IN_PROCESS_APPROVER_ROLE_ARN = 'arn:aws:iam::000000000000:role/awf-approvers';

/**
 * The operator role whose sessions in-process harnesses operate the kill
 * switch as: `assumedRoleArn(IN_PROCESS_OPERATOR_ROLE_ARN, person)`.
 */
export const IN_PROCESS_OPERATOR_ROLE_ARN = 'arn:aws:iam::000000000000:role/awf-operators';

/**
 * The callers port of in-process harnesses: trusts sessions of
 * {@link IN_PROCESS_APPROVER_ROLE_ARN} and {@link IN_PROCESS_OPERATOR_ROLE_ARN}.
 * One port serves both endpoints here; in AWS each function trusts its own roles only.
 */
export function inProcessCallers(): CallerIdentities {
  return trustedRoleCallers([IN_PROCESS_APPROVER_ROLE_ARN, IN_PROCESS_OPERATOR_ROLE_ARN]);
}

/** The function ARN the in-process state machine names each step by. */
export function inProcessFunctionArn(step: StepName): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${step}`;
}

/** A step invocation, with what it was given and what it answered. */
export interface StepInvocation {
  readonly step: StepName;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
}

/** Steps ready to run, and a way to watch them. */
export interface InProcessSteps extends LambdaInvoker {
  /** Runs one step's handler, as Step Functions would invoke its Lambda. */
  invokeStep(step: StepName, payload: unknown): Promise<unknown>;
  /** Invocations started and not yet ended. */
  readonly inFlight: number;
  /** Invocations started so far. */
  readonly started: number;
}

/** A value as it crosses a Lambda boundary: JSON, `undefined` members gone. */
function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value ?? null)) as T;
}

function stepOfFunction(functionNameOrArn: string): StepName {
  const name = functionNameOrArn.split(':').pop() ?? functionNameOrArn;
  const step = STEP_NAMES.find((candidate) => candidate === name);
  if (!step) {
    throw new AwsServiceError(
      'ResourceNotFoundException',
      `no step named ${JSON.stringify(name)}: the in-process functions are ${STEP_NAMES.join(', ')}`,
      404,
    );
  }
  return step;
}

/**
 * Builds every step of `pack` once, on `ports`.
 * @param onInvoke sees every invocation after it ends (for reports and tests)
 */
export function inProcessSteps(
  pack: WorkflowPack,
  ports: StepPorts & { readonly clock: () => Date },
  onInvoke: (invocation: StepInvocation) => void = () => undefined,
): InProcessSteps {
  const { clock, ...available } = ports;
  const handlers = new Map<StepName, (input: unknown) => Promise<unknown>>();
  for (const step of STEP_NAMES) {
    // Each definition's input and output types differ; here every step is called with parsed JSON
    // and returns JSON, so the common shape is all this loop needs.
    const definition = STEP_DEFINITIONS[step] as unknown as StepDefinition;
    const useCase = definition.build(pack, portsFor(step, definition.ports, available, clock));
    handlers.set(step, (input) => useCase(definition.input.parse(input)));
  }
  let inFlight = 0;
  let started = 0;
  const invokeStep = async (step: StepName, payload: unknown): Promise<unknown> => {
    const handler = handlers.get(step);
    if (!handler) throw new AwsServiceError('ResourceNotFoundException', `no step ${step}`, 404);
    const input = json(payload);
    inFlight++;
    started++;
    try {
      const output = json(await handler(input));
      onInvoke({ step, input, output });
      return output;
    } catch (error) {
      const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
      onInvoke({ step, input, error: { name, message } });
      throw error;
    } finally {
      inFlight--;
    }
  };
  return {
    invokeStep,
    invoke: (functionNameOrArn, payload) => invokeStep(stepOfFunction(functionNameOrArn), payload),
    get inFlight() {
      return inFlight;
    },
    get started() {
      return started;
    },
  };
}
