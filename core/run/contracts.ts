/**
 * The data that flows between the states of `statemachines/governed-workflow.asl.json`.
 *
 * Each step Lambda receives the `Parameters` its state builds and returns the
 * result its state's `ResultPath` places. These types are the contract between
 * the ASL, the handlers and the local cloud; `test/unit/asl-contract.test.ts`
 * keeps the ASL's paths in line with them.
 *
 * State machine data (`$`) after Admit:
 * ```
 * { outcome, run, iteration, grounding?, plan?, gate?, approvals?, acted? }
 * ```
 */

/** Status of a run, as stored in the runs table and shown by `awf runs`. */
export const RUN_STATUSES = [
  'RUNNING',
  'AWAITING_APPROVAL',
  'COMPLETED',
  'ESCALATED',
  'REJECTED',
  'FAILED',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses a run never leaves. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['COMPLETED', 'ESCALATED', 'REJECTED', 'FAILED'];

/** The three outcomes of the policy gate. */
export const GATE_DECISIONS = ['ALLOW', 'REQUIRE_APPROVAL', 'DENY'] as const;
export type GateDecision = (typeof GATE_DECISIONS)[number];

/** The EventBridge event a rule hands to the state machine as execution input. */
export interface BusEvent {
  readonly version?: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account?: string;
  readonly time: string;
  readonly region?: string;
  readonly resources?: readonly string[];
  readonly detail: unknown;
}

/** Identity and limits of a run, carried in every state's data. */
export interface RunRef {
  readonly runId: string;
  readonly workflowId: string;
  readonly workflowVersion: string;
  readonly entityId: string;
  readonly eventId: string;
  readonly startedAt: string;
  /** From the spec, so the ASL's loop bound needs no numeric placeholder. */
  readonly maxIterations: number;
  /**
   * The run's history key (see `core/run/history-key.ts`), set by Admit from the
   * event it stored so Ground and Act need not read the run back for it. Absent
   * when the spec keeps no history, when the key's field is classified pii or
   * secret (state data shows in execution history, so such values stay in the
   * runs table), or when the event lacks the key; steps then read the stored event.
   */
  readonly historyKey?: string;
}

/** Admit's input: the whole event and the execution that carries it. */
export interface AdmitInput {
  readonly event: BusEvent;
  readonly executionId: string;
}

/** Admit's result; it replaces the state data (`ResultPath: "$"`). */
export type AdmitResult =
  | { readonly outcome: 'ADMITTED'; readonly run: RunRef; readonly iteration: 0 }
  | { readonly outcome: 'DUPLICATE'; readonly runId: string }
  | { readonly outcome: 'REJECTED'; readonly runId: string; readonly problems: readonly string[] };

/** Input of Ground, Plan and the other steps that only need the run. */
export interface RunStepInput {
  readonly run: RunRef;
}

/** Ground's result, at `$.grounding`: facts for the prompt and the policy context. */
export interface GroundResult {
  readonly facts: Readonly<Record<string, unknown>>;
}

/** Plan's input: the run, the iteration (0-based) and the grounded facts. */
export interface PlanInput extends RunStepInput {
  readonly iteration: number;
  readonly facts: Readonly<Record<string, unknown>>;
}

/** One action the model proposed, validated against the catalogue. */
export interface Proposal {
  /** Deterministic id: the same run, iteration, position, action and input give the same id. */
  readonly proposalId: string;
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly rationale: string;
  /** The model's confidence, 0 to 1. */
  readonly confidence: number;
}

/** Plan's result, at `$.plan`. */
export type PlanResult =
  | { readonly outcome: 'PROPOSED'; readonly proposals: readonly Proposal[] }
  | { readonly outcome: 'FINISHED'; readonly summary: string }
  | { readonly outcome: 'INVALID'; readonly problems: readonly string[] };

/** Gate's input: the run, the facts and the proposals to judge. */
export interface GateInput extends RunStepInput {
  readonly iteration: number;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly proposals: readonly Proposal[];
}

/** The gate's verdict on one proposal. */
export interface GatedProposal {
  readonly proposal: Proposal;
  /** The decision after autonomy is applied; what the platform does. */
  readonly decision: GateDecision;
  /** What the Cedar policies alone decided. */
  readonly policyDecision: GateDecision;
  readonly autonomy: 'shadow' | 'supervised' | 'autonomous';
  /** Ids of the policies that determined the decision. */
  readonly reasons: readonly string[];
  /** True when the action is in shadow mode: recorded as "would", never executed. */
  readonly shadow: boolean;
}

/**
 * Gate's result, at `$.gate`. The Choice after it reads the counts.
 *
 * `executable` holds every proposal that may run once its approval (if any) is
 * granted: decisions ALLOW and REQUIRE_APPROVAL, never shadowed ones. Act
 * re-checks each against the policies and, where needed, its approval record.
 */
export interface GateResult {
  readonly executable: readonly GatedProposal[];
  readonly pendingApproval: readonly GatedProposal[];
  readonly denied: readonly GatedProposal[];
  readonly shadowed: readonly GatedProposal[];
  readonly counts: {
    readonly executable: number;
    readonly pendingApproval: number;
    readonly denied: number;
    readonly shadowed: number;
  };
  readonly policySetHash: string;
}

/** Request approval's input (one per pending proposal, inside a Map). */
export interface ApprovalRequestInput extends RunStepInput {
  readonly taskToken: string;
  readonly gated: GatedProposal;
}

/** What the decide step sends back with SendTaskSuccess; the Map collects them at `$.approvals`. */
export interface ApprovalOutcome {
  readonly approvalId: string;
  readonly proposalId: string;
  readonly decision: 'APPROVED' | 'REJECTED';
  readonly approver: string;
  readonly bindingHash: string;
}

/** Act's input (one per proposal to execute, inside a Map). */
export interface ActInput extends RunStepInput {
  readonly iteration: number;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly gated: GatedProposal;
}

/** What one executed (or skipped) action produced; Plan reads these back as observations. */
export interface Observation {
  readonly proposalId: string;
  readonly action: string;
  readonly status: 'EXECUTED' | 'ALREADY_EXECUTED';
  readonly result: Readonly<Record<string, unknown>>;
}

/** Why a run is escalated; decides its terminal status. */
export const ESCALATION_REASONS = [
  'POLICY_DENIED',
  'APPROVAL_REJECTED',
  'APPROVAL_EXPIRED',
  'INVALID_MODEL_OUTPUT',
  'MAX_ITERATIONS',
  'STEP_FAILED',
] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

/**
 * Escalate's input. `detail` is what the ASL's escalation Pass state picked:
 * the denied proposals, the model output problems, or the Catch's
 * `{ Error, Cause }` when a step failed or an approval ended badly.
 */
export interface EscalateInput extends RunStepInput {
  readonly escalation: { readonly reason: EscalationReason; readonly detail?: unknown };
}

/** Complete's input: the run and the last plan (its summary when the agent finished). */
export interface CompleteInput extends RunStepInput {
  readonly plan: PlanResult;
}

/** Complete's and Escalate's result, at `$.result`. */
export interface TerminalResult {
  readonly runId: string;
  readonly status: RunStatus;
}

/** Terminal status for each escalation reason. */
export function statusForEscalation(reason: EscalationReason): RunStatus {
  switch (reason) {
    case 'APPROVAL_REJECTED':
      return 'REJECTED';
    case 'STEP_FAILED':
      return 'FAILED';
    default:
      return 'ESCALATED';
  }
}
