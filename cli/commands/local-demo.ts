/**
 * The demo `awf local up` runs once the local cloud is ready: every example
 * event of every pack goes through the real EventBridge client, and when a run
 * waits for a human, the *demo approver* approves it through the same path the
 * CLI uses (invoking the workflow's decide-approval function), so every demo
 * run ends within seconds. The decision is recorded in the lineage with a
 * reason that says it was the demo's, not a person's.
 */
import { resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { toDocumentClient } from '../../adapters/aws-clients.js';
import { DynamoDbRunsStore } from '../../adapters/dynamodb-runs-store.js';
import { decisionPath } from '../../core/approval/endpoint-protocol.js';
import { checkApprover } from '../../core/approval/separation-of-duties.js';
import { runIdFor } from '../../core/ids.js';
import type { ApprovalRecord } from '../../core/runs/records.js';
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
}

/** How to run the demo. */
export interface DemoOptions {
  /** Receives the demo's lines for people. */
  readonly log: (line: string) => void;
}

/** The outcome an example's `expect` block names, in the words of {@link executionOutcome}. */
function expectedOutcome(example: ExampleEvent): string {
  return example.expect.status ?? 'EVENT_REJECTED';
}

/**
 * The first approver of the workflow's directory who may decide this approval:
 * holds one of its roles and is not named in the case.
 */
export function demoApproverFor(spec: WorkflowSpec, approval: ApprovalRecord): string | undefined {
  for (const principal of Object.keys(spec.approvals.approvers)) {
    const check = checkApprover(spec, approval, principal);
    if (check.allowed) return check.principal;
  }
  return undefined;
}

/**
 * Sends every pack's example events and sees each run to its end, approving
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

  const approve = async (demoCase: DemoCase, approval: ApprovalRecord): Promise<void> => {
    const approver = demoApproverFor(demoCase.spec, approval);
    const endpoint = state.workflows[demoCase.workflowId]?.approvalsUrl;
    if (approver === undefined || endpoint === undefined) {
      log(
        `  demo approver: cannot decide ${approval.approvalId} (${approver === undefined ? 'no approver of the workflow may' : 'no approvals endpoint'}); decide it with npx awf approvals approve`,
      );
      return;
    }
    const { proposal } = approval.gated;
    log(
      `  demo approver (automatic, local demo only): approving ${approval.approvalId} ${proposal.action} ${JSON.stringify(proposal.input)} as ${approver}`,
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
        body: { decision: 'APPROVE', reason: DEMO_APPROVAL_REASON },
      },
    );
    if (answer.status !== 200) log(`  demo approver: ${approval.approvalId} was refused: ${answer.message}`);
  };

  /** Approves the pending approvals of the case's run until its execution ends. */
  const approveWhileRunning = async (demoCase: DemoCase, execution: LocalExecution): Promise<void> => {
    const runId = runIdFor(demoCase.workflowId, demoCase.eventId);
    const decided = new Set<string>();
    while (execution.status === 'RUNNING' && performance.now() < deadline && !over.signal.aborted) {
      // A callback task handed its token over: the run waits for someone, so look for its approvals.
      const waiting = execution.history.some(
        (e) =>
          e.type === 'TaskSubmitted' && e.taskSubmittedEventDetails?.resource === 'invoke.waitForTaskToken',
      );
      if (waiting) {
        for (const approval of await runs.listApprovalsOfRun(runId)) {
          if (approval.status !== 'PENDING' || decided.has(approval.approvalId)) continue;
          decided.add(approval.approvalId);
          await approve(demoCase, approval);
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
    return { ...base, outcome, asExpected: outcome === expected };
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
        cases.push({ workflowId: pack.spec.id, spec: pack.spec, example, eventId });
      }
    }
    if (cases.length === 0) log('demo: no pack has example events (workflows/<id>/events/*.json)');
    const outcomes = await Promise.all(cases.map(followCase));
    const unexpected = outcomes.filter((o) => !o.asExpected);
    log(
      `demo: ${outcomes.length} example event(s) ended; ${outcomes.length - unexpected.length} as their examples expect` +
        (unexpected.length > 0
          ? `; not as expected: ${unexpected.map((o) => `${o.workflowId}/${o.example} ended ${o.outcome}`).join(', ')}`
          : ''),
    );
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
