/**
 * `awf packs test`: runs a pack's example events through the real state
 * machine definition and the real step code, in this process, on a virtual
 * clock, and compares each run with what its example expects.
 *
 * Nothing is stood in for but the tables (in-memory stores with the DynamoDB
 * adapters' conditional semantics), the bus (a recording publisher) and the
 * model (the pack's own `local-model.ts`, the stand-in the local cloud also
 * uses). The state machine is the ASL file bound as `lib/` binds it, run by
 * the local cloud's Step Functions emulation; each pack's state machine is
 * built once and serves all its examples. Approvals are decided through the
 * real decide step, so roles, quorums and separation of duties hold as in AWS:
 * while an approval stays pending after a decision, its next approver is asked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InMemoryExecutionReader } from '../../adapters/memory-execution-reader.js';
import { InMemoryFactReader } from '../../adapters/memory-fact-reader.js';
import { InMemoryKeyedHasher } from '../../adapters/memory-keyed-hasher.js';
import { InMemoryLineageStore } from '../../adapters/memory-lineage-store.js';
import { InMemoryRecordKeys } from '../../adapters/memory-record-keys.js';
import { InMemoryRunsStore } from '../../adapters/memory-runs-store.js';
import { InMemoryTaskTokenSeal } from '../../adapters/memory-token-seal.js';
import { RecordingMetrics } from '../../adapters/recording-metrics.js';
import { InMemoryFollowUpScheduler } from '../../adapters/scheduler-memory.js';
import { assumedRoleArn } from '../../core/approval/caller.js';
import { endpointErrorMessage, type FunctionUrlResponse } from '../../core/approval/endpoint-protocol.js';
import { decisionRequest } from '../../core/approval/endpoint-request.js';
import { nextApprover } from '../../core/approval/next-approver.js';
import { durationToSeconds } from '../../core/duration.js';
import { AwfError } from '../../core/errors.js';
import { runIdFor } from '../../core/ids.js';
import { recordsOfType } from '../../core/lineage/read.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import type { ConverseRequest, ConverseResponse, LocalModel, ModelPort } from '../../core/model/model.js';
import { validatePolicies } from '../../core/policy/validate-pack.js';
import type { EventPublisher, OutboundEvent, TaskCallbacks } from '../../core/ports.js';
import type { GateDecision } from '../../core/steps/contracts.js';
import { STEP_NAMES } from '../../core/steps/step-names.js';
import { applyStringSubstitutions, bindAsl } from '../../core/workflow/asl-binding.js';
import type { ExampleApproval, ExampleEvent } from '../../core/workflow/example-event.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { type WorkflowTimeouts, workflowTimeouts } from '../../core/workflow/timeouts.js';
import { GOVERNED_WORKFLOW_ASL } from '../../lib/project-paths.js';
import type { CancelTimer } from '../clock/time-source.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { loadFactFixtures } from '../facts/fixtures.js';
import { LocalStepFunctions } from '../stepfunctions/engine.js';
import {
  IN_PROCESS_APPROVER_ROLE_ARN,
  inProcessCallers,
  inProcessFunctionArn,
  inProcessSteps,
  type StepInvocation,
} from './in-process-steps.js';

/** When an example without its own `time` happens: one fixed instant, so runs are repeatable. */
export const DEFAULT_EXAMPLE_TIME = '2026-11-20T12:00:00.000Z';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:pack-test';

/** How one example ended, beside what it expected. */
export interface ExampleResult {
  readonly example: string;
  readonly expected: ExampleEvent['expect'];
  readonly actual: {
    /** The first gate's overall decision, or REJECT when Admit rejected the event. */
    readonly outcome: GateDecision | 'REJECT' | 'NONE';
    /** The run's terminal status; null for a rejected event. */
    readonly status: string | null;
    /** The actions executed, in order. */
    readonly actions: readonly string[];
  };
  readonly passed: boolean;
  /** What differs from the expectation, for people. */
  readonly mismatches: readonly string[];
  /** The execution's status and, when it failed, its error. */
  readonly execution: { readonly status: string; readonly error?: string; readonly cause?: string };
  /** The virtual time the run took, start to end. */
  readonly virtualMs: number;
  /**
   * What the run took that is billed per unit: the states its execution
   * entered (Step Functions Standard bills each transition) and the model
   * calls it made (`model.invoked` records).
   */
  readonly usage: { readonly transitions: number; readonly modelCalls: number };
}

/** The pack's model stand-in as the model port. */
class LocalModelPort implements ModelPort {
  constructor(private readonly model: LocalModel) {}

  async converse(request: ConverseRequest): Promise<ConverseResponse> {
    const { modelId, ...body } = JSON.parse(JSON.stringify(request)) as ConverseRequest;
    return this.model(body, modelId);
  }
}

/** Keeps the events the steps publish (connectors and platform events). */
class RecordingBus implements EventPublisher {
  events: OutboundEvent[] = [];
  #counter = 0;

  async publish(events: readonly OutboundEvent[]): Promise<{ readonly eventIds: readonly string[] }> {
    this.events.push(...structuredClone(events));
    return { eventIds: events.map(() => `evt-pack-test-${++this.#counter}`) };
  }
}

/** Task callbacks answered by the in-process Step Functions, as SendTask* would. */
class InProcessCallbacks implements TaskCallbacks {
  constructor(private readonly sfn: () => LocalStepFunctions) {}

  async succeed(taskToken: string, output: unknown): Promise<void> {
    this.sfn().sendTaskSuccess(taskToken, JSON.stringify(output));
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    this.sfn().sendTaskFailure(taskToken, error, cause);
  }
}

/** Loads the pack's `local-model.ts`. */
async function localModelOf(packDir: string, workflowId: string): Promise<LocalModel> {
  const file = join(packDir, 'local-model.ts');
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (typeof module.default !== 'function') {
    throw new AwfError(
      `${workflowId}: local-model.ts must default-export a function (body, modelId) => answer`,
    );
  }
  return module.default as LocalModel;
}

/**
 * The governed-workflow definition bound for a pack as `lib/` binds it, with
 * the in-process function ARNs.
 * @param overrides timeouts to use instead of the spec's (tests)
 */
export function boundDefinition(pack: WorkflowPack, overrides: Partial<WorkflowTimeouts> = {}): string {
  const timeouts = { ...workflowTimeouts(pack.spec), ...overrides };
  const functionArns = Object.fromEntries(
    STEP_NAMES.map((step) => [
      `${step.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}FunctionArn`,
      inProcessFunctionArn(step),
    ]),
  );
  const raw: unknown = JSON.parse(readFileSync(GOVERNED_WORKFLOW_ASL, 'utf8'));
  const placeholders = new Set(
    [...JSON.stringify(raw).matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] ?? ''),
  );
  const strings: Record<string, string> = { Partition: 'aws' };
  for (const [name, arn] of Object.entries(functionArns)) if (placeholders.has(name)) strings[name] = arn;
  const bound = bindAsl(
    raw,
    {
      numbers: {
        ApprovalTimeoutSeconds: timeouts.approvalTimeoutSeconds,
        ExecutionTimeoutSeconds: timeouts.executionTimeoutSeconds,
      },
      strings,
    },
    GOVERNED_WORKFLOW_ASL,
  );
  return applyStringSubstitutions(bound);
}

/** The first gate's decision over all its verdicts: any DENY, else any approval, else ALLOW. */
function overallDecision(decisions: readonly GateDecision[]): GateDecision | 'NONE' {
  if (decisions.length === 0) return 'NONE';
  if (decisions.includes('DENY')) return 'DENY';
  if (decisions.includes('REQUIRE_APPROVAL')) return 'REQUIRE_APPROVAL';
  return 'ALLOW';
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

/** A pack ready to test: its state machine and steps, built once. */
export interface PackTester {
  /** Runs one example to its end and compares it with its expectation. */
  run(example: ExampleEvent): Promise<ExampleResult>;
  /** Every step invocation of the last example, in order. */
  readonly invocations: readonly StepInvocation[];
  /** The lineage records of the last example's run, in `seq` order. */
  readonly lineage: readonly LineageRecord[];
  /** The events the last example's steps published. */
  readonly events: readonly OutboundEvent[];
}

/**
 * Builds a pack's tester: its state machine once, its steps once, its stores
 * emptied before each example.
 *
 * @param packDir the pack's folder, for its `local-model.ts`
 * @throws WorkflowSpecError when the pack's timings or policies do not load, or a
 *   policy fails strict validation against the catalogue's schema
 * @example
 * const tester = await createPackTester(pack, dir);
 * for (const example of loadExampleEvents(dir)) console.log((await tester.run(example)).passed);
 */
export async function createPackTester(pack: WorkflowPack, packDir: string): Promise<PackTester> {
  const { spec } = pack;
  // What synth would refuse is not tested as if deployable: the steps skip this check (`createPolicyGate`).
  validatePolicies(pack);
  const clock = new VirtualClock(new Date(DEFAULT_EXAMPLE_TIME));
  let runs = new InMemoryRunsStore();
  let lineage = new InMemoryLineageStore();
  const bus = new RecordingBus();
  let sfn: LocalStepFunctions | undefined;
  const callbacks = new InProcessCallbacks(() => {
    if (!sfn) throw new AwfError('the pack tester is not ready');
    return sfn;
  });
  const model = new LocalModelPort(await localModelOf(packDir, spec.id));
  let invocations: StepInvocation[] = [];
  let approvalsLeft: ExampleApproval[] = [];
  const problems: string[] = [];
  /** Decisions scheduled for this example: one the run never waited for is cancelled at its end. */
  const scheduledDecisions: CancelTimer[] = [];
  /** The people whose decisions on each approval of this example were accepted: nobody decides twice. */
  const decidersOf = new Map<string, string[]>();

  // The stores are swapped per example through these forwarding ports, so the steps are built once.
  const forward = <T extends object>(target: () => T): T =>
    new Proxy({} as T, {
      get: (_empty, property) => {
        const current = target() as Record<PropertyKey, unknown>;
        const value = current[property];
        return typeof value === 'function' ? value.bind(current) : value;
      },
    });
  // Grounding tables are read only, so one seeding serves every example.
  const facts = new InMemoryFactReader();
  for (const fixture of loadFactFixtures(spec, packDir)) facts.seed(fixture.table, fixture.items);
  const steps = inProcessSteps(
    pack,
    {
      runs: forward(() => runs),
      lineage: forward(() => lineage),
      events: bus,
      items: { update: async () => undefined },
      facts,
      keys: new InMemoryKeyedHasher(),
      recordKeys: new InMemoryRecordKeys(),
      tokens: new InMemoryTaskTokenSeal(),
      callers: inProcessCallers(),
      executions: new InMemoryExecutionReader(),
      metrics: new RecordingMetrics(),
      scheduler: new InMemoryFollowUpScheduler(),
      model,
      callbacks,
      clock: () => clock.now(),
    },
    (invocation) => {
      invocations.push(invocation);
      if (invocation.step === 'request-approval' && invocation.output) scheduleDecision(invocation.output);
    },
  );

  /** Schedules the first decision on a new approval request. */
  function scheduleDecision(output: unknown): void {
    const approvalId = (output as { approvalId?: unknown }).approvalId;
    if (typeof approvalId !== 'string') return;
    scheduleNextDecision(approvalId);
  }

  /**
   * Schedules the example's next decision on an approval, on the virtual
   * clock: one `approvals` entry per decision, taken when the decision is
   * asked for (the request, then each accepted decision that leaves the
   * approval pending); `after` counts from that moment.
   */
  function scheduleNextDecision(approvalId: string): void {
    const planned = approvalsLeft.shift() ?? { decision: 'APPROVE' as const };
    if (planned === 'no-decision') return;
    const afterMs = planned.after === undefined ? 0 : durationToSeconds(planned.after) * 1000;
    const cancel = clock.setTimer(afterMs, () => {
      void decide(approvalId, planned);
    });
    scheduledDecisions.push(cancel);
  }

  /**
   * Decides an approval still pending through the real decide step, as the
   * planned entry says or as the next approver who may (`nextApprover`), and
   * asks for the next decision while a quorum is not met yet.
   */
  async function decide(approvalId: string, planned: Exclude<ExampleApproval, 'no-decision'>): Promise<void> {
    const approval = await runs.getApproval(approvalId);
    if (approval?.status !== 'PENDING') return;
    const decidedBy = decidersOf.get(approvalId) ?? [];
    const approver = planned.approver ?? nextApprover(spec, approval, decidedBy);
    if (approver === undefined) {
      const after = decidedBy.length === 0 ? '' : ` after ${decidedBy.join(', ')}`;
      problems.push(`nobody in the approver directory may decide ${approvalId}${after}`);
      return;
    }
    try {
      const response = (await steps.invokeStep(
        'decide-approval',
        decisionRequest(
          approvalId,
          {
            decision: planned.decision,
            reason: planned.reason ?? 'awf packs test: decided as the example says',
          },
          assumedRoleArn(IN_PROCESS_APPROVER_ROLE_ARN, approver),
        ),
      )) as FunctionUrlResponse;
      if (response.statusCode !== 200) {
        problems.push(`the decision on ${approvalId} was refused: ${endpointErrorMessage(response)}`);
        return;
      }
    } catch (error) {
      problems.push(`the decision on ${approvalId} failed: ${(error as Error).message}`);
      return;
    }
    decidersOf.set(approvalId, [...decidedBy, approver]);
    // Accepted but not enough yet (a quorum): the approval waits for its next approver.
    if ((await runs.getApproval(approvalId))?.status === 'PENDING') scheduleNextDecision(approvalId);
  }

  /**
   * Runs the remind step every reminder interval, as the workflow's schedule
   * does in AWS: it publishes ApprovalReminder for approvals still pending
   * (a wait nobody decides ends at the approval timeout).
   * @returns a function that stops the schedule
   */
  const reminderIntervalMs = workflowTimeouts(spec).reminderIntervalSeconds * 1000;
  function remindEvery(intervalMs: number): () => void {
    let cancel = clock.setTimer(intervalMs, function tick() {
      cancel = clock.setTimer(intervalMs, tick);
      steps.invokeStep('remind', {}).catch((error: unknown) => {
        problems.push(`the reminder failed: ${(error as Error).message}`);
      });
    });
    return () => cancel();
  }

  sfn = new LocalStepFunctions({
    stateMachines: [{ arn: STATE_MACHINE_ARN, definition: boundDefinition(pack) }],
    lambda: steps,
    retryIntervalScale: 0,
    time: clock,
  });

  let sequence = 0;
  return {
    get invocations() {
      return invocations;
    },
    get lineage() {
      return lineage.all();
    },
    get events() {
      return bus.events;
    },
    async run(example) {
      if (clock.pendingTimers > 0) throw new AwfError('the previous example left timers behind');
      runs = new InMemoryRunsStore();
      lineage = new InMemoryLineageStore();
      bus.events = [];
      invocations = [];
      problems.length = 0;
      approvalsLeft = [...(example.approvals ?? [])];
      decidersOf.clear();
      const time = example.time ?? DEFAULT_EXAMPLE_TIME;
      clock.restartAt(new Date(time));
      const startedAt = clock.now().getTime();
      const eventId = `pack-test-${spec.id}-${++sequence}-${example.name}`.slice(0, 64);
      const event = {
        version: '0',
        id: eventId,
        'detail-type': example['detail-type'],
        source: example.source,
        account: '000000000000',
        time: new Date(time).toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: example.detail,
      };
      const active = sfn;
      if (!active) throw new AwfError('the pack tester is not ready');
      const { executionArn } = await active.startExecution(
        STATE_MACHINE_ARN,
        JSON.stringify(event),
        `ex-${sequence}`,
      );
      const execution = active.execution(executionArn);
      const stopReminders = remindEvery(reminderIntervalMs);
      let events = 0;
      let transitions = 0;
      execution.on('history', (entry) => {
        events++;
        if (entry.stateEnteredEventDetails !== undefined) transitions++;
      });
      const ended = await clock
        .runUntilSettled(execution.settled, {
          progress: () => events + steps.started,
          busy: () => steps.inFlight > 0,
        })
        .finally(() => {
          stopReminders();
          for (const cancel of scheduledDecisions.splice(0)) cancel();
        });

      const runId = runIdFor(spec.id, eventId);
      const chain = await lineage.chain(runId);
      const rejected = recordsOfType(chain, 'event.rejected').length > 0;
      const firstGate = recordsOfType(chain, 'policy.evaluated')
        .filter(({ data }) => data.iteration === 0)
        .map(({ data }) => data.decision);
      const actual = {
        outcome: rejected ? ('REJECT' as const) : overallDecision(firstGate),
        status: rejected ? null : ((await runs.getRun(runId))?.status ?? null),
        actions: recordsOfType(chain, 'action.executed').map(({ data }) => data.action),
      };
      const mismatches = [...problems];
      if (actual.outcome !== example.expect.outcome)
        mismatches.push(`outcome: expected ${example.expect.outcome}, got ${actual.outcome}`);
      if (actual.status !== example.expect.status)
        mismatches.push(`status: expected ${example.expect.status}, got ${actual.status}`);
      if (!sameList(actual.actions, example.expect.actions)) {
        mismatches.push(
          `actions: expected [${example.expect.actions.join(', ')}], got [${actual.actions.join(', ')}]`,
        );
      }
      return {
        example: example.name,
        expected: example.expect,
        actual,
        passed: mismatches.length === 0,
        mismatches,
        execution: {
          status: ended.status,
          ...(ended.error === undefined ? {} : { error: ended.error }),
          ...(ended.cause === undefined ? {} : { cause: ended.cause }),
        },
        virtualMs: clock.now().getTime() - startedAt,
        usage: { transitions, modelCalls: recordsOfType(chain, 'model.invoked').length },
      };
    },
  };
}
