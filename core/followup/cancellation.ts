/**
 * Cancelling a pending follow-up takes an approval, like any other action.
 *
 * An operator asks (`awf runs cancel-follow-up`, through the follow-up step):
 * {@link requestCancellation} stores a PENDING approval of the workflow's
 * approvers (quorum one of `approvals.approverRoles`, separation of duties
 * from the run's event, expiry `approvals.timeout`) and records
 * `cancellation.requested` in the run's chain. The follow-up stays due
 * meanwhile, and fires if its time comes first.
 *
 * The approvers decide it through the approvals endpoint like any approval:
 * the decide step reads the request from {@link withCancellationRequests},
 * which presents an authentic `cancellation.requested` as the approval's
 * request, so the same checks (directory, roles, separation of duties,
 * quorum, expiry) and the same tally apply. Once the quorum approves, the
 * decide step calls {@link cancelFollowUp} instead of resuming a run: it
 * records `followup.cancelled`, marks the item CANCELLED and deletes the
 * schedule, in that order (a crash after the record still cancels: the
 * follow-up step treats the record as a cancellation).
 */

import { bindingHashFor } from '../approval/binding.js';
import { approvalRequirementOf } from '../approval/requirement.js';
import { excludedApproversFor, principalKey } from '../approval/separation-of-duties.js';
import { durationToSeconds } from '../duration.js';
import { AwfError, GovernanceViolationError } from '../errors.js';
import { approvalIdFor } from '../ids.js';
import { computeRecordHash } from '../lineage/chain.js';
import { recordsOfType } from '../lineage/read.js';
import type { LineageRecord, LineageStore } from '../lineage/record.js';
import { macProblem, type RecordKeys, requireAuthentic } from '../lineage/record-keys.js';
import type { LineageData } from '../lineage/registry.js';
import type { LineageWriter } from '../lineage/writer.js';
import type { KeyedHasher } from '../ports.js';
import type { ApprovalRecord, RunsStore } from '../runs/records.js';
import { requireRun } from '../runs/run-lookup.js';
import type { GatedProposal } from '../steps/contracts.js';
import { catalogueAction } from '../workflow/catalogue.js';
import type { WorkflowSpec } from '../workflow/spec.js';
import { FollowUpNotFoundError, FollowUpNotPendingError } from './errors.js';
import type { FollowUpRecord } from './follow-up.js';
import type { FollowUpScheduler } from './scheduler.js';

/** What the operator asks. */
export interface CancellationRequest {
  readonly followUpId: string;
  /** Why; recorded and shown to the approvers. */
  readonly reason: string;
  /** Who asks: the session name of the operator AWS authenticated at the follow-ups endpoint. */
  readonly operator: string;
  /** The operator's identity as AWS authenticated it (a session of a trusted operator role). */
  readonly identity: string;
}

/** The reason a cancellation approval is requested, as the approval's reasons show it. */
export const CANCELLATION_REASON = 'follow-up-cancellation';

/** The action an approver of a cancellation is shown: `cancel revokeAccess`. */
export function cancellationActionOf(followUpAction: string): string {
  return `cancel ${followUpAction}`;
}

/** The approval a follow-up's cancellation waits for: one per follow-up, so a retried request lands on it. */
export function cancellationApprovalIdFor(followUp: Pick<FollowUpRecord, 'runId' | 'followUpId'>): string {
  return approvalIdFor(followUp.runId, followUp.followUpId);
}

/** Whether an approval decides a follow-up's cancellation rather than a waiting run's proposal. */
export function isFollowUpCancellation(approval: Pick<ApprovalRecord, 'followUpCancellation'>): boolean {
  return approval.followUpCancellation !== undefined;
}

/** Stands in for a task token: no run waits on a cancellation, and nothing opens this. */
const NO_TASK_TOKEN = 'none:follow-up-cancellation';

/** What asking for a cancellation needs. */
export interface CancellationRequestPorts {
  readonly runs: Pick<
    RunsStore,
    'getFollowUp' | 'getRun' | 'putApproval' | 'getApproval' | 'noteFollowUpCancellation'
  >;
  readonly lineage: Pick<LineageStore, 'chain'>;
  readonly keys: KeyedHasher;
  /** The follow-up step's writer: `cancellation.requested` is its record. */
  readonly writer: LineageWriter;
  readonly clock: () => Date;
}

/**
 * Opens the approval that must decide a follow-up's cancellation (see the module comment).
 *
 * @returns the approval (PENDING, or as a retried request finds it).
 * @throws FollowUpNotFoundError when the follow-up is not this workflow's.
 * @throws FollowUpNotPendingError when it ran or was cancelled already.
 */
export async function requestCancellation(
  spec: WorkflowSpec,
  ports: CancellationRequestPorts,
  request: CancellationRequest,
): Promise<ApprovalRecord> {
  const followUp = await ports.runs.getFollowUp(request.followUpId);
  if (followUp === undefined || followUp.workflowId !== spec.id) {
    throw new FollowUpNotFoundError(`follow-up ${request.followUpId} is not one of workflow ${spec.id}'s`);
  }
  if (followUp.status !== 'PENDING') {
    throw new FollowUpNotPendingError(
      `follow-up ${followUp.followUpId} is ${followUp.status}${followUp.endedAt ? ` since ${followUp.endedAt}` : ''}: only a pending follow-up can be cancelled`,
    );
  }
  const run = await requireRun(ports.runs, followUp.runId, 'follow-up');
  const now = ports.clock();
  const approvalId = cancellationApprovalIdFor(followUp);
  const gated: GatedProposal = {
    proposal: {
      proposalId: followUp.followUpId,
      action: cancellationActionOf(followUp.action),
      input: { ...followUp.input },
      rationale: `Cancel ${followUp.action} due at ${followUp.dueAt}, asked by ${request.operator}: ${request.reason}`,
      confidence: 1,
    },
    decision: 'REQUIRE_APPROVAL',
    reasons: [CANCELLATION_REASON],
  };
  const requirement = approvalRequirementOf(spec.approvals.approverRoles, []);
  const candidate: ApprovalRecord = {
    approvalId,
    runId: followUp.runId,
    workflowId: spec.id,
    entityId: followUp.entityId,
    proposalId: followUp.followUpId,
    gated,
    bindingHash: bindingHashFor(followUp.runId, gated.proposal),
    taskToken: NO_TASK_TOKEN,
    status: 'PENDING',
    approverRoles: [...requirement.roles],
    quorum: requirement.quorum,
    distinctRoles: requirement.distinctRoles,
    excludedApprovers: excludedApproversFor(spec, run.event),
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + durationToSeconds(spec.approvals.timeout) * 1000).toISOString(),
    followUpCancellation: {
      followUpId: followUp.followUpId,
      dueAt: followUp.dueAt,
      requestedBy: request.operator,
    },
  };
  let approval = candidate;
  if (!(await ports.runs.putApproval(candidate))) {
    // Asked before: the cancellation of a follow-up has one approval, whoever asks again.
    const existing = await ports.runs.getApproval(approvalId);
    if (existing === undefined)
      throw new AwfError(`approval "${approvalId}" exists but cannot be read; ask again`);
    approval = existing;
  }
  const chain = await ports.lineage.chain(followUp.runId);
  const recorded = recordsOfType(chain, 'cancellation.requested').some(
    ({ data }) => data.approvalId === approvalId,
  );
  if (!recorded) {
    const reduced = catalogueAction(spec, catalogueAction(spec, followUp.action)?.reduces ?? '');
    await ports.writer.append(
      followUp.runId,
      {
        type: 'cancellation.requested',
        actor: `human:${request.operator}`,
        workflowId: spec.id,
        entityId: followUp.entityId,
        versions: { workflowVersion: spec.version },
        data: {
          followUpId: followUp.followUpId,
          approvalId,
          proposalId: followUp.followUpId,
          action: followUp.action,
          input: { ...followUp.input },
          risk: reduced?.risk ?? 'critical',
          reason: request.reason,
          identity: request.identity,
          bindingHash: approval.bindingHash,
          approverRoles: [...approval.approverRoles],
          quorum: approval.quorum ?? 1,
          distinctRoles: approval.distinctRoles ?? false,
          // Who the case names is personal data: the lineage keeps keyed hashes only.
          excludedApproverHashes: await Promise.all(
            approval.excludedApprovers.map((principal) =>
              ports.keys.hash(`principal:${principalKey(principal)}`),
            ),
          ),
          expiresAt: approval.expiresAt,
        },
      },
      { knownHead: chain.at(-1) ?? null },
    );
  }
  await ports.runs.noteFollowUpCancellation(followUp.followUpId, approvalId);
  return approval;
}

/** An authentic `cancellation.requested` as the `approval.requested` of its approval. */
function asApprovalRequest(
  record: LineageRecord,
  data: LineageData<'cancellation.requested'>,
): LineageRecord {
  const request: LineageData<'approval.requested'> = {
    approvalId: data.approvalId,
    proposalId: data.proposalId,
    action: cancellationActionOf(data.action),
    input: data.input,
    risk: data.risk,
    reasons: [CANCELLATION_REASON],
    bindingHash: data.bindingHash,
    approverRoles: data.approverRoles,
    quorum: data.quorum,
    distinctRoles: data.distinctRoles,
    excludedApproverHashes: data.excludedApproverHashes,
    expiresAt: data.expiresAt,
  };
  return { ...record, type: 'approval.requested', data: request };
}

/**
 * The chain as the decide step reads an approval from it: an authentic
 * `cancellation.requested` of `approvalId` (MACed by the follow-up step,
 * its content matching its hash) stands as that approval's
 * `approval.requested`, in its place; a forged one is left out, so it opens
 * no approval. Every other record is kept as it is. A view for reading
 * only: the records it presents are not the stored ones.
 *
 * @throws what `keys.verify` throws when the follow-up step's key cannot be used.
 */
export async function withCancellationRequests(
  chain: readonly LineageRecord[],
  approvalId: string,
  keys: Pick<RecordKeys, 'verify'>,
): Promise<LineageRecord[]> {
  const view: LineageRecord[] = [];
  for (const record of chain) {
    if (record.type !== 'cancellation.requested') {
      view.push(record);
      continue;
    }
    const [parsed] = recordsOfType([record], 'cancellation.requested');
    if (parsed === undefined || parsed.data.approvalId !== approvalId) {
      view.push(record);
      continue;
    }
    const forged =
      computeRecordHash(record) !== record.hash || (await macProblem(record, keys)) !== undefined;
    if (!forged) view.push(asApprovalRequest(record, parsed.data));
  }
  return view;
}

/** What cancelling a follow-up needs. */
export interface CancellationPorts {
  readonly runs: Pick<RunsStore, 'getFollowUp' | 'endFollowUp'>;
  readonly lineage: Pick<LineageStore, 'chain'>;
  readonly recordKeys: Pick<RecordKeys, 'verify'>;
  readonly scheduler: Pick<FollowUpScheduler, 'delete'>;
  /** The decide step's writer: `followup.cancelled` is its record. */
  readonly writer: LineageWriter;
  readonly clock: () => Date;
}

/** How an approved cancellation ended. */
export interface CancellationOutcome {
  readonly followUpId: string;
  /** CANCELLED now, or the status that kept it from being cancelled (it ran first). */
  readonly status: FollowUpRecord['status'];
}

/**
 * Cancels the follow-up an approved cancellation approval decides (see the module comment).
 *
 * @param approvers the principals whose approvals the lineage counted.
 * @throws GovernanceViolationError when the run's chain holds no
 *   `cancellation.requested` of the approval.
 * @throws ForgedLineageRecordError when the one it holds was not made by the follow-up step.
 */
export async function cancelFollowUp(
  spec: WorkflowSpec,
  ports: CancellationPorts,
  approval: Pick<ApprovalRecord, 'approvalId' | 'runId'>,
  approvers: readonly string[],
): Promise<CancellationOutcome> {
  const chain = await ports.lineage.chain(approval.runId);
  const request = recordsOfType(chain, 'cancellation.requested').find(
    ({ data }) => data.approvalId === approval.approvalId,
  );
  if (request === undefined) {
    throw new GovernanceViolationError(
      `approval "${approval.approvalId}" cancels no follow-up: run ${approval.runId}'s lineage holds no cancellation.requested of it`,
    );
  }
  // Only what the follow-up step itself recorded names the follow-up to cancel.
  await requireAuthentic(request, ports.recordKeys);
  const { followUpId } = request.data;
  const followUp = await ports.runs.getFollowUp(followUpId);
  if (followUp === undefined || followUp.workflowId !== spec.id) {
    throw new FollowUpNotFoundError(`follow-up ${followUpId} is not one of workflow ${spec.id}'s`);
  }
  if (followUp.status !== 'PENDING') return { followUpId, status: followUp.status };
  const recorded = recordsOfType(chain, 'followup.cancelled').some(
    (record) => record.data.followUpId === followUpId,
  );
  if (!recorded) {
    await ports.writer.append(
      followUp.runId,
      {
        type: 'followup.cancelled',
        actor: 'awf:decide-approval',
        workflowId: spec.id,
        entityId: followUp.entityId,
        versions: { workflowVersion: spec.version },
        data: {
          followUpId,
          action: followUp.action,
          approvalId: approval.approvalId,
          approvers: [...approvers],
          dueAt: followUp.dueAt,
        },
      },
      { knownHead: chain.at(-1) ?? null },
    );
  }
  const ended = await ports.runs.endFollowUp(followUpId, {
    status: 'CANCELLED',
    at: ports.clock().toISOString(),
  });
  await ports.scheduler.delete(followUp.scheduleName);
  if (!ended) {
    // It fired between the read and the write: it ran, and the record says it was cancelled too late.
    const now = await ports.runs.getFollowUp(followUpId);
    return { followUpId, status: now?.status ?? 'DONE' };
  }
  return { followUpId, status: 'CANCELLED' };
}
