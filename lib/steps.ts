/**
 * The runtime settings of each step Lambda: memory, timeout, the ASL
 * placeholder of its ARN, and whether its bundle carries cedar-wasm.
 *
 * What a step may touch (and so its IAM) is not here: it is derived from the
 * ports the step's definition declares (`core/steps/`), so the code and its
 * grants cannot disagree.
 */
import { Duration } from 'aws-cdk-lib';
import type { StepName } from '../core/steps/step-names.js';

export { STEP_NAMES, type StepName } from '../core/steps/step-names.js';

/** How a step's Lambda runs. */
export interface StepProfile {
  /** Memory in MB; CPU scales with it. */
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Whether the step evaluates Cedar policies and so needs cedar-wasm's `.wasm` beside its bundle. */
  readonly evaluatesPolicies: boolean;
  /** The ASL placeholder holding the function's ARN, for steps the state machine calls. */
  readonly aslPlaceholder?: string;
}

/**
 * Memory and timeouts are explicit for every step. Plan's timeout covers a
 * Converse call plus the repair turns the spec allows; Gate and Act load
 * cedar-wasm, which wants more memory (and so CPU) at cold start; Remind walks
 * every pending approval of the workflow.
 */
export const STEP_PROFILES: Readonly<Record<StepName, StepProfile>> = {
  admit: {
    memorySize: 256,
    timeout: Duration.seconds(30),
    evaluatesPolicies: false,
    aslPlaceholder: 'AdmitFunctionArn',
  },
  ground: {
    memorySize: 256,
    timeout: Duration.seconds(30),
    evaluatesPolicies: false,
    aslPlaceholder: 'GroundFunctionArn',
  },
  plan: {
    memorySize: 512,
    timeout: Duration.minutes(3),
    evaluatesPolicies: false,
    aslPlaceholder: 'PlanFunctionArn',
  },
  park: {
    memorySize: 256,
    timeout: Duration.seconds(30),
    evaluatesPolicies: false,
    aslPlaceholder: 'ParkFunctionArn',
  },
  gate: {
    memorySize: 512,
    timeout: Duration.seconds(30),
    evaluatesPolicies: true,
    aslPlaceholder: 'GateFunctionArn',
  },
  'request-approval': {
    memorySize: 256,
    timeout: Duration.seconds(30),
    evaluatesPolicies: false,
    aslPlaceholder: 'RequestApprovalFunctionArn',
  },
  'decide-approval': {
    memorySize: 256,
    timeout: Duration.seconds(30),
    evaluatesPolicies: false,
  },
  act: {
    memorySize: 512,
    timeout: Duration.minutes(1),
    evaluatesPolicies: true,
    aslPlaceholder: 'ActFunctionArn',
  },
  complete: {
    memorySize: 256,
    timeout: Duration.seconds(30),
    evaluatesPolicies: false,
    aslPlaceholder: 'CompleteFunctionArn',
  },
  escalate: {
    memorySize: 256,
    timeout: Duration.seconds(30),
    evaluatesPolicies: false,
    aslPlaceholder: 'EscalateFunctionArn',
  },
  remind: {
    memorySize: 256,
    timeout: Duration.minutes(2),
    evaluatesPolicies: false,
  },
  reconcile: {
    memorySize: 256,
    timeout: Duration.minutes(2),
    evaluatesPolicies: false,
  },
  // The kill switch: invoked by an operator (`grantOperate`), never by the state machine.
  switch: {
    memorySize: 256,
    timeout: Duration.seconds(30),
    evaluatesPolicies: false,
  },
  // Invoked by a follow-up's one-time schedule, or by an operator asking to cancel one; never by the state machine.
  'follow-up': {
    memorySize: 256,
    timeout: Duration.seconds(30),
    evaluatesPolicies: false,
  },
};

/** `request-approval` -> `RequestApproval`: construct ids and names derived from a step. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}
