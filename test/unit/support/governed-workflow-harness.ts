/**
 * Runs the real governed-workflow ASL with the real step use cases behind its
 * Task states: the state machine's paths, the steps' zod input schemas and
 * what the steps return meet exactly as they do in AWS, with in-memory stores
 * in place of the tables.
 *
 * aws-local-stepfunctions runs the definition; each Task state is answered by
 * the use case its Lambda would call, with its input parsed by the same schema
 * the handler uses and both input and result passed through JSON, as a Lambda
 * boundary would. The callback state (`.waitForTaskToken`) mints a token, calls
 * the request-approval step with it, lets the test's approver decide through
 * the real decide step, and resumes with what that step sends to the token.
 */

import { readFileSync } from 'node:fs';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { z } from 'zod';
import type { ModelPort } from '../../../core/model/model.js';
import type { Clock, ItemUpdater, TaskCallbacks } from '../../../core/ports.js';
import { actStep } from '../../../core/steps/act/act.js';
import { admitStep } from '../../../core/steps/admit/admit.js';
import { completeStep } from '../../../core/steps/complete/complete.js';
import {
  approvalRequestInputSchema,
  type BusEvent,
  type GatedProposal,
} from '../../../core/steps/contracts.js';
import { decideApprovalStep } from '../../../core/steps/decide-approval/decide-approval.js';
import { escalateStep } from '../../../core/steps/escalate/escalate.js';
import { gateStep } from '../../../core/steps/gate/gate.js';
import { groundStep } from '../../../core/steps/ground/ground.js';
import { planStep } from '../../../core/steps/plan/plan.js';
import { requestApprovalStep } from '../../../core/steps/request-approval/request-approval.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { bindAslDefinition } from '../../../lib/asl-definition.js';
import { GOVERNED_WORKFLOW_ASL } from '../../../lib/project-paths.js';
import { applySubstitutions } from '../../infra/support/asl.js';
import {
  InMemoryLineageStore,
  InMemoryRunsStore,
  namedError,
  RecordingEventPublisher,
} from '../../support/in-memory-stores.js';
import { buildStep, buildStepHandler } from '../../support/step-builders.js';

installPromiseWithResolvers();

/** aws-local-stepfunctions 3 needs `Promise.withResolvers`, which Node ships from version 22 only. */
function installPromiseWithResolvers(): void {
  const promise: PromiseConstructor & { withResolvers?: unknown } = Promise;
  if (typeof promise.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: <T>() => {
      let resolve: (value: T) => void = () => undefined;
      let reject: (reason?: unknown) => void = () => undefined;
      const created = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise: created, resolve, reject };
    },
  });
}

/** What an approver does with a request: decide it, or leave it to time out. */
export type ApproverDecision =
  | { readonly decision: 'APPROVE' | 'REJECT'; readonly approver: string; readonly reason: string }
  | 'no-decision';

/** The approval request as the approver sees it. */
export interface ApprovalRequestSeen {
  readonly approvalId: string;
  readonly gated: GatedProposal;
}

/** What a run of the harness works with. */
export interface HarnessOptions {
  readonly pack: WorkflowPack;
  readonly model: ModelPort;
  readonly clock: Clock;
  readonly runs?: InMemoryRunsStore;
  readonly lineage?: InMemoryLineageStore;
  /** @default - approves every request as the first approver of the spec's directory */
  readonly approver?: (request: ApprovalRequestSeen) => ApproverDecision;
  /**
   * Errors a Task state throws before its step runs, as a throttled or broken
   * dependency would: the first `times` entries of the state fail with `name`.
   * @default - none
   */
  readonly faults?: readonly { readonly state: string; readonly name: string; readonly times: number }[];
}

/** A step error the state machine saw (retried or caught). */
export interface StepError {
  readonly state: string;
  readonly name: string;
  readonly message: string;
}

/** How an execution ended, and what it left behind. */
export interface HarnessResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The execution's output when it succeeded. */
  readonly output: unknown;
  /** The error name of a failed execution (`AWF.RunFailed`, ...). */
  readonly error?: string;
  /** Names of the states entered, in order. */
  readonly statesEntered: readonly string[];
  /** Every error a step threw. */
  readonly stepErrors: readonly StepError[];
  readonly runs: InMemoryRunsStore;
  readonly lineage: InMemoryLineageStore;
  readonly events: RecordingEventPublisher;
  readonly items: RecordingItemUpdater;
}

const STEP_ARNS = {
  AdmitFunctionArn: 'admit',
  GroundFunctionArn: 'ground',
  PlanFunctionArn: 'plan',
  GateFunctionArn: 'gate',
  RequestApprovalFunctionArn: 'request-approval',
  ActFunctionArn: 'act',
  CompleteFunctionArn: 'complete',
  EscalateFunctionArn: 'escalate',
} as const;

const TOKEN_PLACEHOLDER = 'harness-task-token';

/** The ASL file with every placeholder filled in, as a deployed state machine has it. */
function boundGovernedWorkflowDefinition(): StateMachineDefinition {
  const { definition, definitionSubstitutions } = bindAslDefinition(
    JSON.parse(readFileSync(GOVERNED_WORKFLOW_ASL, 'utf8')),
    {
      numbers: { ApprovalTimeoutSeconds: 600, ApprovalHeartbeatSeconds: 300, ExecutionTimeoutSeconds: 3600 },
      strings: {
        Partition: 'aws',
        ...Object.fromEntries(
          Object.entries(STEP_ARNS).map(([name, fn]) => [
            name,
            `arn:aws:lambda:us-east-1:123456789012:function:${fn}`,
          ]),
        ),
      },
    },
    GOVERNED_WORKFLOW_ASL,
  );
  return JSON.parse(applySubstitutions(definition, definitionSubstitutions)) as StateMachineDefinition;
}

/**
 * The copy the runner executes. aws-local-stepfunctions 3 stores a result
 * under a key named "$" instead of replacing the input; for AWS,
 * `"ResultPath": "$"` means the same as no ResultPath, which the runner gets right.
 */
function runnableDefinition(definition: StateMachineDefinition): StateMachineDefinition {
  const visit = (states: Record<string, unknown>): void => {
    for (const state of Object.values(states)) {
      if (typeof state !== 'object' || state === null) continue;
      const record = state as Record<string, unknown>;
      if (record.ResultPath === '$') delete record.ResultPath;
      const processor = record.ItemProcessor as { States?: Record<string, unknown> } | undefined;
      if (processor?.States) visit(processor.States);
    }
  };
  const copy = json(definition);
  visit(copy.States as Record<string, unknown>);
  return copy;
}

/** A value as it crosses a Lambda boundary: JSON, `undefined` members gone. */
function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value ?? null)) as T;
}

/** Keeps every item update a dynamodb connector made. */
export class RecordingItemUpdater implements ItemUpdater {
  readonly updates: { tableName: string; key: unknown; set: unknown }[] = [];

  async update(tableName: string, key: unknown, set: unknown): Promise<void> {
    this.updates.push(json({ tableName, key, set }));
  }
}

const callbackParametersSchema = z.object({ FunctionName: z.string(), Payload: z.unknown() });

/**
 * Task callbacks that settle the harness's waiting callback states: success
 * resolves the wait with the output, failure rejects it with the error name.
 */
class WaitingTasks implements TaskCallbacks {
  private readonly waiting = new Map<
    string,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();

  wait(taskToken: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.waiting.set(taskToken, { resolve, reject }));
  }

  async succeed(taskToken: string, output: unknown): Promise<void> {
    this.take(taskToken).resolve(json(output));
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    this.take(taskToken).reject(namedError(error, cause));
  }

  async heartbeat(taskToken: string): Promise<void> {
    if (!this.waiting.has(taskToken)) throw namedError('TaskTimedOut', `task ${taskToken} is not waiting`);
  }

  expire(taskToken: string): void {
    this.take(taskToken).reject(namedError('States.Timeout', 'the approval wait timed out'));
  }

  private take(taskToken: string) {
    const waiter = this.waiting.get(taskToken);
    if (!waiter) throw namedError('TaskTimedOut', `task ${taskToken} is not waiting`);
    this.waiting.delete(taskToken);
    return waiter;
  }
}

/**
 * Runs one event through the governed workflow and returns how it ended.
 *
 * @example
 * const result = await runGovernedWorkflow(event, { pack, model, clock });
 * expect(result.status).toBe('SUCCEEDED');
 */
export async function runGovernedWorkflow(event: BusEvent, options: HarnessOptions): Promise<HarnessResult> {
  const { pack, model, clock } = options;
  const { spec } = pack;
  const runs = options.runs ?? new InMemoryRunsStore();
  const lineage = options.lineage ?? new InMemoryLineageStore();
  const events = new RecordingEventPublisher();
  const tasks = new WaitingTasks();
  const firstApprover = Object.keys(spec.approvals.approvers)[0] ?? 'nobody';
  const approver =
    options.approver ??
    (() => ({ decision: 'APPROVE' as const, approver: firstApprover, reason: 'Checked the case.' }));

  const items = new RecordingItemUpdater();
  // Every step gets only the ports it declares: one that reaches for another fails the run.
  const ports = { runs, lineage, events, items, model, callbacks: tasks, clock };
  const requestApproval = buildStep(requestApprovalStep, pack, ports);
  const decideApproval = buildStep(decideApprovalStep, pack, ports);
  let tokens = 0;

  const steps: Record<string, (input: unknown) => Promise<unknown>> = {
    'Admit event': buildStepHandler(admitStep, pack, ports),
    'Ground context': buildStepHandler(groundStep, pack, ports),
    'Plan actions': buildStepHandler(planStep, pack, ports),
    'Gate proposals': buildStepHandler(gateStep, pack, ports),
    'Execute action': buildStepHandler(actStep, pack, ports),
    'Complete run': buildStepHandler(completeStep, pack, ports),
    'Escalate run': buildStepHandler(escalateStep, pack, ports),
    'Request approval': async (input) => {
      const { Payload } = callbackParametersSchema.parse(input);
      const taskToken = `token-${++tokens}`;
      const request = approvalRequestInputSchema.parse(
        JSON.parse(JSON.stringify(Payload).replaceAll(TOKEN_PLACEHOLDER, taskToken)),
      );
      const waiting = tasks.wait(taskToken);
      const { approvalId } = await requestApproval(request);
      const decision = approver({ approvalId, gated: request.gated });
      if (decision === 'no-decision') tasks.expire(taskToken);
      else await decideApproval({ approvalId, ...decision });
      return waiting;
    },
  };

  const stepErrors: StepError[] = [];
  const faultsLeft = new Map((options.faults ?? []).map((fault) => [fault.state, { ...fault }]));
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(steps).map(([state, step]) => [
      state,
      async (input: unknown) => {
        try {
          const fault = faultsLeft.get(state);
          if (fault && fault.times-- > 0) throw namedError(fault.name, `injected ${fault.name} in ${state}`);
          return json(await step(json(input)));
        } catch (error) {
          const { name, message } = error instanceof Error ? error : namedError('Error', String(error));
          stepErrors.push({ state, name, message });
          throw error;
        }
      },
    ]),
  );

  const machine = new StateMachine(runnableDefinition(boundGovernedWorkflowDefinition()));
  const execution = machine.run(json(event) as never, {
    overrides: {
      taskResourceLocalHandlers: taskResourceLocalHandlers as never,
      retryIntervalOverrides: Object.fromEntries(Object.keys(steps).map((state) => [state, 0])),
    },
    context: {
      Execution: { Id: `arn:aws:states:us-east-1:123456789012:execution:governed:${event.id}` },
      Task: { Token: TOKEN_PLACEHOLDER },
    },
  });
  const statesEntered: string[] = [];
  const logged = (async () => {
    for await (const entry of execution.eventLogs) {
      if (entry.type === 'StateEntered') statesEntered.push(entry.state.name);
    }
  })();
  const outcome = await Promise.allSettled([execution.result]);
  await logged;
  const [settled] = outcome;
  const base = { statesEntered, stepErrors, runs, lineage, events, items };
  if (settled?.status === 'fulfilled') return { status: 'SUCCEEDED', output: settled.value, ...base };
  const reason: unknown = settled?.reason;
  const cause = reason instanceof Error && reason.cause instanceof Error ? reason.cause : reason;
  return {
    status: 'FAILED',
    output: undefined,
    error: cause instanceof Error ? cause.name : String(cause),
    ...base,
  };
}
