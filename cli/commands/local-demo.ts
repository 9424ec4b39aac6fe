/**
 * The demo `awf local up` runs once the local cloud is ready: every example
 * event of every pack goes through the real EventBridge client, and when a run
 * waits for a human, the *demo approver* approves it through the same path the
 * CLI uses (invoking the workflow's decide-approval function), so every demo
 * run ends within seconds. It decides as the example's `approvals` say, one
 * entry per decision (at once: their `after` is for `awf packs test`), and
 * beyond them approves; while an approval stays pending after a decision (a
 * quorum), the next approver who may decides it too. Each decision is
 * recorded in the lineage with a reason that says it was the demo's, not a
 * person's.
 *
 * awf decides by its own clock, never by an event's time, so an example
 * whose file gives a `time` (its expectation holds then, and `awf packs test`
 * runs it then) may end otherwise here, at the hour the demo runs: the demo
 * says so and counts it apart, not as a failure.
 */
import { setMaxListeners } from 'node:events';
import { resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { toDocumentClient } from '../../adapters/aws-clients.js';
import { DynamoDbRunsStore } from '../../adapters/dynamodb-runs-store.js';
import { decisionPath } from '../../core/approval/endpoint-protocol.js';
import { nextApprover } from '../../core/approval/next-approver.js';
import { runIdFor } from '../../core/ids.js';
import type { ApprovalRecord } from '../../core/runs/records.js';
import type { ExampleApproval } from '../../core/workflow/example-event.js';
import type { WorkflowSpec } from '../../core/workflow/spec.js';
import type { LocalCloud } from '../../local/cloud.js';
import { localIdentityFor, readLocalIdentities } from '../../local/iam/identities.js';
import { localClientConfig } from '../../local/process/aws-env.js';
import { LOCAL_STATE_DIR } from '../../local/process/state-file.js';
import { executionOutcome } from '../../local/progress.js';
import type { LocalExecution } from '../../local/stepfunctions/index.js';
import { type ExampleEvent, loadExampleEvents } from '../../workflows/discover.js';
import { callEndpoint } from '../approvals-endpoint.js';

/** The reason the demo approver gives; auditors see it in the lineage. */
export const DEMO_APPROVAL_REASON =
  'Approved automatically by the local demo (awf local up), not by a person.';
/** The reason the demo approver gives when the example says its approver rejects. */
export const DEMO_REJECTION_REASON =
  'Rejected automatically by the local demo (awf local up), as its example says; not by a person.';

/** What the demo did, for the caller that waits on it. */
export interface DemoReport {
  readonly runs: readonly DemoRunOutcome[];
}

/** How one example event of the demo ended. */
export interface DemoRunOutcome {
  readonly workflowId: string;
  readonly example: string;
  /** The run's terminal status, `REJECTED (no run)` for an event Admit refused, or the execution's failure. */
  readonly outcome: string;
  /** Whether that is what the example's `expect` block says. */
  readonly asExpected: boolean;
  /**
   * Set when the run ended otherwise and its example gives its own `time`:
   * awf decided by its clock, not at that time, so this is no failure.
   */
  readonly decidedByClock?: ClockDecision;
}

/** When an example expects an outcome, and when awf decided its run instead. */
export interface ClockDecision {
  /** The example's `time`, at which its expectation holds. */
  readonly exampleTime: string;
  /** awf's clock when it decided the run (its first gate, or its start), ISO 8601. */
  readonly decidedAt: string;
}

/** How long the demo waits for its runs before it reports the ones still running. */
const DEMO_TIMEOUT_MS = 120_000;
const APPROVAL_POLL_MS = 100;

/** One example event the demo sends, and what became of it. */
interface DemoCase {
  readonly workflowId: string;
  readonly spec: WorkflowSpec;
  readonly example: ExampleEvent;
  readonly eventId: string;
  /** The example's decisions the demo has not made yet, in order. */
  readonly approvalsLeft: ExampleApproval[];
}

/** How to run the demo. */
export interface DemoOptions {
  /** Receives the demo's lines for people. */
  readonly log: (line: string) => void;
}

/** The outcome an example's `expect` block names, in the words of {@link executionOutcome}. */
function expectedOutcome(example: Pick<ExampleEvent, 'expect'>): string {
  return example.expect.status ?? 'EVENT_REJECTED';
}

/**
 * The first approver of the workflow's directory who may decide this approval
 * next: holds one of its roles, is not named in the case, has not decided it
 * yet and, when it wants distinct roles, holds a role still lacking.
 * @param decidedBy the people whose decisions on it were accepted
 */
export function demoApproverFor(
  spec: WorkflowSpec,
  approval: ApprovalRecord,
  decidedBy: readonly string[] = [],
): string | undefined {
  return nextApprover(spec, approval, decidedBy);
}

/** The state whose decision the example's `expect.outcome` names. */
const FIRST_GATE_STATE = 'Gate proposals';

/** awf's clock when it decided the run: its first gate's entry, or the execution's start. */
function decisionTime(execution: LocalExecution): Date {
  const gate = execution.history.find((e) => e.stateEnteredEventDetails?.name === FIRST_GATE_STATE);
  return gate?.timestamp ?? execution.startDate;
}

/**
 * The statuses a run reaches by its decisions (the gate's, the approvers'),
 * which the hour can change; a failed step or execution is never the clock's doing.
 */
const DECIDED_STATUSES: ReadonlySet<string> = new Set(['COMPLETED', 'ESCALATED', 'REJECTED']);

/**
 * Judges one ended run against its example: as expected; otherwise, for an
 * example with its own `time` whose run was decided (not failed), decided by
 * awf's clock (`decidedAt`) rather than at that time; otherwise not as expected.
 * The demo's approvers decide as the example says, so what is left to differ
 * for a timed example is when awf decided.
 */
export function judgeOutcome(
  example: Pick<ExampleEvent, 'expect' | 'time'>,
  outcome: string,
  decidedAt: Date,
): Pick<DemoRunOutcome, 'asExpected' | 'decidedByClock'> {
  const asExpected = outcome === expectedOutcome(example);
  if (asExpected || example.time === undefined || !DECIDED_STATUSES.has(outcome)) return { asExpected };
  return {
    asExpected,
    decidedByClock: { exampleTime: new Date(example.time).toISOString(), decidedAt: decidedAt.toISOString() },
  };
}

/** The line that explains a run awf decided by its clock rather than at its example's time. */
export function clockDecisionLine(
  run: Pick<DemoRunOutcome, 'workflowId' | 'example' | 'outcome'>,
  expected: string,
  clock: ClockDecision,
): string {
  return (
    `  demo: ${run.workflowId}/${run.example} ended ${run.outcome}; its example expects ${expected} at its own time ` +
    `(${clock.exampleTime}), but awf decided by its clock at ${clock.decidedAt}, never by the event's time. ` +
    `npx awf packs test --pack ${run.workflowId} runs it at its time.`
  );
}

/**
 * The demo's summary line: how many runs ended as expected, how many awf
 * decided by its clock rather than at their examples' time, and which did
 * otherwise (the failures).
 */
export function demoSummary(outcomes: readonly DemoRunOutcome[]): string {
  const byClock = outcomes.filter((o) => !o.asExpected && o.decidedByClock !== undefined);
  const unexpected = outcomes.filter((o) => !o.asExpected && o.decidedByClock === undefined);
  const asExpected = outcomes.length - byClock.length - unexpected.length;
  const clockTimes = [...new Set(byClock.map((o) => o.decidedByClock?.decidedAt ?? ''))].sort();
  const clockSpan =
    clockTimes.length <= 1 ? (clockTimes[0] ?? '') : `${clockTimes[0]} to ${clockTimes.at(-1)}`;
  return (
    `demo: ${outcomes.length} example event(s) ended; ${asExpected} as their examples expect` +
    (byClock.length > 0
      ? `; ${byClock.length} decided by awf's clock at ${clockSpan}, not at their examples' time (${byClock.map((o) => `${o.workflowId}/${o.example} ended ${o.outcome}`).join(', ')}; npx awf packs test runs them at it)`
      : '') +
    (unexpected.length > 0
      ? `; not as expected: ${unexpected.map((o) => `${o.workflowId}/${o.example} ended ${o.outcome}`).join(', ')}`
      : '')
  );
}

/**
 * Sends every pack's example events and sees each run to its end, deciding
 * what waits for approval as the demo approver. Never rejects: problems are
 * reported as lines and in the outcomes.
 */
export async function runDemo(cloud: LocalCloud, options: DemoOptions): Promise<DemoReport> {
  const { log } = options;
  const { state } = cloud;
  const eventBridge = new EventBridgeClient(localClientConfig(state.endpoints.eventbridge, state.region));
  const dynamodb = new DynamoDBClient(localClientConfig(state.endpoints.dynamodb, state.region));
  const runs = new DynamoDbRunsStore({ client: toDocumentClient(dynamodb), tableName: state.tables.runs });

  const executions = new Map<string, LocalExecution>();
  const arrivals = new Map<string, (execution: LocalExecution) => void>();
  const onExecution = (execution: LocalExecution) => {
    const eventId = (JSON.parse(execution.input) as { id?: unknown }).id;
    if (typeof eventId !== 'string') return;
    executions.set(eventId, execution);
    arrivals.get(eventId)?.(execution);
  };
  const stepFunctions = cloud.stepFunctions.stepFunctions;
  stepFunctions.on('execution', onExecution);
  // Who would be told, and of what: in AWS each workflow's SNS topic reaches email and chat.
  cloud.notifications.onPublish(({ topicArn, message }) => {
    const event = JSON.parse(message) as { 'detail-type'?: string; detail?: { runId?: string } };
    log(
      `  notified ${topicArn.split(':').pop()}: ${event['detail-type'] ?? 'message'}${event.detail?.runId ? ` of ${event.detail.runId}` : ''}`,
    );
  });
  // Ends the demo's waits once it is over, so no timer outlives it.
  const over = new AbortController();
  const deadline = performance.now() + DEMO_TIMEOUT_MS;
  const wait = (ms: number) => sleep(ms, undefined, { signal: over.signal }).catch(() => undefined);

  /**
   * Decides as the case's next `approvals` entry says (approve when the list
   * is used up), as its approver or the next approver who may; returns who,
   * when the decision was accepted, or undefined when the example leaves it
   * undecided, nobody (else) may decide it, or it was refused.
   */
  const decide = async (
    demoCase: DemoCase,
    approval: ApprovalRecord,
    decidedBy: readonly string[],
  ): Promise<string | undefined> => {
    const planned = demoCase.approvalsLeft.shift() ?? { decision: 'APPROVE' as const };
    if (planned === 'no-decision') {
      log(
        `  demo approver: leaves ${approval.approvalId} undecided, as its example says; it waits for people`,
      );
      return undefined;
    }
    const approver = planned.approver ?? demoApproverFor(demoCase.spec, approval, decidedBy);
    const endpoint = state.workflows[demoCase.workflowId]?.approvalsUrl;
    if (approver === undefined || endpoint === undefined) {
      const nobody =
        decidedBy.length === 0
          ? 'no approver of the workflow may'
          : `it still needs approvals after ${decidedBy.join(', ')}, and no other approver of the workflow may give one`;
      log(
        `  demo approver: cannot decide ${approval.approvalId} (${approver === undefined ? nobody : 'no approvals endpoint'}); decide it with npx awf approvals approve`,
      );
      return undefined;
    }
    const { proposal } = approval.gated;
    const quorum =
      decidedBy.length === 0 ? '' : ` (approved by ${decidedBy.join(', ')} so far; it needs more)`;
    const approving = planned.decision === 'APPROVE';
    log(
      `  demo approver (automatic, local demo only): ${approving ? 'approving' : 'rejecting, as its example says,'} ${approval.approvalId} ${proposal.action} ${JSON.stringify(proposal.input)}${quorum} as ${approver}`,
    );
    // Through the signed endpoint, as the CLI decides: the demo signs with the approver's local identity.
    const identity = localIdentityFor(readLocalIdentities(cloud.stateDir), approver, demoCase.workflowId);
    const answer = await callEndpoint(
      state.region,
      endpoint,
      {
        credentials: async () => ({
          accessKeyId: identity.accessKeyId,
          secretAccessKey: identity.secretAccessKey,
        }),
        describe: approver,
      },
      {
        method: 'POST',
        path: decisionPath(approval.approvalId),
        body: {
          decision: planned.decision,
          reason: approving ? DEMO_APPROVAL_REASON : DEMO_REJECTION_REASON,
        },
      },
    );
    if (answer.status !== 200) {
      log(`  demo approver: ${approval.approvalId} was refused: ${answer.message}`);
      return undefined;
    }
    return approver;
  };

  /**
   * Decides the pending approvals of the case's run until its execution ends:
   * an approval still pending after an accepted decision (a quorum) is
   * decided again by someone who has not decided it; one the example leaves
   * undecided, nobody else may decide, or whose decision was refused, is left
   * to people.
   */
  const approveWhileRunning = async (demoCase: DemoCase, execution: LocalExecution): Promise<void> => {
    const runId = runIdFor(demoCase.workflowId, demoCase.eventId);
    /** The people whose demo approvals of each approval were accepted. */
    const decidersOf = new Map<string, string[]>();
    /** Approvals the demo stopped deciding. */
    const leftToPeople = new Set<string>();
    while (execution.status === 'RUNNING' && performance.now() < deadline && !over.signal.aborted) {
      // A callback task handed its token over: the run waits for someone, so look for its approvals.
      const waiting = execution.history.some(
        (e) =>
          e.type === 'TaskSubmitted' && e.taskSubmittedEventDetails?.resource === 'invoke.waitForTaskToken',
      );
      if (waiting) {
        for (const approval of await runs.listApprovalsOfRun(runId)) {
          if (approval.status !== 'PENDING' || leftToPeople.has(approval.approvalId)) continue;
          const decidedBy = decidersOf.get(approval.approvalId) ?? [];
          const approver = await decide(demoCase, approval, decidedBy);
          if (approver === undefined) leftToPeople.add(approval.approvalId);
          else decidersOf.set(approval.approvalId, [...decidedBy, approver]);
        }
      }
      await Promise.race([execution.settled, wait(APPROVAL_POLL_MS)]);
    }
  };

  const followCase = async (demoCase: DemoCase): Promise<DemoRunOutcome> => {
    const expected = expectedOutcome(demoCase.example);
    const arrived =
      executions.get(demoCase.eventId) ??
      (await Promise.race([
        new Promise<LocalExecution>((resolve) => arrivals.set(demoCase.eventId, resolve)),
        wait(deadline - performance.now()).then(() => undefined),
      ]));
    const base = { workflowId: demoCase.workflowId, example: demoCase.example.name };
    if (!arrived) return { ...base, outcome: 'NOT_STARTED', asExpected: false };
    await approveWhileRunning(demoCase, arrived);
    if (arrived.status === 'RUNNING') return { ...base, outcome: 'STILL_RUNNING', asExpected: false };
    const { outcome } = executionOutcome(await arrived.settled);
    const judged = judgeOutcome(demoCase.example, outcome, decisionTime(arrived));
    if (judged.decidedByClock) log(clockDecisionLine({ ...base, outcome }, expected, judged.decidedByClock));
    return { ...base, outcome, ...judged };
  };

  try {
    const cases: DemoCase[] = [];
    for (const { dir, pack } of cloud.packs) {
      if (!state.workflows[pack.spec.id]) continue;
      for (const example of loadExampleEvents(dir)) {
        const response = await eventBridge.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: state.eventBus,
                Source: example.source,
                DetailType: example['detail-type'],
                Detail: JSON.stringify(example.detail),
              },
            ],
          }),
        );
        const eventId = response.Entries?.[0]?.EventId;
        if (eventId === undefined) {
          log(
            `  demo: the bus refused ${pack.spec.id}/${example.name}: ${response.Entries?.[0]?.ErrorMessage ?? ''}`,
          );
          continue;
        }
        log(`demo: put ${pack.spec.id} example "${example.name}" (event ${eventId})`);
        cases.push({
          workflowId: pack.spec.id,
          spec: pack.spec,
          example,
          eventId,
          approvalsLeft: [...(example.approvals ?? [])],
        });
      }
    }
    if (cases.length === 0) log('demo: no pack has example events (workflows/<id>/events/*.json)');
    // Each case waits on at most two timers at once (its arrival, its next poll), each listening for the end.
    setMaxListeners(2 * cases.length + 1, over.signal);
    const outcomes = await Promise.all(cases.map(followCase));
    log(demoSummary(outcomes));
    log(nextSteps(cloud, outcomes));
    return { runs: outcomes };
  } catch (error) {
    log(`demo: stopped early: ${error instanceof Error ? error.message : String(error)}`);
    return { runs: [] };
  } finally {
    over.abort();
    stepFunctions.off('execution', onExecution);
    eventBridge.destroy();
    dynamodb.destroy();
  }
}

/** The commands to try next, with a real run id and example file filled in. */
function nextSteps(cloud: LocalCloud, outcomes: readonly DemoRunOutcome[]): string {
  // The CLI looks in ./.awf unless told otherwise.
  const stateDirOption =
    cloud.stateDir === resolvePath(LOCAL_STATE_DIR) ? '' : ` --state-dir ${cloud.stateDir}`;
  const [firstPack] = cloud.packs;
  const exampleFile = firstPack
    ? `workflows/${firstPack.pack.spec.id}/events/${loadExampleEvents(firstPack.dir).find((e) => e.expect.outcome === 'REQUIRE_APPROVAL')?.name ?? 'example'}.json`
    : 'workflows/<id>/events/<example>.json';
  const approver = firstPack ? Object.keys(firstPack.pack.spec.approvals.approvers)[0] : undefined;
  // The demo sent every example: sent again, a request with a business key is recorded as a duplicate.
  const businessKey = firstPack?.pack.spec.businessKey?.paths.join(', ');
  const duplicateHint = businessKey ? `   (sent again, it is a duplicate: change ${businessKey} first)` : '';
  const ran = outcomes.find((o) => o.outcome !== 'EVENT_REJECTED');
  const runHint = ran ? 'a run id from "runs list"' : '<run id>';
  return [
    '',
    'The local cloud keeps running. Try, in another terminal:',
    `  npx awf runs list${stateDirOption}                      runs and their status`,
    `  npx awf audit trail <run id>${stateDirOption}           the lineage of ${runHint}, chain verified`,
    `  npx awf events put --file ${exampleFile}${stateDirOption}${duplicateHint}`,
    `  npx awf approvals list --as ${approver ?? '<approver>'}${stateDirOption}   then: npx awf approvals approve <id> --as ${approver ?? '<approver>'} --reason "..."`,
    `  npx awf events sink${stateDirOption}                    events the actions emitted`,
    'Ctrl+C stops the local cloud.',
  ].join('\n');
}
