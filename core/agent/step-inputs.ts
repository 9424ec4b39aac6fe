/**
 * Zod schemas of what the state machine hands to the plan, gate, approval and
 * act steps (the types are in `core/run/contracts.ts`).
 *
 * State data is parsed at each step's boundary, never cast: a mismatch between
 * the ASL and a handler then fails with the path of the bad field instead of
 * running on a half-shaped object.
 */
import { z } from 'zod';
import type {
  ActInput,
  ApprovalRequestInput,
  GatedProposal,
  GateInput,
  Observation,
  PlanInput,
  Proposal,
  RunRef,
} from '../run/contracts.js';
import { GATE_DECISIONS } from '../run/contracts.js';
import { AUTONOMY_LEVELS } from '../workflow/spec.js';

const facts = z.record(z.string(), z.unknown());

/** A {@link RunRef} as carried in the state data. */
export const runRefSchema = z.object({
  runId: z.string().min(1),
  workflowId: z.string().min(1),
  workflowVersion: z.string().min(1),
  entityId: z.string().min(1),
  eventId: z.string().min(1),
  startedAt: z.string().min(1),
  maxIterations: z.number().int().min(1),
  historyKey: z.string().min(1).optional(),
}) satisfies z.ZodType<RunRef>;

/** A {@link Proposal} as Plan returned it. */
export const proposalSchema = z.object({
  proposalId: z.string().min(1),
  action: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  rationale: z.string(),
  confidence: z.number().min(0).max(1),
}) satisfies z.ZodType<Proposal>;

/** A {@link GatedProposal} as Gate returned it. */
export const gatedProposalSchema = z.object({
  proposal: proposalSchema,
  decision: z.enum(GATE_DECISIONS),
  policyDecision: z.enum(GATE_DECISIONS),
  autonomy: z.enum(AUTONOMY_LEVELS),
  reasons: z.array(z.string()),
  shadow: z.boolean(),
}) satisfies z.ZodType<GatedProposal>;

/** An {@link Observation} as Act returned it and the runs table keeps it. */
export const observationSchema = z.object({
  proposalId: z.string().min(1),
  action: z.string().min(1),
  status: z.enum(['EXECUTED', 'ALREADY_EXECUTED']),
  result: z.record(z.string(), z.unknown()),
}) satisfies z.ZodType<Observation>;

/** Plan's input. */
export const planInputSchema = z.object({
  run: runRefSchema,
  iteration: z.number().int().min(0),
  facts,
}) satisfies z.ZodType<PlanInput>;

/** Gate's input. */
export const gateInputSchema = z.object({
  run: runRefSchema,
  iteration: z.number().int().min(0),
  facts,
  proposals: z.array(proposalSchema),
}) satisfies z.ZodType<GateInput>;

/** Request approval's input (the Map item plus the task token). */
export const approvalRequestInputSchema = z.object({
  run: runRefSchema,
  taskToken: z.string().min(1),
  gated: gatedProposalSchema,
}) satisfies z.ZodType<ApprovalRequestInput>;

/** Act's input (one Map item). */
export const actInputSchema = z.object({
  run: runRefSchema,
  iteration: z.number().int().min(0),
  facts,
  gated: gatedProposalSchema,
}) satisfies z.ZodType<ActInput>;
