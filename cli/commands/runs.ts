/**
 * `awf runs list | show | wait | cancel-follow-up`.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { durationToSeconds } from '../../core/duration.js';
import { observationsOf } from '../../core/lineage/observations.js';
import { cancellationPath } from '../../core/operations/endpoint-protocol.js';
import type { FollowUpRecord, RunRecord } from '../../core/runs/records.js';
import { RUN_STATUSES, type RunStatus, TERMINAL_RUN_STATUSES } from '../../core/steps/contracts.js';
import type { CancellationAsked } from '../../core/steps/follow-up/follow-up.js';
import { callEndpoint, signerFor } from '../approvals-endpoint.js';
import { type OutputOptions, print, renderTable } from '../output.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';

/** Reads `--status`, failing with the allowed values on anything else. */
export function parseRunStatus(value: string): RunStatus {
  const upper = value.toUpperCase();
  if (!(RUN_STATUSES as readonly string[]).includes(upper)) {
    throw new Error(`--status must be one of ${RUN_STATUSES.join(', ')}, got "${value}"`);
  }
  return upper as RunStatus;
}

function runRow(run: RunRecord) {
  return {
    runId: run.runId,
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    entityId: run.entityId,
    status: run.status,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    cycleTimeMs: run.cycleTimeMs,
    outcome: run.outcome,
  };
}

const RUN_COLUMNS = [
  { heading: 'run', value: (r: ReturnType<typeof runRow>) => r.runId },
  { heading: 'workflow', value: (r: ReturnType<typeof runRow>) => r.workflowId },
  { heading: 'entity', value: (r: ReturnType<typeof runRow>) => r.entityId },
  { heading: 'status', value: (r: ReturnType<typeof runRow>) => r.status },
  { heading: 'started', value: (r: ReturnType<typeof runRow>) => r.startedAt },
  { heading: 'cycle ms', value: (r: ReturnType<typeof runRow>) => r.cycleTimeMs },
];

/** Options of `awf runs list`. */
export interface ListRunsOptions extends OutputOptions {
  readonly workflow?: string;
  readonly status?: string;
  readonly limit?: string;
}

/** Lists runs, newest first. */
export async function listRuns(target: Target, options: ListRunsOptions): Promise<void> {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`--limit must be a positive whole number, got ${options.limit}`);
  const runs = await storesOf(target).runs.listRuns({
    ...(options.workflow ? { workflowId: options.workflow } : {}),
    ...(options.status ? { status: parseRunStatus(options.status) } : {}),
    limit,
  });
  print(runs.map(runRow), options, (rows) => (rows.length ? renderTable(rows, RUN_COLUMNS) : 'no runs'));
}

async function requireRun(target: Target, runId: string): Promise<RunRecord> {
  const run = await storesOf(target).runs.getRun(runId);
  if (!run) throw new Error(`no run ${runId}`);
  return run;
}

/** A follow-up as `awf runs show` lists it. */
function followUpRow(followUp: FollowUpRecord) {
  return {
    followUpId: followUp.followUpId,
    action: followUp.action,
    after: followUp.after.action,
    input: followUp.input,
    dueAt: followUp.dueAt,
    status: followUp.status,
    ...(followUp.endedAt ? { endedAt: followUp.endedAt } : {}),
    ...(followUp.cancellationApprovalId ? { cancellationApprovalId: followUp.cancellationApprovalId } : {}),
  };
}

/**
 * Shows one run: its record, approvals, the actions it executed (from its
 * lineage), its follow-ups (pending first: what is still due and when) and
 * the types of its lineage records.
 */
export async function showRun(target: Target, runId: string, options: OutputOptions): Promise<void> {
  const stores = storesOf(target);
  const run = await requireRun(target, runId);
  const [approvals, lineage, followUps] = await Promise.all([
    stores.runs.listApprovalsOfRun(runId),
    stores.lineage.chain(runId),
    stores.runs.listFollowUpsOfRun(runId),
  ]);
  const pendingFirst = [...followUps].sort(
    (a, b) =>
      Number(b.status === 'PENDING') - Number(a.status === 'PENDING') || a.dueAt.localeCompare(b.dueAt),
  );
  const observations = observationsOf(lineage);
  const result = {
    ...runRow(run),
    redactedDetail: run.redactedDetail,
    approvals: approvals.map(({ taskToken: _token, ...a }) => a),
    observations,
    followUps: pendingFirst.map(followUpRow),
    lineage: lineage.map((r) => ({ seq: r.seq, type: r.type, actor: r.actor, at: r.at })),
  };
  print(result, options, (r) =>
    [
      `run       ${r.runId}`,
      `workflow  ${r.workflowId} ${r.workflowVersion}`,
      `entity    ${r.entityId}`,
      `status    ${r.status}${r.outcome ? ` ${JSON.stringify(r.outcome)}` : ''}`,
      `started   ${r.startedAt}${r.endedAt ? `   ended ${r.endedAt} (${r.cycleTimeMs} ms)` : ''}`,
      '',
      r.approvals.length
        ? renderTable(r.approvals, [
            { heading: 'approval', value: (a) => a.approvalId },
            { heading: 'action', value: (a) => a.gated.proposal.action },
            { heading: 'status', value: (a) => a.status },
            { heading: 'decided by', value: (a) => a.decidedBy },
            { heading: 'reason', value: (a) => a.reason },
          ])
        : 'no approvals',
      '',
      r.observations.length
        ? renderTable(r.observations, [
            { heading: 'action', value: (o) => o.action },
            { heading: 'status', value: (o) => o.status },
            { heading: 'proposal', value: (o) => o.proposalId },
          ])
        : 'no actions executed',
      '',
      r.followUps.length
        ? renderTable(r.followUps, [
            { heading: 'follow-up', value: (f) => f.followUpId },
            { heading: 'action', value: (f) => f.action },
            { heading: 'after', value: (f) => f.after },
            { heading: 'due', value: (f) => f.dueAt },
            {
              heading: 'status',
              value: (f) =>
                f.cancellationApprovalId && f.status === 'PENDING'
                  ? 'PENDING (cancellation asked)'
                  : f.status,
            },
          ])
        : 'no follow-ups',
      '',
      renderTable(r.lineage, [
        { heading: 'seq', value: (l) => l.seq },
        { heading: 'type', value: (l) => l.type },
        { heading: 'actor', value: (l) => l.actor },
        { heading: 'at', value: (l) => l.at },
      ]),
    ].join('\n'),
  );
}

/** Options of `awf runs wait`. */
export interface WaitRunOptions extends OutputOptions {
  /** Wait for this status instead of any terminal one. */
  readonly status?: string;
  readonly timeout?: string;
}

/**
 * Waits until the run reaches a terminal status (or `--status`), then prints it.
 * @throws Error when the timeout passes first, or the run ends in another terminal status than awaited.
 */
export async function waitForRun(target: Target, runId: string, options: WaitRunOptions): Promise<void> {
  const wanted = options.status ? parseRunStatus(options.status) : undefined;
  const deadline = Date.now() + durationToSeconds(options.timeout ?? '120s') * 1000;
  const { runs } = storesOf(target);
  for (;;) {
    const run = await runs.getRun(runId);
    if (run) {
      const reached = wanted ? run.status === wanted : TERMINAL_RUN_STATUSES.includes(run.status);
      if (reached) {
        print(runRow(run), options, (r) => `${r.runId} ${r.status}`);
        return;
      }
      if (wanted && TERMINAL_RUN_STATUSES.includes(run.status)) {
        throw new Error(`run ${runId} ended ${run.status} before reaching ${wanted}`);
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `run ${runId} did not reach ${wanted ?? 'a terminal status'} within ${options.timeout ?? '120s'} (now ${run?.status ?? 'not started'})`,
      );
    }
    await sleep(250);
  }
}

/** Options of `awf runs cancel-follow-up`. */
export interface CancelFollowUpOptions extends OutputOptions {
  /** Why; recorded and shown to the approvers. */
  readonly reason?: string;
  /** Locally: whose local operator identity signs (in AWS your credentials say who you are). */
  readonly as?: string;
}

/**
 * Asks to cancel a pending follow-up through its workflow's follow-ups
 * endpoint (a function URL with `AWS_IAM` auth, signed with SigV4 as the
 * operator): that opens an approval the workflow's approvers decide
 * (`awf approvals approve`); only once it is approved is the follow-up
 * cancelled. Until then it stays due.
 * @throws Error naming what was wrong: no reason, no such follow-up, not pending, or the endpoint's refusal.
 */
export async function cancelFollowUp(
  target: Target,
  followUpId: string,
  options: CancelFollowUpOptions,
): Promise<void> {
  const reason = options.reason?.trim() ?? '';
  if (!reason) throw new Error('--reason is required: it is recorded and shown to the approvers');
  const followUp = await storesOf(target).runs.getFollowUp(followUpId);
  if (!followUp) throw new Error(`no follow-up ${followUpId}`);
  if (followUp.status !== 'PENDING') {
    throw new Error(
      `follow-up ${followUpId} is ${followUp.status}: only a pending follow-up can be cancelled`,
    );
  }
  const endpoint = target.workflows[followUp.workflowId]?.followUpsUrl;
  if (!endpoint) {
    throw new Error(
      `workflow ${followUp.workflowId} has no follow-ups endpoint on this target; is it deployed by this version?`,
    );
  }
  const signer = signerFor(target, followUp.workflowId, options.as, 'operator');
  const answer = await callEndpoint(
    target.region,
    endpoint,
    signer,
    { method: 'POST', path: cancellationPath(followUpId), body: { reason } },
    'the follow-ups endpoint',
  );
  if (answer.status !== 200)
    throw new Error(`the cancellation of ${followUpId} was refused: ${answer.message}`);
  const result = answer.body as CancellationAsked;
  print(result, options, (r) =>
    [
      `cancelling ${r.followUpId} (${followUp.action} due ${followUp.dueAt}) needs approval ${r.approval.approvalId} (${r.approval.status}); asked as ${signer.describe}`,
      `until it is approved, ${followUp.action} stays due; approvers: awf approvals approve ${r.approval.approvalId}`,
    ].join('\n'),
  );
}
