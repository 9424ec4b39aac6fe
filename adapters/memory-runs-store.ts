/**
 * The runs store kept in memory, with the conditional semantics of the
 * DynamoDB adapter: for `awf packs test`, which runs a pack's examples without
 * a table, and for tests. It passes the same contract suite as the DynamoDB
 * adapter (test/support/runs-store-contract.ts).
 *
 * Values are copied on the way in and out, and every call yields once, as in
 * the in-memory lineage store.
 */
import { AwfError } from '../core/errors.js';
import type { WorkflowSwitchRecord } from '../core/policy/switch.js';
import type { ParkedRun } from '../core/runs/parked.js';
import type {
  ApprovalDecision,
  ApprovalRecord,
  AutonomyRecord,
  DecisionControls,
  ExecutionClaim,
  ExecutionClearance,
  FollowUpEnd,
  FollowUpRecord,
  HistoryEntry,
  IdempotencyRecord,
  LedgerEntry,
  RunRecord,
  RunStatusChange,
  RunsStore,
  RunWithDecisionControls,
} from '../core/runs/records.js';
import type { Observation, RunStatus } from '../core/steps/contracts.js';
import { TERMINAL_RUN_STATUSES } from '../core/steps/contracts.js';

/** Lets other pending calls run, as the network round trip to a table would. */
const yieldOnce = (): Promise<void> => Promise.resolve();

const copy = <T>(value: T): T => structuredClone(value);

interface StoredHistoryEntry extends HistoryEntry {
  readonly workflowId: string;
  readonly key: string;
  readonly action: string;
}

const isTerminal = (status: RunStatus): boolean => TERMINAL_RUN_STATUSES.includes(status);

/** Newest first, as the by-workflow index returns runs. */
const byStartDescending = (a: RunRecord, b: RunRecord): number =>
  a.startedAt === b.startedAt ? b.runId.localeCompare(a.runId) : b.startedAt.localeCompare(a.startedAt);

const byRequestAscending = (a: ApprovalRecord, b: ApprovalRecord): number =>
  a.requestedAt === b.requestedAt
    ? a.approvalId.localeCompare(b.approvalId)
    : a.requestedAt.localeCompare(b.requestedAt);

/** RunsStore kept in memory, with the conditional semantics of the DynamoDB adapter. */
export class InMemoryRunsStore implements RunsStore {
  private readonly runs = new Map<string, RunRecord>();
  private readonly approvals = new Map<string, ApprovalRecord>();
  /** The last reminder of each approval, kept apart from it as the table does. */
  private readonly reminders = new Map<string, string>();
  private readonly executions = new Map<string, IdempotencyRecord>();
  private readonly autonomy = new Map<string, AutonomyRecord>();
  private readonly switches = new Map<string, WorkflowSwitchRecord>();
  private readonly parked = new Map<string, ParkedRun>();
  private readonly history: StoredHistoryEntry[] = [];
  private readonly ledgers = new Map<string, number>();
  private readonly requests = new Map<string, string>();
  private readonly followUps = new Map<string, FollowUpRecord>();

  async createRun(run: RunRecord): Promise<boolean> {
    await yieldOnce();
    if (this.runs.has(run.runId)) return false;
    this.runs.set(run.runId, copy(run));
    return true;
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    await yieldOnce();
    return copy(this.runs.get(runId));
  }

  async setRunStatus(runId: string, change: RunStatusChange): Promise<boolean> {
    await yieldOnce();
    const run = this.runs.get(runId);
    if (!run || isTerminal(run.status)) return false;
    const { at, ...fields } = copy(change);
    this.runs.set(runId, { ...run, ...dropUndefined(fields), updatedAt: at });
    return true;
  }

  async listRuns(query: { workflowId?: string; status?: RunStatus; limit?: number }): Promise<RunRecord[]> {
    await yieldOnce();
    const matching = [...this.runs.values()]
      .filter((run) => query.workflowId === undefined || run.workflowId === query.workflowId)
      .filter((run) => query.status === undefined || run.status === query.status)
      .sort(byStartDescending);
    return copy(query.limit === undefined ? matching : matching.slice(0, query.limit));
  }

  async putApproval(approval: ApprovalRecord): Promise<boolean> {
    await yieldOnce();
    if (this.approvals.has(approval.approvalId)) return false;
    this.approvals.set(approval.approvalId, copy(approval));
    return true;
  }

  async getApproval(approvalId: string): Promise<ApprovalRecord | undefined> {
    await yieldOnce();
    return copy(this.approvals.get(approvalId));
  }

  async refreshApprovalToken(approvalId: string, taskToken: string): Promise<boolean> {
    await yieldOnce();
    const approval = this.approvals.get(approvalId);
    if (approval?.status !== 'PENDING') return false;
    this.approvals.set(approvalId, { ...approval, taskToken });
    return true;
  }

  async decideApproval(approvalId: string, decision: ApprovalDecision): Promise<ApprovalRecord | undefined> {
    await yieldOnce();
    const approval = this.approvals.get(approvalId);
    if (approval?.status !== 'PENDING') return undefined;
    const decided: ApprovalRecord = {
      ...approval,
      status: decision.status,
      decidedAt: decision.at,
      decidedBy: decision.by,
      reason: decision.reason,
    };
    this.approvals.set(approvalId, decided);
    return copy(decided);
  }

  async listPendingApprovals(query: { workflowId?: string } = {}): Promise<ApprovalRecord[]> {
    await yieldOnce();
    return copy(
      [...this.approvals.values()]
        .filter((approval) => approval.status === 'PENDING')
        .filter((approval) => query.workflowId === undefined || approval.workflowId === query.workflowId)
        .sort(byRequestAscending),
    );
  }

  async listApprovalsOfRun(runId: string): Promise<ApprovalRecord[]> {
    await yieldOnce();
    return copy([...this.approvals.values()].filter((a) => a.runId === runId).sort(byRequestAscending));
  }

  async markReminded(approvalId: string, at: string): Promise<void> {
    await yieldOnce();
    // Like the adapter's condition: the time never moves back.
    const noted = this.reminders.get(approvalId);
    if (noted === undefined || noted < at) this.reminders.set(approvalId, at);
  }

  async lastReminderAt(approvalId: string): Promise<string | undefined> {
    await yieldOnce();
    return this.reminders.get(approvalId);
  }

  async getExecution(key: string): Promise<IdempotencyRecord | undefined> {
    await yieldOnce();
    return copy(this.executions.get(key));
  }

  async claimUncappedExecution(key: string, at: string): Promise<ExecutionClaim> {
    return this.claimExecution(key, at);
  }

  async claimExecution(
    key: string,
    at: string,
    ledger: readonly LedgerEntry[] = [],
  ): Promise<ExecutionClaim> {
    await yieldOnce();
    // Checked and written with no yield in between: one transaction, as in DynamoDB.
    const existing = this.executions.get(key);
    if (existing) return { claimed: false, record: copy(existing) };
    for (const entry of ledger) {
      const total = this.ledgers.get(entry.ledgerKey) ?? 0;
      if (total + entry.amount > entry.limit) {
        return {
          claimed: false,
          refused: { cap: entry.cap, total, amount: entry.amount, limit: entry.limit },
        };
      }
    }
    for (const entry of ledger) {
      this.ledgers.set(entry.ledgerKey, (this.ledgers.get(entry.ledgerKey) ?? 0) + entry.amount);
    }
    this.executions.set(key, {
      key,
      status: 'IN_PROGRESS',
      startedAt: at,
      ...(ledger.length > 0 ? { ledger: ledger.map(({ cap, amount }) => ({ cap, amount })) } : {}),
    });
    return { claimed: true };
  }

  async ledgerTotal(ledgerKey: string): Promise<number> {
    await yieldOnce();
    return this.ledgers.get(ledgerKey) ?? 0;
  }

  async claimBusinessKey(
    workflowId: string,
    keyHash: string,
    runId: string,
    _at: string,
  ): Promise<{ claimed: true } | { claimed: false; runId: string }> {
    await yieldOnce();
    const id = `${workflowId}#${keyHash}`;
    const holder = this.requests.get(id);
    if (holder !== undefined && holder !== runId) return { claimed: false, runId: holder };
    this.requests.set(id, runId);
    return { claimed: true };
  }

  async completeExecution(
    key: string,
    observation: Observation,
    clearance: ExecutionClearance,
  ): Promise<void> {
    await yieldOnce();
    const existing = this.executions.get(key);
    if (!existing) throw new AwfError(`cannot complete execution "${key}": it was never claimed`);
    this.executions.set(key, {
      ...existing,
      status: 'COMPLETED',
      observation: copy(observation),
      clearance: copy(clearance),
    });
  }

  async getAutonomy(workflowId: string, action: string): Promise<AutonomyRecord | undefined> {
    await yieldOnce();
    return copy(this.autonomy.get(`${workflowId}#${action}`));
  }

  async putAutonomy(record: AutonomyRecord): Promise<void> {
    await yieldOnce();
    this.autonomy.set(`${record.workflowId}#${record.action}`, copy(record));
  }

  async getSwitch(workflowId: string): Promise<WorkflowSwitchRecord | undefined> {
    await yieldOnce();
    return copy(this.switches.get(workflowId));
  }

  async putSwitch(record: WorkflowSwitchRecord): Promise<void> {
    await yieldOnce();
    this.switches.set(record.workflowId, copy(record));
  }

  async getDecisionControls(workflowId: string, action: string | undefined): Promise<DecisionControls> {
    await yieldOnce();
    return {
      switch: copy(this.switches.get(workflowId)),
      autonomy: action === undefined ? undefined : copy(this.autonomy.get(`${workflowId}#${action}`)),
    };
  }

  async getRunWithDecisionControls(
    runId: string,
    workflowId: string,
    action: string | undefined,
    executionKey?: string,
  ): Promise<RunWithDecisionControls> {
    const controls = await this.getDecisionControls(workflowId, action);
    return {
      run: copy(this.runs.get(runId)),
      ...controls,
      execution: executionKey === undefined ? undefined : copy(this.executions.get(executionKey)),
    };
  }

  async parkRun(parked: ParkedRun): Promise<void> {
    await yieldOnce();
    this.parked.set(`${parked.workflowId}#${parked.runId}`, copy(parked));
  }

  async listParkedRuns(workflowId: string): Promise<ParkedRun[]> {
    await yieldOnce();
    return [...this.parked.values()]
      .filter((parked) => parked.workflowId === workflowId)
      .sort((a, b) => a.parkedAt.localeCompare(b.parkedAt) || a.runId.localeCompare(b.runId))
      .map((parked) => copy(parked));
  }

  async unparkRun(workflowId: string, runId: string): Promise<void> {
    await yieldOnce();
    this.parked.delete(`${workflowId}#${runId}`);
  }

  async recordHistory(
    workflowId: string,
    key: string,
    action: string,
    at: string,
    values: Readonly<Record<string, string | number | boolean>> = {},
  ): Promise<void> {
    await yieldOnce();
    this.history.push({ workflowId, key, action, at, values: copy(values) });
  }

  async listHistory(workflowId: string, key: string, action: string, since: string): Promise<HistoryEntry[]> {
    await yieldOnce();
    return this.history
      .filter((e) => e.workflowId === workflowId && e.key === key && e.action === action && e.at >= since)
      .sort((a, b) => a.at.localeCompare(b.at))
      .map(({ at, values }) => ({ at, values: copy(values) }));
  }

  async putFollowUp(followUp: FollowUpRecord): Promise<boolean> {
    await yieldOnce();
    if (this.followUps.has(followUp.followUpId)) return false;
    this.followUps.set(followUp.followUpId, copy(followUp));
    return true;
  }

  async getFollowUp(followUpId: string): Promise<FollowUpRecord | undefined> {
    await yieldOnce();
    return copy(this.followUps.get(followUpId));
  }

  async listFollowUpsOfRun(runId: string): Promise<FollowUpRecord[]> {
    await yieldOnce();
    return [...this.followUps.values()]
      .filter((followUp) => followUp.runId === runId)
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.followUpId.localeCompare(b.followUpId))
      .map((followUp) => copy(followUp));
  }

  async endFollowUp(followUpId: string, end: FollowUpEnd): Promise<boolean> {
    await yieldOnce();
    const followUp = this.followUps.get(followUpId);
    if (followUp?.status !== 'PENDING') return false;
    this.followUps.set(followUpId, { ...followUp, status: end.status, endedAt: end.at });
    return true;
  }

  async noteFollowUpCancellation(followUpId: string, approvalId: string): Promise<boolean> {
    await yieldOnce();
    const followUp = this.followUps.get(followUpId);
    if (followUp?.status !== 'PENDING') return false;
    this.followUps.set(followUpId, { ...followUp, cancellationApprovalId: approvalId });
    return true;
  }

  /** The idempotency record of an execution key, for assertions. */
  executionRecord(key: string): IdempotencyRecord | undefined {
    return copy(this.executions.get(key));
  }
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
