/**
 * The data that flows between the states of `statemachines/governed-workflow.asl.json`.
 *
 * Each step Lambda receives the `Parameters` its state builds and returns the
 * result its state's `ResultPath` places. Every shape is a zod schema and its
 * type comes from `z.infer`, so there is one definition to keep in line with
 * the ASL (`test/unit/asl-contract.test.ts` does). State data is parsed at each
 * step's boundary, never cast: a mismatch fails with the path of the bad field.
 *
 * State machine data (`$`) after Admit:
 * ```
 * { outcome, run, iteration, grounding?, plan?, gate?, approvals?, acted? }
 * ```
 */
import * as z from 'zod';
import { approvalRequirementSchema } from '../approval/requirement.js';

/** Status of a run, as stored in the runs table and shown by `awf runs`. */
export const RUN_STATUSES = [
  'RUNNING',
  'AWAITING_APPROVAL',
  'COMPLETED',
  'ESCALATED',
  'REJECTED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses a run never leaves. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = [
  'COMPLETED',
  'ESCALATED',
  'REJECTED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
];

/** The three outcomes of the policy decision. */
export const GATE_DECISIONS = ['ALLOW', 'REQUIRE_APPROVAL', 'DENY'] as const;
export type GateDecision = (typeof GATE_DECISIONS)[number];

/** The EventBridge event a rule hands to the state machine as execution input. */
export const busEventSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string().min(1),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string().optional(),
  time: z.string(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});
export type BusEvent = z.infer<typeof busEventSchema>;

/** Identity and limits of a run, carried in every state's data. */
export const runRefSchema = z.object({
  runId: z.string().min(1),
  workflowId: z.string().min(1),
  workflowVersion: z.string().min(1),
  entityId: z.string().min(1),
  eventId: z.string().min(1),
  startedAt: z.string().min(1),
  /** From the spec, so the ASL's loop bound needs no numeric placeholder. */
  maxIterations: z.number().int().min(1),
  // No history key here: the steps that count derive it from the stored event and
  // keep only its keyed hash, so state data (visible in the execution history) never holds it.
});
export type RunRef = z.infer<typeof runRefSchema>;

/** Admit's input: the whole event and the execution that carries it. */
export const admitInputSchema = z.object({ event: busEventSchema, executionId: z.string().min(1) });
export type AdmitInput = z.infer<typeof admitInputSchema>;

/** Admit's result; it replaces the state data (`ResultPath: "$"`). */
export type AdmitResult =
  | { readonly outcome: 'ADMITTED'; readonly run: RunRef; readonly iteration: 0 }
  /** Admitted while the workflow is halted: the run waits for resume (`core/runs/parked.ts`) before it grounds anything. */
  | { readonly outcome: 'PARKED'; readonly run: RunRef; readonly iteration: 0 }
  | { readonly outcome: 'DUPLICATE'; readonly runId: string }
  | { readonly outcome: 'REJECTED'; readonly runId: string; readonly problems: readonly string[] };

/** The park step's input: the run, and the task token its execution waits on until resume. */
export const parkInputSchema = z.object({ run: runRefSchema, taskToken: z.string().min(1) });
export type ParkInput = z.infer<typeof parkInputSchema>;

/** Input of Ground and the other steps that only need the run. */
export const runStepInputSchema = z.object({ run: runRefSchema });
export type RunStepInput = z.infer<typeof runStepInputSchema>;

const factsSchema = z.record(z.string(), z.unknown());

/** Ground's result, at `$.grounding`: facts for the prompt and the policy context. */
export interface GroundResult {
  readonly facts: Readonly<Record<string, unknown>>;
}

/** Plan's input: the run, the iteration (0-based) and the grounded facts. */
export const planInputSchema = z.object({
  run: runRefSchema,
  iteration: z.number().int().min(0),
  facts: factsSchema,
});
export type PlanInput = z.infer<typeof planInputSchema>;

/** One action the model proposed, validated against the catalogue. */
export const proposalSchema = z.object({
  /** Deterministic id: the same run, iteration, position, action and input give the same id. */
  proposalId: z.string().min(1),
  action: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  rationale: z.string(),
  /** The model's confidence, 0 to 1. */
  confidence: z.number().min(0).max(1),
});
export type Proposal = z.infer<typeof proposalSchema>;

/**
 * Why Plan got no answer from any model: each model tried, in order, with
 * Bedrock's answer and what fixes it (`core/model/unavailable.ts`), and the
 * fixes together. The escalation carries it as its detail.
 */
export const modelUnavailableDetailSchema = z.object({
  iteration: z.number().int().min(0),
  tried: z.array(z.object({ modelId: z.string(), kind: z.string(), answer: z.string(), fix: z.string() })),
  fix: z.string(),
});

/**
 * What a run had spent when Plan found its budget (`agent.budget`) used up,
 * before the next model call: the escalation carries it as its detail.
 */
export const budgetExceededDetailSchema = z.object({
  iteration: z.number().int().min(0),
  /** The run's model calls so far: their count, tokens (input plus output) and estimated USD. */
  spent: z.object({
    calls: z.number().int().min(0),
    tokens: z.number().int().min(0),
    usd: z.number().min(0),
  }),
  budget: z.object({ maxTokens: z.number().optional(), maxUsd: z.number().optional() }),
  /** The limits reached. */
  exceeded: z.array(z.enum(['maxTokens', 'maxUsd'])).min(1),
});

/** The agent's `finish`, when it comes together with proposals: its summary of the case. */
export const finishSchema = z.object({ summary: z.string() });

/** Plan's result, at `$.plan`. */
export const planResultSchema = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('PROPOSED'),
    proposals: z.array(proposalSchema),
    /**
     * The model finished in the same answer: the run completes after acting,
     * with this summary, if every proposal runs as proposed (see {@link ActResult}).
     */
    finish: finishSchema.optional(),
  }),
  z.object({ outcome: z.literal('FINISHED'), summary: z.string() }),
  z.object({ outcome: z.literal('INVALID'), problems: z.array(z.string()) }),
  z.object({ outcome: z.literal('MODEL_UNAVAILABLE'), detail: modelUnavailableDetailSchema }),
  z.object({ outcome: z.literal('BUDGET_EXCEEDED'), detail: budgetExceededDetailSchema }),
]);
export type PlanResult = z.infer<typeof planResultSchema>;

/** Gate's input: the run, the facts and the proposals to judge. */
export const gateInputSchema = z.object({
  run: runRefSchema,
  iteration: z.number().int().min(0),
  facts: factsSchema,
  proposals: z.array(proposalSchema),
});
export type GateInput = z.infer<typeof gateInputSchema>;

/**
 * The gate's verdict on one proposal, as the state data carries it to the
 * approval requests and the escalation. The full verdict (Cedar's decision,
 * autonomy, errors) is in the `policy.evaluated` record; Act decides again
 * rather than trusting any of this.
 */
export const gatedProposalSchema = z.object({
  proposal: proposalSchema,
  /** The decision after autonomy is applied; what the platform does. */
  decision: z.enum(GATE_DECISIONS),
  /** Ids of the policies that determined the decision. */
  reasons: z.array(z.string()),
  /**
   * With REQUIRE_APPROVAL: who must approve and how many, as the gate's
   * decision found it. The approval request records it; Act decides again and
   * counts the approvals against its own answer, never this one.
   */
  approval: approvalRequirementSchema.optional(),
});
export type GatedProposal = z.infer<typeof gatedProposalSchema>;

/**
 * Gate's result, at `$.gate`. The Choice after it reads the counts.
 *
 * `executable` holds every proposal that may run once its approval (if any) is
 * granted: decisions ALLOW and REQUIRE_APPROVAL, never shadowed ones. Act
 * decides each again and, where needed, checks its approval.
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

/** Request approval's input (one per pending proposal, inside a Map, plus the task token). */
export const approvalRequestInputSchema = z.object({
  run: runRefSchema,
  taskToken: z.string().min(1),
  gated: gatedProposalSchema,
});
export type ApprovalRequestInput = z.infer<typeof approvalRequestInputSchema>;

/** What the decide step sends back with SendTaskSuccess; the Map collects them at `$.approvals`. */
export interface ApprovalOutcome {
  readonly approvalId: string;
  readonly proposalId: string;
  readonly decision: 'APPROVED' | 'REJECTED';
  readonly approver: string;
  readonly bindingHash: string;
}

/**
 * Act's input: the proposals to execute, in order, named by id only. What
 * each proposes is read from the run's lineage, where Plan recorded it, so
 * state data cannot carry a different action or input.
 */
export const actInputSchema = z.object({
  run: runRefSchema,
  iteration: z.number().int().min(0),
  proposalIds: z.array(z.string().min(1)).min(1),
});
export type ActInput = z.infer<typeof actInputSchema>;

/** One proposal Act executes: which run, which iteration, which proposal. */
export interface ActionRef {
  readonly run: RunRef;
  readonly iteration: number;
  readonly proposalId: string;
}

/** What one executed (or skipped) action produced; Plan reads these back as observations. */
export const observationSchema = z.object({
  proposalId: z.string().min(1),
  action: z.string().min(1),
  status: z.enum(['EXECUTED', 'ALREADY_EXECUTED']),
  result: z.record(z.string(), z.unknown()),
});
export type Observation = z.infer<typeof observationSchema>;

/**
 * Act's result, at `$.acted`: what each action produced, and whether the
 * agent's finish stands. `finished` is true only when the plan of this
 * iteration (as Plan recorded it) finished together with its proposals and
 * every one of them ran now, as proposed; otherwise the run plans again.
 */
export interface ActResult {
  readonly observations: readonly Observation[];
  readonly finished: boolean;
}

/** Why a run is escalated; decides its terminal status. */
export const ESCALATION_REASONS = [
  'POLICY_DENIED',
  'APPROVAL_REJECTED',
  'APPROVAL_EXPIRED',
  'INVALID_MODEL_OUTPUT',
  'MAX_ITERATIONS',
  'STEP_FAILED',
  'ACTION_REFUSED',
  'MODEL_UNAVAILABLE',
  'BUDGET_EXCEEDED',
] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

/**
 * Escalate's input. `detail` is what the ASL's escalation Pass state picked:
 * the denied proposals, the model output problems, or the Catch's
 * `{ Error, Cause }` when a step failed or an approval ended badly.
 */
export const escalateInputSchema = z.object({
  run: runRefSchema,
  escalation: z.object({ reason: z.enum(ESCALATION_REASONS), detail: z.unknown().optional() }),
});
export type EscalateInput = z.infer<typeof escalateInputSchema>;

/** Complete's input: the run and the last plan (its summary when the agent finished). */
export const completeInputSchema = z.object({ run: runRefSchema, plan: planResultSchema });
export type CompleteInput = z.infer<typeof completeInputSchema>;

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
