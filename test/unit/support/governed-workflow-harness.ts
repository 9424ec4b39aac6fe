/**
 * Runs the real governed-workflow ASL with the real step use cases behind its
 * Task states, on the local cloud's own Step Functions emulation (the one
 * `awf local up` and `awf packs test` use): the state machine's paths, the
 * steps' zod input schemas and what the steps return meet exactly as they do
 * in AWS, with in-memory stores in place of the tables and a virtual clock for
 * the callback wait, so an approval timeout takes no real time.
 *
 * Each step is built from its definition with only the ports it declares; the
 * callback state's request is decided by the test's approver through the real
 * decide step, which answers the task token through the emulation; while a
 * quorum is not met, the approver is asked again for the next decision.
 */

import { InMemoryExecutionReader } from '../../../adapters/memory-execution-reader.js';
import type { InMemoryFactReader } from '../../../adapters/memory-fact-reader.js';
import { RecordingMetrics } from '../../../adapters/recording-metrics.js';
import { InMemoryFollowUpScheduler } from '../../../adapters/scheduler-memory.js';
import type { FunctionUrlResponse } from '../../../core/approval/endpoint-protocol.js';
import { decisionRequest } from '../../../core/approval/endpoint-request.js';
import { nextApprover } from '../../../core/approval/next-approver.js';
import type { ModelPort } from '../../../core/model/model.js';
import type { SwitchBody } from '../../../core/operations/endpoint-protocol.js';
import { switchChangeRequest } from '../../../core/operations/endpoint-request.js';
import type { Clock, ItemUpdater, TaskCallbacks } from '../../../core/ports.js';
import type { BusEvent, GatedProposal } from '../../../core/steps/contracts.js';
import type { StepName } from '../../../core/steps/step-names.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { VirtualClock } from '../../../local/clock/virtual-clock.js';
import { inProcessSteps } from '../../../local/pack-test/in-process-steps.js';
import { boundDefinition } from '../../../local/pack-test/pack-tester.js';
import { LocalStepFunctions } from '../../../local/stepfunctions/engine.js';
import type { ExecutionDescription } from '../../../local/stepfunctions/execution.js';
import {
  InMemoryLineageStore,
  InMemoryRunsStore,
  namedError,
  RecordingEventPublisher,
} from '../../support/in-memory-stores.js';
import {
  approverSession,
  operatorSession,
  referenceFacts,
  testCallers,
  testKeys,
  testRecordKeys,
  testTokenSeal,
} from '../../support/trusted-ports.js';

/** What an approver does with a request: decide it, or leave it to time out. */
export type ApproverDecision =
  | { readonly decision: 'APPROVE' | 'REJECT'; readonly approver: string; readonly reason: string }
  | 'no-decision';

/** The approval request as the approver sees it. */
export interface ApprovalRequestSeen {
  readonly approvalId: string;
  readonly gated: GatedProposal;
  /**
   * The people whose decisions on it were accepted, in order: empty when it
   * was just requested; not empty when it stays pending for its quorum.
   */
  readonly decidedBy: readonly string[];
}

/** What a run of the harness works with. */
export interface HarnessOptions {
  readonly pack: WorkflowPack;
  readonly model: ModelPort;
  readonly clock: Clock;
  readonly runs?: InMemoryRunsStore;
  readonly lineage?: InMemoryLineageStore;
  /** The customer tables grounding facts read. @default - empty tables */
  readonly facts?: InMemoryFactReader;
  /**
   * Asked for each decision: once an approval is requested, and again after
   * each accepted decision that leaves it pending (a quorum not met yet).
   * @default - approves as the first approver of the spec's directory who may
   * decide it and has not yet (`nextApprover`)
   */
  readonly approver?: (request: ApprovalRequestSeen) => ApproverDecision;
  /**
   * Errors a Task state throws before its step runs, as a throttled or broken
   * dependency would: the first `times` entries of the state fail with `name`.
   * @default - none
   */
  readonly faults?: readonly { readonly state: string; readonly name: string; readonly times: number }[];
  /** The execution's own timeout (`TimeoutSeconds`). @default - the spec's */
  readonly executionTimeoutSeconds?: number;
  /** Stop the execution (StopExecution) once it waits for an approval, as an operator would. @default false */
  readonly stopWhenWaiting?: boolean;
  /**
   * Called once the run is parked (its workflow halted), with a way to
   * operate the switch through the real switch step as an operator would.
   * @default - nobody resumes: the run waits until the execution times out
   */
  readonly whileParked?: (operate: (change: SwitchBody) => Promise<unknown>) => void;
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
  /** The execution as Step Functions describes it at its end (its status: FAILED, TIMED_OUT, ABORTED, ...). */
  readonly execution: ExecutionDescription;
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
  /** The follow-up schedules Act created (`spec.actions.<name>.followUp`). */
  readonly scheduler: InMemoryFollowUpScheduler;
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

/** The Task state that invokes each step, for fault injection and error reports. */
const STATE_OF_STEP: Partial<Record<StepName, string>> = {
  admit: 'Admit event',
  park: 'Park until resumed',
  ground: 'Ground context',
  plan: 'Plan actions',
  gate: 'Gate proposals',
  'request-approval': 'Request approval',
  act: 'Act on actions',
  complete: 'Complete run',
  escalate: 'Escalate run',
};

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:governed';

/** Task callbacks answered by the emulation, as SendTask* would. */
class EmulatedCallbacks implements TaskCallbacks {
  sfn?: LocalStepFunctions;
  async succeed(taskToken: string, output: unknown): Promise<void> {
    this.sfn?.sendTaskSuccess(taskToken, JSON.stringify(output));
  }
  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    this.sfn?.sendTaskFailure(taskToken, error, cause);
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
  const items = new RecordingItemUpdater();
  const callbacks = new EmulatedCallbacks();
  const time = new VirtualClock(clock());
  const firstApprover = Object.keys(spec.approvals.approvers)[0] ?? 'nobody';
  /** The default approver's decision: whoever of the directory may decide the approval next. */
  const nextInDirectory = async ({ approvalId, decidedBy }: ApprovalRequestSeen) => {
    const approval = await runs.getApproval(approvalId);
    const person = (approval && nextApprover(spec, approval, decidedBy)) ?? firstApprover;
    return { decision: 'APPROVE' as const, approver: person, reason: 'Checked the case.' };
  };
  /**
   * Asks the approver (at once, as the request or the previous decision
   * returns) and decides as they say once the asking step has returned, as a
   * person would, through the real decide step.
   */
  const askApprover = (request: ApprovalRequestSeen): void => {
    const decision = options.approver?.(request);
    if (decision === 'no-decision') return;
    time.setTimer(0, () => void decideAs(request, decision));
  };
  /** Makes the decision, and asks again while the approval stays pending after it was accepted. */
  const decideAs = async (
    request: ApprovalRequestSeen,
    decision?: Exclude<ApproverDecision, 'no-decision'>,
  ) => {
    const { approver: person, ...body } = decision ?? (await nextInDirectory(request));
    const response = (await steps.invokeStep(
      'decide-approval',
      decisionRequest(request.approvalId, body, approverSession(person)),
    )) as FunctionUrlResponse;
    if (response.statusCode !== 200) return;
    if ((await runs.getApproval(request.approvalId))?.status !== 'PENDING') return;
    askApprover({ ...request, decidedBy: [...request.decidedBy, person] });
  };

  const stepErrors: StepError[] = [];
  const faultsLeft = new Map((options.faults ?? []).map((fault) => [fault.state, { ...fault }]));
  const facts = options.facts ?? referenceFacts();
  const keys = testKeys();
  const recordKeys = testRecordKeys();
  const tokens = testTokenSeal();
  const callers = testCallers();
  // Known once the execution starts; a stop scheduled while it waits names it.
  let executionArn = '';
  const executions = new InMemoryExecutionReader();
  const metrics = new RecordingMetrics();
  const scheduler = new InMemoryFollowUpScheduler();
  const steps = inProcessSteps(
    pack,
    {
      runs,
      lineage,
      events,
      items,
      model,
      callbacks,
      facts,
      keys,
      recordKeys,
      tokens,
      callers,
      executions,
      metrics,
      scheduler,
      clock,
    },
    (call) => {
      const state = STATE_OF_STEP[call.step];
      if (call.error && state) stepErrors.push({ state, ...call.error });
      if (call.step === 'park' && (call.output as { outcome?: string } | undefined)?.outcome === 'parked') {
        const operate = (change: SwitchBody) =>
          steps.invokeStep('switch', switchChangeRequest(change, operatorSession('ops@acme.example')));
        time.setTimer(0, () => options.whileParked?.(operate));
        return;
      }
      if (call.step !== 'request-approval' || !call.output) return;
      const { approvalId } = call.output as { approvalId: string };
      const { gated } = call.input as { gated: GatedProposal };
      if (options.stopWhenWaiting) {
        time.setTimer(0, () => {
          void sfn.stopExecution(executionArn, 'Operator.Stop', 'stopped by the test while waiting');
        });
        return;
      }
      askApprover({ approvalId, gated, decidedBy: [] });
    },
  );
  const lambda = {
    invoke: async (functionName: string, payload: unknown): Promise<unknown> => {
      const step = (functionName.split(':').pop() ?? functionName) as StepName;
      const state = STATE_OF_STEP[step] ?? step;
      const fault = faultsLeft.get(state);
      if (fault && fault.times-- > 0) {
        const error = namedError(fault.name, `injected ${fault.name} in ${state}`);
        stepErrors.push({ state, name: error.name, message: error.message });
        throw error;
      }
      return steps.invoke(functionName, payload);
    },
  };

  const sfn = new LocalStepFunctions({
    stateMachines: [
      {
        arn: STATE_MACHINE_ARN,
        definition: boundDefinition(pack, {
          approvalTimeoutSeconds: 600,
          ...(options.executionTimeoutSeconds === undefined
            ? {}
            : { executionTimeoutSeconds: options.executionTimeoutSeconds }),
        }),
      },
    ],
    lambda,
    retryIntervalScale: 0,
    time,
  });
  callbacks.sfn = sfn;
  ({ executionArn } = await sfn.startExecution(
    STATE_MACHINE_ARN,
    JSON.stringify(json(event)),
    `run-${event.id}`.slice(0, 80),
  ));
  const execution = sfn.execution(executionArn);
  let progress = 0;
  execution.on('history', () => {
    progress++;
  });
  const ended = await time.runUntilSettled(execution.settled, {
    progress: () => progress + steps.started,
    busy: () => steps.inFlight > 0,
  });
  await sfn.stop();

  const statesEntered = execution.history.flatMap((entry) =>
    entry.stateEnteredEventDetails?.name === undefined ? [] : [entry.stateEnteredEventDetails.name],
  );
  const base = { execution: ended, statesEntered, stepErrors, runs, lineage, events, items, scheduler };
  if (ended.status === 'SUCCEEDED') {
    return { status: 'SUCCEEDED', output: JSON.parse(ended.output ?? 'null'), ...base };
  }
  return {
    status: 'FAILED',
    output: undefined,
    ...(ended.error === undefined ? {} : { error: ended.error }),
    ...base,
  };
}
