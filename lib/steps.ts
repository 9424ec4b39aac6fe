/**
 * The step Lambdas of a governed workflow and what each one needs.
 *
 * One table instead of ten code paths: the construct builds every function
 * from it, and the tests read it to know which role must (and must not) hold
 * which power.
 */
import { Duration } from 'aws-cdk-lib';
import type { RunsPartition } from '../core/storage/table-layout.js';

/** Every step, in the order a run meets them; each has `lambdas/<step>/handler.ts`. */
export const STEP_NAMES = [
  'admit',
  'ground',
  'plan',
  'gate',
  'request-approval',
  'decide-approval',
  'act',
  'complete',
  'escalate',
  'remind',
] as const;

/** One of {@link STEP_NAMES}. */
export type StepName = (typeof STEP_NAMES)[number];

/** What a step needs. */
export interface StepProfile {
  /** Memory in MB; CPU scales with it. */
  readonly memorySize: number;
  readonly timeout: Duration;
  /**
   * Access to the runs table: reading, plus writing the kinds of items listed
   * (by partition key prefix). Nothing writes autonomy levels.
   */
  readonly runs: 'read' | { readonly writes: readonly RunsPartition[] };
  /** Whether the step appends to the lineage chain (every step but the scheduled reminder). */
  readonly appendsLineage: boolean;
  /**
   * Events the step puts on the bus: none, platform events of its workflow
   * (source `awf.<id>`), or only the detail-types of its workflow's connectors.
   */
  readonly events: 'none' | 'workflow' | 'connectors';
  /** Whether the step evaluates Cedar policies and so needs cedar-wasm's `.wasm` beside its bundle. */
  readonly evaluatesPolicies: boolean;
  /** Whether the step answers Step Functions task tokens (SendTaskSuccess / Failure / Heartbeat). */
  readonly answersTaskTokens: boolean;
  /** Whether the step may invoke the workflow's model (only Plan). */
  readonly invokesModel: boolean;
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
    runs: { writes: ['run'] },
    appendsLineage: true,
    events: 'none',
    evaluatesPolicies: false,
    answersTaskTokens: false,
    invokesModel: false,
    aslPlaceholder: 'AdmitFunctionArn',
  },
  ground: {
    memorySize: 256,
    timeout: Duration.seconds(30),
    runs: 'read',
    appendsLineage: true,
    events: 'none',
    evaluatesPolicies: false,
    answersTaskTokens: false,
    invokesModel: false,
    aslPlaceholder: 'GroundFunctionArn',
  },
  plan: {
    memorySize: 512,
    timeout: Duration.minutes(3),
    runs: 'read',
    appendsLineage: true,
    events: 'none',
    evaluatesPolicies: false,
    answersTaskTokens: false,
    invokesModel: true,
    aslPlaceholder: 'PlanFunctionArn',
  },
  gate: {
    memorySize: 512,
    timeout: Duration.seconds(30),
    runs: 'read',
    appendsLineage: true,
    events: 'none',
    evaluatesPolicies: true,
    answersTaskTokens: false,
    invokesModel: false,
    aslPlaceholder: 'GateFunctionArn',
  },
  'request-approval': {
    memorySize: 256,
    timeout: Duration.seconds(30),
    runs: { writes: ['approval', 'run'] },
    appendsLineage: true,
    events: 'workflow',
    evaluatesPolicies: false,
    answersTaskTokens: false,
    invokesModel: false,
    aslPlaceholder: 'RequestApprovalFunctionArn',
  },
  'decide-approval': {
    memorySize: 256,
    timeout: Duration.seconds(30),
    runs: { writes: ['approval', 'run'] },
    appendsLineage: true,
    events: 'none',
    evaluatesPolicies: false,
    answersTaskTokens: true,
    invokesModel: false,
  },
  act: {
    memorySize: 512,
    timeout: Duration.minutes(1),
    runs: { writes: ['execution', 'history'] },
    appendsLineage: true,
    events: 'connectors',
    evaluatesPolicies: true,
    answersTaskTokens: false,
    invokesModel: false,
    aslPlaceholder: 'ActFunctionArn',
  },
  complete: {
    memorySize: 256,
    timeout: Duration.seconds(30),
    runs: { writes: ['run'] },
    appendsLineage: true,
    events: 'workflow',
    evaluatesPolicies: false,
    answersTaskTokens: false,
    invokesModel: false,
    aslPlaceholder: 'CompleteFunctionArn',
  },
  escalate: {
    memorySize: 256,
    timeout: Duration.seconds(30),
    runs: { writes: ['approval', 'run'] },
    appendsLineage: true,
    events: 'workflow',
    evaluatesPolicies: false,
    answersTaskTokens: false,
    invokesModel: false,
    aslPlaceholder: 'EscalateFunctionArn',
  },
  remind: {
    memorySize: 256,
    timeout: Duration.minutes(2),
    runs: { writes: ['approval'] },
    appendsLineage: false,
    events: 'workflow',
    evaluatesPolicies: false,
    answersTaskTokens: true,
    invokesModel: false,
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
