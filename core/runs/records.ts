/**
 * What the runs table holds (state, not evidence): runs, approvals, reminders,
 * idempotency records, observations, autonomy levels and history counters.
 */

import type { FollowUpRecord } from '../followup/follow-up.js';
import type { WorkflowSwitchRecord } from '../policy/switch.js';
import type {
  ApprovalOutcome,
  GateDecision,
  GatedProposal,
  Observation,
  RunRef,
  RunStatus,
} from '../steps/contracts.js';
import type { RunsPartition } from '../storage/table-layout.js';
import type { AutonomyLevel } from '../workflow/spec.js';
import type { ParkedRun } from './parked.js';

/** A run as stored. The full event is kept here (encrypted at rest), never in the state machine's data. */
export interface RunRecord extends RunRef {
  readonly status: RunStatus;
  readonly executionId: string;
  readonly event: unknown;
  /** The detail as the model may see it. */
  readonly redactedDetail: Readonly<Record<string, unknown>>;
  readonly updatedAt: string;
  readonly endedAt?: string;
  readonly cycleTimeMs?: number;
  /** Why the run ended as it did (summary, escalation reason). */
  readonly outcome?: Readonly<Record<string, unknown>>;
}

/** Fields a status change may set. */
export interface RunStatusChange {
  readonly status: RunStatus;
  readonly at: string;
  readonly endedAt?: string;
  readonly cycleTimeMs?: number;
  readonly outcome?: Readonly<Record<string, unknown>>;
  /** The event to keep from now on: at the run's end, without its personal data (`core/runs/scrub.ts`). */
  readonly event?: unknown;
}

export type ApprovalStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'EXPIRED';

/** An approval request. The task token stays in the table: only the decide step reads it. */
export interface ApprovalRecord {
  readonly approvalId: string;
  readonly runId: string;
  readonly workflowId: string;
  readonly entityId: string;
  readonly proposalId: string;
  readonly gated: GatedProposal;
  /** Hash binding the approval to the exact run, proposal, action and input. */
  readonly bindingHash: string;
  /**
   * The task token of the waiting run, sealed (`core/approval/task-token.ts`):
   * only the decide step can open it. Items written before tokens were sealed
   * hold it in clear.
   */
  readonly taskToken: string;
  readonly status: ApprovalStatus;
  readonly approverRoles: readonly string[];
  /** How many distinct principals must approve (absent in items written before quorums: 1). */
  readonly quorum?: number;
  /** True when each approving principal must stand for a different role. */
  readonly distinctRoles?: boolean;
  /** Principals who may not decide this approval (separation of duties). */
  readonly excludedApprovers: readonly string[];
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly decidedAt?: string;
  readonly decidedBy?: string;
  readonly reason?: string;
  /**
   * Set when the approval decides the cancellation of a pending follow-up
   * (`core/followup/cancellation.ts`) rather than a proposal of a waiting run:
   * no run waits on it, and its task token is a placeholder nothing opens.
   */
  readonly followUpCancellation?: {
    readonly followUpId: string;
    readonly dueAt: string;
    readonly requestedBy: string;
  };
}

/** A decision on an approval. */
export interface ApprovalDecision {
  readonly status: 'APPROVED' | 'REJECTED' | 'EXPIRED';
  readonly at: string;
  readonly by: string;
  readonly reason: string;
}

/** What let an execution run: the decision Act's re-check reached and the approval it ran under. */
export interface ExecutionClearance {
  readonly decision: Exclude<GateDecision, 'DENY'>;
  /** Set when the decision was REQUIRE_APPROVAL. */
  readonly approvalId?: string;
  /** The principals whose approvals, as the lineage records them, let it run. */
  readonly approvers?: readonly string[];
}

/** The idempotency record of one (run, proposal) action execution. */
export interface IdempotencyRecord {
  readonly key: string;
  readonly status: 'IN_PROGRESS' | 'COMPLETED';
  readonly startedAt: string;
  /** Set once COMPLETED. */
  readonly observation?: Observation;
  /**
   * Set once COMPLETED, so a retry that finds the execution done but not yet
   * in the lineage records it with the clearance it ran under.
   */
  readonly clearance?: ExecutionClearance;
  /** The ledger entries written with the claim, one per cap the execution counts against. */
  readonly ledger?: readonly { readonly cap: string; readonly amount: number }[];
}

/**
 * A ledger entry to write with an execution claim, in one transaction: the
 * claim lands only if the cap's running total plus `amount` stays within
 * `limit`. Amounts are integers in ten-thousandths (Cedar decimal precision),
 * so sums are exact.
 */
export interface LedgerEntry {
  /** The cap's ledger key: workflow, cap and the keyed hash of the bound value. */
  readonly ledgerKey: string;
  /** The cap's name, kept on the claim as the entry's reference. */
  readonly cap: string;
  /** The amount this execution adds, in ten-thousandths. */
  readonly amount: number;
  /** The cap's limit now, in ten-thousandths. */
  readonly limit: number;
}

/** A ledger entry refused: the cap's total with it would pass the limit. */
export interface CapRefusal {
  readonly cap: string;
  /** The running total before this entry, in ten-thousandths. */
  readonly total: number;
  readonly amount: number;
  readonly limit: number;
}

/** What `claimExecution` answers. */
export type ExecutionClaim =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly record: IdempotencyRecord }
  | { readonly claimed: false; readonly refused: CapRefusal };

/** One history entry: when an action ran, and the input values the history measures read. */
export interface HistoryEntry {
  readonly at: string;
  readonly values: Readonly<Record<string, string | number | boolean>>;
}

/** An action's current autonomy level, when it differs from the spec's. */
export interface AutonomyRecord {
  readonly workflowId: string;
  readonly action: string;
  readonly level: AutonomyLevel;
  readonly since: string;
  readonly reason: string;
}

/**
 * What a decision reads of the operators' settings at the moment it is made:
 * the workflow's kill switch and the action's stored autonomy level.
 */
export interface DecisionControls {
  /** The workflow's kill switch; undefined when no operator ever set it. */
  readonly switch: WorkflowSwitchRecord | undefined;
  /** The action's stored autonomy level; undefined when none is stored, or no action was asked for. */
  readonly autonomy: AutonomyRecord | undefined;
}

/** A run as stored, with the decision controls of one of its actions, read together. */
export interface RunWithDecisionControls extends DecisionControls {
  /** The run; undefined when the table holds no run of that id. */
  readonly run: RunRecord | undefined;
  /**
   * The execution record of the key asked for (see `getExecution`); undefined
   * when no key was asked for or the table holds none.
   */
  readonly execution?: IdempotencyRecord | undefined;
}

/**
 * Port: the runs table. The DynamoDB adapter implements it; tests use an
 * in-memory fake with the same conditional semantics.
 */
export interface RunsStore {
  /** Creates the run unless one with its id exists; returns false for a duplicate. */
  createRun(run: RunRecord): Promise<boolean>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Changes the status of a run that is not yet terminal; returns false when it already ended. */
  setRunStatus(runId: string, change: RunStatusChange): Promise<boolean>;
  /** Runs of a workflow, newest first. */
  listRuns(query: { workflowId?: string; status?: RunStatus; limit?: number }): Promise<RunRecord[]>;

  /** Stores a new approval unless it exists (a retried request step); returns false when it existed. */
  putApproval(approval: ApprovalRecord): Promise<boolean>;
  getApproval(approvalId: string): Promise<ApprovalRecord | undefined>;
  /**
   * Replaces the task token of a PENDING approval: a retried request step waits
   * on a new token, and the decision must reach that one. Returns false when the
   * approval is missing or no longer pending (the token is then left alone).
   */
  refreshApprovalToken(approvalId: string, taskToken: string): Promise<boolean>;
  /** Decides a PENDING approval; returns the updated record, or undefined when it was not pending. */
  decideApproval(approvalId: string, decision: ApprovalDecision): Promise<ApprovalRecord | undefined>;
  listPendingApprovals(query?: { workflowId?: string }): Promise<ApprovalRecord[]>;
  listApprovalsOfRun(runId: string): Promise<ApprovalRecord[]>;
  /**
   * Notes that the approvers of an approval were reminded at a time, in the
   * approval's reminder item (never the approval itself). A time earlier than
   * the one noted is ignored, so concurrent reminder runs never move it back.
   */
  markReminded(approvalId: string, at: string): Promise<void>;
  /** When the approvers of an approval were last reminded, if ever. */
  lastReminderAt(approvalId: string): Promise<string | undefined>;

  /** The idempotency record of an execution key, if it was ever claimed. */
  getExecution(key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Claims the right to execute an action once. Returns `claimed` for the first
   * caller, or the existing record (IN_PROGRESS from a crashed attempt, or
   * COMPLETED with its observation). With ledger entries, the claim and every
   * entry land in one transaction or not at all: `refused` names the first cap
   * an entry would pass (and nothing is written).
   */
  claimExecution(key: string, at: string, ledger?: readonly LedgerEntry[]): Promise<ExecutionClaim>;
  /**
   * Claims an execution that counts against no cap (a follow-up's), as
   * `claimExecution` without ledger entries: it writes the execution's item only.
   */
  claimUncappedExecution(key: string, at: string): Promise<ExecutionClaim>;
  /** A cap's running total in ten-thousandths (0 when nothing was entered). */
  ledgerTotal(ledgerKey: string): Promise<number>;

  /**
   * Records that a business request (by its key's keyed hash) is handled by a
   * run. Returns `claimed` for the first run, else the run that has it.
   */
  claimBusinessKey(
    workflowId: string,
    keyHash: string,
    runId: string,
    at: string,
  ): Promise<{ claimed: true } | { claimed: false; runId: string }>;
  /** Marks a claimed execution COMPLETED with what it produced and what allowed it. */
  completeExecution(key: string, observation: Observation, clearance: ExecutionClearance): Promise<void>;

  getAutonomy(workflowId: string, action: string): Promise<AutonomyRecord | undefined>;
  putAutonomy(record: AutonomyRecord): Promise<void>;

  /** A workflow's kill switch, if an operator ever set it (`core/policy/switch.ts`). */
  getSwitch(workflowId: string): Promise<WorkflowSwitchRecord | undefined>;
  /** Sets a workflow's kill switch, replacing the one before (the lineage keeps every change). */
  putSwitch(record: WorkflowSwitchRecord): Promise<void>;
  /**
   * The kill switch of a workflow and the stored autonomy of one of its
   * actions (no action: the switch alone), read together and strongly
   * consistently, as a decision reads them at the moment it is made.
   */
  getDecisionControls(workflowId: string, action: string | undefined): Promise<DecisionControls>;
  /**
   * A run and the decision controls of one of its workflow's actions, read
   * together and strongly consistently: what a step that decides (Gate, Act)
   * reads first, in one request instead of two. Given an execution key, the
   * execution record of that key is read in the same request (Act answers an
   * execution already completed from it before deciding again).
   */
  getRunWithDecisionControls(
    runId: string,
    workflowId: string,
    action: string | undefined,
    executionKey?: string,
  ): Promise<RunWithDecisionControls>;

  /** Keeps a run that arrived while its workflow was halted until an operator resumes it (`core/runs/parked.ts`). */
  parkRun(parked: ParkedRun): Promise<void>;
  /** The runs of a workflow waiting for resume, oldest first. */
  listParkedRuns(workflowId: string): Promise<ParkedRun[]>;
  /** Forgets a parked run once it was released (nothing when it is not there). */
  unparkRun(workflowId: string, runId: string): Promise<void>;

  /**
   * Records that an action ran for a history key (the keyed hash of e.g. a
   * customer id) at a time, with the input values history measures read.
   */
  recordHistory(
    workflowId: string,
    key: string,
    action: string,
    at: string,
    values?: Readonly<Record<string, string | number | boolean>>,
  ): Promise<void>;
  /** The entries of an action for a key since a time, oldest first. */
  listHistory(workflowId: string, key: string, action: string, since: string): Promise<HistoryEntry[]>;

  /** Stores a new follow-up unless one with its id exists (a retried Act); returns false when it existed. */
  putFollowUp(followUp: FollowUpRecord): Promise<boolean>;
  getFollowUp(followUpId: string): Promise<FollowUpRecord | undefined>;
  /** The follow-ups a run's executions scheduled, by due time. */
  listFollowUpsOfRun(runId: string): Promise<FollowUpRecord[]>;
  /**
   * Ends a PENDING follow-up: DONE once it ran, CANCELLED once its
   * cancellation was approved. Returns false when it was not pending.
   */
  endFollowUp(followUpId: string, end: FollowUpEnd): Promise<boolean>;
  /** Notes on a PENDING follow-up the approval its cancellation waits for; false when it was not pending. */
  noteFollowUpCancellation(followUpId: string, approvalId: string): Promise<boolean>;
}

/** How a follow-up ended. */
export interface FollowUpEnd {
  readonly status: 'DONE' | 'CANCELLED';
  readonly at: string;
}

/** Re-exported for ports' users. */
export type { ApprovalOutcome, FollowUpRecord };

/**
 * What each method of the runs store does to the table: reads, or writes the
 * items of one partition. A step's declared runs access (`core/steps/ports.ts`)
 * admits exactly the methods it covers, and `lib/` grants IAM from the same
 * declaration, so a step that calls a method it did not declare fails in
 * tests, not with an AccessDenied in AWS.
 */
export const RUNS_STORE_ACCESS = {
  createRun: { writes: 'run' },
  getRun: 'read',
  setRunStatus: { writes: 'run' },
  listRuns: 'read',
  // With the approval, the run's list of approvals (`RUN#<runId>`).
  putApproval: { writes: ['approval', 'run'] },
  getApproval: 'read',
  refreshApprovalToken: { writes: 'approval' },
  decideApproval: { writes: 'approval' },
  listPendingApprovals: 'read',
  listApprovalsOfRun: 'read',
  markReminded: { writes: 'reminder' },
  lastReminderAt: 'read',
  getExecution: 'read',
  // With caps, the claim's transaction also enters the ledger.
  claimExecution: { writes: ['execution', 'ledger'] },
  claimUncappedExecution: { writes: 'execution' },
  completeExecution: { writes: 'execution' },
  ledgerTotal: 'read',
  claimBusinessKey: { writes: 'request' },
  getAutonomy: 'read',
  putAutonomy: { writes: 'workflow' },
  getSwitch: 'read',
  putSwitch: { writes: 'switch' },
  getDecisionControls: 'read',
  getRunWithDecisionControls: 'read',
  parkRun: { writes: 'parked' },
  listParkedRuns: 'read',
  unparkRun: { writes: 'parked' },
  recordHistory: { writes: 'history' },
  listHistory: 'read',
  putFollowUp: { writes: 'followup' },
  getFollowUp: 'read',
  listFollowUpsOfRun: 'read',
  endFollowUp: { writes: 'followup' },
  noteFollowUpCancellation: { writes: 'followup' },
} as const satisfies Record<
  keyof RunsStore,
  'read' | { readonly writes: RunsPartition | readonly RunsPartition[] }
>;
