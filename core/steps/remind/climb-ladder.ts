/**
 * Climbing one pending approval's escalation ladder: every rung due by now and
 * not yet in the run's chain gets its `approval.escalated` record, in rung
 * order, and an `ApprovalEscalated` event on the platform bus (the workflow's
 * notification topic carries it to people).
 *
 * What is reached is read from the chain each time, never counted elsewhere,
 * so a second remind run, or one after a failure halfway, records and
 * announces only what is missing. The record comes first and the event
 * after it: the record is what lets the rung's role approve, so the event
 * never announces a right that does not exist; and two remind runs racing for
 * one rung cannot both announce it, since only one of them lands its record.
 * A rung whose event could not be published stays recorded; the next
 * `ApprovalReminder` names its role among those who may approve.
 */
import { withoutForgedApprovals } from '../../approval/authentic.js';
import { dueRungs, ladderOf, type Rung, reachedRungs, rolesWithRungs } from '../../approval/ladder.js';
import { AwfError, LineageWriteError } from '../../errors.js';
import { recordsOfType } from '../../lineage/read.js';
import type { LineageRecord, LineageStore } from '../../lineage/record.js';
import type { RecordKeys } from '../../lineage/record-keys.js';
import type { LineageData } from '../../lineage/registry.js';
import type { LineageWriter, TypedLineageDraft } from '../../lineage/writer.js';
import { PLATFORM_DETAIL_TYPES, workflowEventSource } from '../../platform-events.js';
import type { EventPublisher } from '../../ports.js';
import type { ApprovalRecord } from '../../runs/records.js';
import type { WorkflowSpec } from '../../workflow/spec.js';

/** The records remind reads of an approval, and so the only ones whose MACs it checks. */
const LADDER_RECORD_TYPES: ReadonlySet<string> = new Set(['approval.requested', 'approval.escalated']);

/** Attempts at one rung's record while other writers (decide-approval, another remind run) append to the chain. */
const MAX_ATTEMPTS = 10;

/** Full jitter, as the lineage writer's own retries: spreads racing writers apart. */
function jitteredPause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 20 * 2 ** attempt)));
}

/** An approval's ladder cannot be climbed: the lineage lacks what it is computed from. */
export class EscalationLadderError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'EscalationLadderError';
  }
}

/** What climbing needs. */
export interface LadderClimb {
  readonly spec: WorkflowSpec;
  readonly lineage: LineageStore;
  readonly recordKeys: Pick<RecordKeys, 'verify'>;
  /** The remind step's writer. */
  readonly writer: LineageWriter;
  readonly events: EventPublisher;
  /** Waits before the next attempt after losing the race for the chain's next seq. @default jittered backoff */
  readonly pause?: (attempt: number) => Promise<void>;
}

/** A rung this climb recorded and announced. */
export interface RungRecorded {
  readonly approvalId: string;
  readonly rung: number;
  readonly role: string;
}

/** Where one approval's ladder stands by its chain after the climb. */
export interface LadderStanding {
  /** The roles that may approve now: the requirement's, then the reached rungs'. */
  readonly approverRoles: readonly string[];
  /** The rungs this climb recorded, in order. */
  readonly recorded: readonly RungRecorded[];
}

/** A run's chain as read: every record (its head is where the next one goes) and the authentic ones. */
interface ChainView {
  readonly full: readonly LineageRecord[];
  readonly authentic: readonly LineageRecord[];
}

/** Reads the run's chain, leaving out the approval's forged request and rung records. */
async function readChain(climb: LadderClimb, approval: ApprovalRecord): Promise<ChainView> {
  const full = await climb.lineage.chain(approval.runId);
  const { chain } = await withoutForgedApprovals(
    full,
    approval.approvalId,
    climb.recordKeys,
    LADDER_RECORD_TYPES,
  );
  return { full, authentic: chain };
}

function isReached(view: ChainView, approvalId: string, rung: number): boolean {
  return reachedRungs(view.authentic, approvalId).some((reached) => reached.rung === rung);
}

/**
 * Records and announces every rung of `approval` due at `now` that its chain
 * does not hold yet, in rung order.
 * @throws EscalationLadderError when the chain holds no authentic `approval.requested` of it;
 *   LineageWriteError when a rung cannot be appended; what the bus throws when an event cannot be put.
 */
export async function climbLadder(
  climb: LadderClimb,
  approval: ApprovalRecord,
  now: Date,
): Promise<LadderStanding> {
  const { spec } = climb;
  let view = await readChain(climb, approval);
  const requested = recordsOfType(view.authentic, 'approval.requested').find(
    ({ data }) => data.approvalId === approval.approvalId,
  );
  if (!requested) {
    throw new EscalationLadderError(
      `approval "${approval.approvalId}" has no authentic approval.requested record in the lineage of run ${approval.runId}: its escalation ladder cannot be climbed`,
    );
  }
  const ladder = ladderOf({
    approvals: spec.approvals,
    requestedAt: requested.at,
    expiresAt: requested.data.expiresAt,
  });
  const recorded: RungRecorded[] = [];

  for (const rung of dueRungs(ladder, now)) {
    if (isReached(view, approval.approvalId, rung.rung)) continue;
    const data: LineageData<'approval.escalated'> = {
      approvalId: approval.approvalId,
      proposalId: requested.data.proposalId,
      action: requested.data.action,
      rung: rung.rung,
      role: rung.role,
      approverRoles: rolesWithRungs(requested.data.approverRoles, [
        ...reachedRungs(view.authentic, approval.approvalId),
        { ...rung, seq: Number.POSITIVE_INFINITY },
      ]),
      dueAt: rung.dueAt,
      expiresAt: requested.data.expiresAt,
    };
    const draft: TypedLineageDraft<'approval.escalated'> = {
      type: 'approval.escalated',
      actor: 'awf:remind',
      workflowId: spec.id,
      entityId: requested.entityId,
      versions: { workflowVersion: spec.version },
      data,
    };
    const appended = await appendRung(climb, approval, rung, draft, view);
    view = appended.view;
    // Another remind run recorded the rung meanwhile, and announces it itself.
    if (appended.record === undefined) continue;
    await climb.events.publish([
      {
        source: workflowEventSource(spec.id),
        detailType: PLATFORM_DETAIL_TYPES.approvalEscalated,
        detail: { ...data, runId: approval.runId },
      },
    ]);
    recorded.push({ approvalId: approval.approvalId, rung: rung.rung, role: rung.role });
  }
  return {
    approverRoles: rolesWithRungs(
      requested.data.approverRoles,
      reachedRungs(view.authentic, approval.approvalId),
    ),
    recorded,
  };
}

/**
 * Appends one rung's record at the head of the chain as last read. Losing the
 * race for the next seq (decide-approval or another remind run appended
 * first) reads the chain again: when the rung is there now, nothing is
 * written; otherwise the append is tried on the new head. The writer's own
 * retry would append whatever the chain holds, and so could record one rung twice.
 * @returns the record (undefined when another writer recorded the rung first) and the chain with it.
 * @throws LineageWriteError when the head did not move (the append failed for
 *   another reason, such as a broken chain) or the race is lost `MAX_ATTEMPTS` times.
 */
async function appendRung(
  climb: LadderClimb,
  approval: ApprovalRecord,
  rung: Rung,
  draft: TypedLineageDraft<'approval.escalated'>,
  read: ChainView,
): Promise<{ readonly record?: LineageRecord; readonly view: ChainView }> {
  const pause = climb.pause ?? jitteredPause;
  let view = read;
  for (let attempt = 1; ; attempt++) {
    const head = view.full.at(-1) ?? null;
    try {
      const record = await climb.writer.append(approval.runId, draft, { knownHead: head, maxAttempts: 1 });
      return { record, view: { full: [...view.full, record], authentic: [...view.authentic, record] } };
    } catch (error) {
      if (!(error instanceof LineageWriteError)) throw error;
      const fresh = await readChain(climb, approval);
      const moved = (fresh.full.at(-1)?.seq ?? -1) > (head?.seq ?? -1);
      if (!moved || attempt >= MAX_ATTEMPTS) throw error;
      view = fresh;
      if (isReached(view, approval.approvalId, rung.rung)) return { view };
      await pause(attempt);
    }
  }
}
