/**
 * Reconcile: every execution ends in a recorded run state, however it ends.
 *
 * Complete and Escalate close the runs the state machine finishes. An
 * execution that times out, is stopped, exceeds a Step Functions limit, or
 * fails in a step that has no Catch (Admit, Escalate itself) ends without
 * them. Step Functions then sends "Step Functions Execution Status Change" to
 * the account's default bus, best effort; a rule there invokes this step with
 * it. A schedule invokes it too (the sweep): it asks Step Functions how each
 * run still open stands, for the events that never arrive.
 *
 * Closing a run, each part checked before it is repeated, so the status-change
 * event, the sweep and any retry may all close the same run and only the
 * first writes anything:
 * 1. an execution that failed before Admit stored its run gets a FAILED run
 *    item (its event as admitted: the execution input); an event Admit
 *    rejected or found a duplicate is left alone, its chain already says so;
 * 2. pending approvals of the run are marked EXPIRED;
 * 3. unless the chain already ends (`run.completed`, `run.escalated`,
 *    `run.closed`): publish WorkflowEscalated, then append `run.closed`;
 * 4. the terminal status (FAILED, TIMED_OUT or ABORTED) is set, a
 *    conditional write: a run Complete or Escalate closed keeps theirs.
 */
import * as z from 'zod';
import { AwfError } from '../../errors.js';
import { runIdFor } from '../../ids.js';
import type { LineageRecord } from '../../lineage/record.js';
import { TERMINAL_LINEAGE_TYPES } from '../../lineage/verify.js';
import { type LineageWriter, lineageWriter } from '../../lineage/writer.js';
import { PLATFORM_DETAIL_TYPES, workflowEventSource } from '../../platform-events.js';
import type { ExecutionStanding } from '../../ports.js';
import { readEventPath, redactDetailWithReport } from '../../redaction.js';
import type { RunRecord } from '../../runs/records.js';
import { runEnd } from '../../runs/run-end.js';
import { scrubbedEvent } from '../../runs/scrub.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import { type RunStatus, TERMINAL_RUN_STATUSES } from '../contracts.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';

const reconcileNeeds = {
  runs: { writes: ['approval', 'run'] },
  lineage: 'append',
  events: 'workflow',
  recordKeys: 'sign',
  executions: 'describe',
} as const;

type ReconcilePorts = PortsFor<typeof reconcileNeeds>;

const ACTOR = 'awf:reconcile';

/** Execution statuses that end a run here, and the run status each gives. */
const CLOSING_STATUS = { FAILED: 'FAILED', TIMED_OUT: 'TIMED_OUT', ABORTED: 'ABORTED' } as const;

/** The status-change event Step Functions sends to the default bus. */
const statusChangeSchema = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    executionArn: z.string(),
    stateMachineArn: z.string(),
    status: z.string(),
    input: z.string().nullish(),
    stopDate: z.number().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
  }),
});

/** The schedule's event: sweep the runs still open. */
const sweepSchema = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
});

/** Reconcile's input: a status change or the sweep's schedule. */
export const reconcileInputSchema = z.union([statusChangeSchema, sweepSchema]);
export type ReconcileInput = z.infer<typeof reconcileInputSchema>;

/** What one invocation did. */
export interface ReconcileResult {
  /** Runs this invocation closed, with the status each got. */
  readonly closed: readonly { readonly runId: string; readonly status: RunStatus }[];
  /** Runs looked at. */
  readonly checked: number;
}

/** How an execution ended, as far as reconciling needs it. */
interface ExecutionEnd {
  readonly executionArn: string;
  readonly status: keyof typeof CLOSING_STATUS;
  readonly input?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly detectedBy: 'status-change' | 'sweep';
}

/** Step Functions' `cause` can be 32 KB; the record keeps what an operator reads. */
function shorten(text: string | undefined, max = 2000): string | undefined {
  return text === undefined ? undefined : text.length > max ? `${text.slice(0, max)}...` : text;
}

function isClosing(status: string): status is keyof typeof CLOSING_STATUS {
  return Object.hasOwn(CLOSING_STATUS, status);
}

/** The bus event an execution was started with, when its input is one. */
function admittedEvent(input: string | undefined): { id: string } & Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input ?? 'null');
  } catch {
    parsed = undefined;
  }
  const id = (parsed as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string' || id === '') {
    throw new AwfError('the execution input is not a bus event with an id; it names no run to reconcile');
  }
  return parsed as { id: string } & Record<string, unknown>;
}

/**
 * The run item Admit would have stored for an execution that ended before it
 * could: the event as the execution received it, its model-safe detail, and
 * the execution; {@link closeRun} then closes it like any other.
 */
function unadmittedRun(spec: WorkflowSpec, runId: string, end: ExecutionEnd, now: Date): RunRecord {
  const event = admittedEvent(end.input);
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const entity = readEventPath(event, spec.entityKey);
  const at = now.toISOString();
  return {
    runId,
    workflowId: spec.id,
    workflowVersion: spec.version,
    entityId: typeof entity === 'string' || typeof entity === 'number' ? String(entity) : 'unknown',
    eventId: event.id,
    startedAt: at,
    maxIterations: spec.agent.maxIterations,
    status: 'RUNNING',
    executionId: end.executionArn,
    event,
    redactedDetail: redactDetailWithReport(spec, detail).detail,
    updatedAt: at,
  };
}

/** Closes one run (see the module notes); returns the status it got, or undefined when it had ended. */
async function closeRun(
  spec: WorkflowSpec,
  runId: string,
  end: ExecutionEnd,
  ports: ReconcilePorts,
  writer: LineageWriter,
): Promise<RunStatus | undefined> {
  const { runs, lineage, events, clock } = ports;
  const chain: readonly LineageRecord[] = await lineage.chain(runId);
  // An event Admit rejected or recorded as a duplicate ended its execution on purpose (FAILED for a
  // rejection): its chain says so, and there is no run to close.
  if (chain.some((record) => record.type === 'event.rejected' || record.type === 'event.duplicate')) {
    return undefined;
  }
  let run = await runs.getRun(runId);
  if (run === undefined) {
    await runs.createRun(unadmittedRun(spec, runId, end, clock()));
    run = await runs.getRun(runId);
    if (run === undefined) throw new AwfError(`run ${runId} could not be stored or read back; retry`);
  }
  if (TERMINAL_RUN_STATUSES.includes(run.status)) return undefined;

  const status = CLOSING_STATUS[end.status];
  const expired: string[] = [];
  for (const approval of await runs.listApprovalsOfRun(runId)) {
    if (approval.status !== 'PENDING') continue;
    const decided = await runs.decideApproval(approval.approvalId, {
      status: 'EXPIRED',
      at: clock().toISOString(),
      by: ACTOR,
      reason: `the execution ended ${end.status} before a decision`,
    });
    if (decided) expired.push(approval.approvalId);
  }

  const closed = chain.find((record) => TERMINAL_LINEAGE_TYPES.includes(record.type));
  const ending = runEnd(run.startedAt, clock());
  if (closed === undefined) {
    const error = shorten(end.error);
    const cause = shorten(end.cause);
    const { eventIds } = await events.publish([
      {
        source: workflowEventSource(spec.id),
        detailType: PLATFORM_DETAIL_TYPES.workflowEscalated,
        detail: {
          runId,
          workflowId: spec.id,
          entityId: run.entityId,
          reason: `EXECUTION_${end.status}`,
          status,
          notify: spec.approvals.escalation,
          detail: { executionArn: end.executionArn, error: error ?? null, cause: cause ?? null },
        },
      },
    ]);
    await writer.append(runId, {
      type: 'run.closed',
      actor: ACTOR,
      workflowId: spec.id,
      entityId: run.entityId,
      versions: { workflowVersion: run.workflowVersion },
      data: {
        status,
        ...ending,
        executionArn: end.executionArn,
        executionStatus: end.status,
        ...(error === undefined ? {} : { error }),
        ...(cause === undefined ? {} : { cause }),
        expiredApprovals: expired,
        detectedBy: end.detectedBy,
        notify: spec.approvals.escalation,
        eventId: eventIds[0],
      },
    });
  }
  const changed = await runs.setRunStatus(runId, {
    status,
    at: ending.endedAt,
    endedAt: ending.endedAt,
    cycleTimeMs: ending.cycleTimeMs,
    outcome: { reason: `EXECUTION_${end.status}`, executionArn: end.executionArn },
    event: scrubbedEvent(spec, run.event),
  });
  return changed ? status : undefined;
}

/** The sweep: every run still open whose execution Step Functions says has ended. */
async function sweep(
  spec: WorkflowSpec,
  ports: ReconcilePorts,
  writer: LineageWriter,
): Promise<ReconcileResult> {
  const open = (
    await Promise.all(
      (['RUNNING', 'AWAITING_APPROVAL'] as const).map((status) =>
        ports.runs.listRuns({ workflowId: spec.id, status }),
      ),
    )
  ).flat();
  const closed: { runId: string; status: RunStatus }[] = [];
  for (const run of open) {
    const standing: ExecutionStanding | undefined = await ports.executions.describe(run.executionId);
    // An execution Step Functions no longer knows (lost, or past its history) ended without a word.
    const executionStatus = standing?.status ?? 'FAILED';
    if (!isClosing(executionStatus)) continue;
    const status = await closeRun(
      spec,
      run.runId,
      {
        executionArn: run.executionId,
        status: executionStatus,
        ...(standing?.error === undefined ? {} : { error: standing.error }),
        cause: standing?.cause ?? (standing ? undefined : 'Step Functions does not know the execution'),
        detectedBy: 'sweep',
      },
      ports,
      writer,
    );
    if (status !== undefined) closed.push({ runId: run.runId, status });
  }
  return { closed, checked: open.length };
}

/** Reconciles after a status change, or sweeps. */
async function reconcile(
  input: ReconcileInput,
  spec: WorkflowSpec,
  ports: ReconcilePorts,
  writer: LineageWriter,
): Promise<ReconcileResult> {
  if (input.source === 'aws.events') return sweep(spec, ports, writer);
  const { detail } = input;
  if (!isClosing(detail.status)) return { closed: [], checked: 0 };
  // The event may leave the input out (over its size limit); Step Functions still has it.
  const executionInput = detail.input ?? (await ports.executions.describe(detail.executionArn))?.input;
  const runId = runIdFor(spec.id, admittedEvent(executionInput).id);
  const status = await closeRun(
    spec,
    runId,
    {
      executionArn: detail.executionArn,
      status: detail.status,
      ...(executionInput === undefined ? {} : { input: executionInput }),
      ...(detail.error ? { error: detail.error } : {}),
      ...(detail.cause ? { cause: detail.cause } : {}),
      detectedBy: 'status-change',
    },
    ports,
    writer,
  );
  return { closed: status === undefined ? [] : [{ runId, status }], checked: 1 };
}

/** The reconcile step: see the module notes. */
export const reconcileStep = defineStep({
  name: 'reconcile',
  input: reconcileInputSchema,
  ports: reconcileNeeds,
  build(pack, ports) {
    const writer = lineageWriter('reconcile', ports.lineage, ports.clock, ports.recordKeys);
    return (input: ReconcileInput) => reconcile(input, pack.spec, ports, writer);
  },
  measure(result, metrics) {
    metrics.count('RunsReconciled', result.closed.length);
    for (const { status } of result.closed) {
      metrics.count(
        `RunsClosed${status === 'TIMED_OUT' ? 'TimedOut' : status === 'ABORTED' ? 'Aborted' : 'Failed'}`,
      );
    }
  },
});
