/**
 * The lineage registry: for each record type, the one step allowed to write it
 * and the shape of its `data`.
 *
 * The writer owns a record's shape, not its readers: appending checks the
 * draft against this registry (`core/lineage/writer.ts`), and reading parses
 * against it (`core/lineage/read.ts`), so a record of the right type with the
 * wrong shape fails loudly, naming the record and the field, instead of
 * reading as absent. docs/AUDIT.md's record table is checked against it.
 */
import * as z from 'zod';
import { approvalRequirementSchema } from '../approval/requirement.js';
import { recordedRunCostSchema } from '../cost/recorded-cost.js';
import { logOnlyEvaluationSchema } from '../policy/log-only.js';
import { SWITCH_MODES } from '../policy/switch.js';
import {
  ESCALATION_REASONS,
  finishSchema,
  GATE_DECISIONS,
  proposalSchema,
  RUN_STATUSES,
} from '../steps/contracts.js';
import type { StepName } from '../steps/step-names.js';
import { AUTONOMY_LEVELS, RISK_LEVELS } from '../workflow/spec.js';

const json = z.record(z.string(), z.unknown());
const strings = z.array(z.string());

/** One record type: who writes it, what its data holds, and what it says (for auditors). */
export interface LineageRecordEntry<S extends z.ZodType = z.ZodType> {
  /** The only step whose code may append this type. */
  readonly writer: StepName;
  /** The shape of `data`. */
  readonly data: S;
  /** What the record attests, in one line: docs/AUDIT.md's "says" column. */
  readonly says: string;
}

function entry<S extends z.ZodType>(writer: StepName, data: S, says: string): LineageRecordEntry<S> {
  return { writer, data, says };
}

/**
 * Every record type, in the order a run meets them.
 *
 * Object schemas are not strict: a reader of an older record with a field
 * since dropped still reads it. The writer check is strict (see `writer.ts`).
 */
export const LINEAGE_REGISTRY = {
  'event.rejected': entry(
    'admit',
    z.object({
      eventId: z.string(),
      source: z.string(),
      detailType: z.string(),
      executionId: z.string(),
      problems: strings,
    }),
    'the event failed the trigger schema; the problems; no run was started',
  ),
  'event.duplicate': entry(
    'admit',
    z.object({
      eventId: z.string(),
      source: z.string(),
      detailType: z.string(),
      executionId: z.string(),
      /** The run that handles the business request this event repeats. */
      duplicateOf: z.string(),
      /** The paths of the spec's business key; their values are never recorded. */
      businessKeyPaths: strings,
    }),
    'the event repeats a business request another run handles (same business key); which run; no run was started',
  ),
  'run.started': entry(
    'admit',
    z.object({
      eventId: z.string(),
      source: z.string(),
      detailType: z.string(),
      eventTime: z.string().min(1).optional(),
      executionId: z.string(),
      redactedDetail: json,
      redactedFields: z.record(z.string(), z.string()).optional(),
    }),
    'the event id, source and type, the detail as the model may see it, which fields were redacted',
  ),
  'run.parked': entry(
    'park',
    z.object({
      /** When the halt the run waits behind was set. */
      haltedSince: z.string(),
      /** The operator's reason for the halt. */
      haltReason: z.string(),
    }),
    'the event arrived while the workflow was halted: the run waits, nothing grounded or proposed, until an operator resumes the workflow (`workflow.switched`); which halt',
  ),
  'context.grounded': entry(
    'ground',
    z.object({
      facts: json,
      history: z.object({ keyPath: z.string(), window: z.string(), since: z.string().optional() }).optional(),
    }),
    'the facts given to the model as it may see them (grounding facts, history counts and measures) and the history key path and window, never its value; one per iteration',
  ),
  'model.invoked': entry(
    'plan',
    z.object({
      iteration: z.number().int().min(0),
      attempt: z.number().int().min(0),
      answer: z.object({
        stopReason: z.string(),
        calls: z.array(z.object({ toolUseId: z.string(), name: z.string(), input: z.unknown() })),
        text: z.string().optional(),
      }),
      problems: strings,
    }),
    'one per model call: the answer, any problems found in it; `versions.modelId`, `versions.promptHash`, `usage` (tokens, latency, cost in USD)',
  ),
  'actions.proposed': entry(
    'plan',
    z.discriminatedUnion('outcome', [
      z.object({
        iteration: z.number().int().min(0),
        outcome: z.literal('PROPOSED'),
        proposals: z.array(proposalSchema),
        /** The model finished in the same answer; the run completes only if every proposal runs as proposed. */
        finish: finishSchema.optional(),
      }),
      z.object({
        iteration: z.number().int().min(0),
        outcome: z.literal('FINISHED'),
        summary: z.string(),
        proposals: z.array(proposalSchema).max(0),
      }),
    ]),
    'the accepted answer of an iteration: proposals (action, input, rationale, confidence), with the finish summary when the model finished in the same answer, or the finish summary alone',
  ),
  'policy.evaluated': entry(
    'gate',
    z.object({
      iteration: z.number().int().min(0),
      proposalId: z.string(),
      action: z.string(),
      input: json,
      confidence: z.number(),
      policyDecision: z.enum(GATE_DECISIONS),
      decision: z.enum(GATE_DECISIONS),
      reasons: strings,
      errors: strings,
      autonomy: z.enum(AUTONOMY_LEVELS),
      shadow: z.boolean(),
      /** Absent in records written before log-only policies, and when none was evaluated. */
      logOnly: z.array(logOnlyEvaluationSchema).optional(),
      /** With REQUIRE_APPROVAL: who must approve and how many. */
      approval: approvalRequirementSchema.optional(),
      /** Set when the workflow's kill switch made the decision stricter (halt: DENY; approve-all: REQUIRE_APPROVAL). */
      switch: z.object({ mode: z.enum(['halt', 'approve-all']), reason: z.string() }).optional(),
    }),
    'per proposal: the Cedar decision, the determining policy ids, any error, the autonomy level, the final decision, what each log-only policy would have decided (`logOnly`), what the kill switch changed (`switch`); `versions.policySetHash`',
  ),
  'approval.requested': entry(
    'request-approval',
    z.object({
      approvalId: z.string(),
      proposalId: z.string(),
      action: z.string(),
      input: json,
      risk: z.enum(RISK_LEVELS),
      reasons: strings,
      bindingHash: z.string(),
      approverRoles: strings,
      /** How many distinct principals must approve (1 in records written before quorums). */
      quorum: z.number().int().min(1).optional(),
      distinctRoles: z.boolean().optional(),
      /** Written before excluded approvers were hashed; newer records keep only the hashes. */
      excludedApprovers: strings.optional(),
      /** Keyed hashes of the principals the case names (separation of duties), never their names. */
      excludedApproverHashes: strings.optional(),
      expiresAt: z.string(),
    }),
    'the exact action, its risk, the approver roles and quorum, who may not approve (separation of duties, as keyed hashes), the expiry, the binding hash',
  ),
  'approval.decided': entry(
    'decide-approval',
    z.object({
      approvalId: z.string(),
      proposalId: z.string(),
      action: z.string(),
      decision: z.enum(['APPROVED', 'REJECTED']),
      reason: z.string(),
      bindingHash: z.string(),
      /** The approver's identity as AWS authenticated it (the role session's ARN). */
      identity: z.string().optional(),
    }),
    'the approver (`actor`) and the identity AWS authenticated, the decision, the reason, the binding hash',
  ),
  'approval.refused': entry(
    'decide-approval',
    z.object({
      approvalId: z.string(),
      proposalId: z.string(),
      /** The person the caller's identity names (its session name), or the identity itself when it names nobody. */
      principal: z.string(),
      /** The caller's identity as AWS authenticated it (the role session's ARN). */
      identity: z.string().optional(),
      decision: z.enum(['APPROVE', 'REJECT']),
      /** Why the decision was refused. */
      refusal: z.string(),
    }),
    'a decision that was refused: who made it (person and authenticated identity), what it was, and why (identity not trusted, not an approver, wrong role, named in the case, already decided, expired)',
  ),
  'approval.escalated': entry(
    'remind',
    z.object({
      approvalId: z.string(),
      proposalId: z.string(),
      action: z.string(),
      /** The rung reached: 1 for the first role of `approvals.escalation`. */
      rung: z.number().int().min(1),
      /** The role the rung adds (`approvals.escalation[rung - 1]`). */
      role: z.string(),
      /** Every role that may approve from this record on: the requirement's, then each rung's so far. */
      approverRoles: strings,
      /** When the rung was due: the request's time plus `rung` reminder intervals. */
      dueAt: z.string(),
      expiresAt: z.string(),
    }),
    "a pending approval waited another reminder interval: the rung reached, the role it adds (notified, and allowed to approve from this record on, beside the earlier ones'), when it was due",
  ),
  'approval.expired': entry(
    'escalate',
    z.object({
      approvalId: z.string(),
      proposalId: z.string(),
      action: z.string(),
      bindingHash: z.string(),
      requestedAt: z.string(),
      expiresAt: z.string(),
      reason: z.string().optional(),
    }),
    'an approval nobody decided before the run timed out or escalated',
  ),
  'action.executed': entry(
    'act',
    z.object({
      iteration: z.number().int().min(0),
      proposalId: z.string().min(1),
      action: z.string().min(1),
      input: json,
      connector: json,
      result: json,
      decision: z.enum(GATE_DECISIONS),
      approvalId: z.string().optional(),
      approvers: strings.optional(),
    }),
    'what ran, through which connector, with what result, the decision it ran under, its approval id and the approvers the lineage counted; `versions.policySetHash`',
  ),
  'action.refused': entry(
    'act',
    z.object({
      iteration: z.number().int().min(0),
      proposalId: z.string().min(1),
      action: z.string().min(1),
      input: json,
      /**
       * `decision`: deciding again just before the effect did not allow it; `approval`: the
       * lineage does not hold the approvals it needs; `cap`: the ledger refused the entry;
       * `halted`: the workflow's kill switch is on halt.
       */
      refusal: z.enum(['decision', 'approval', 'cap', 'halted']),
      reasons: strings,
      cap: z
        .object({ name: z.string(), total: z.number(), amount: z.number(), limit: z.number() })
        .optional(),
    }),
    'an allowed action did not run: the decision at the moment of the effect did not allow it, the lineage does not hold its approvals, a cap ledger refused its entry (amounts in ten-thousandths), or the workflow is halted; the run escalates',
  ),
  'run.completed': entry(
    'complete',
    z.object({
      status: z.literal('COMPLETED'),
      summary: z.string(),
      endedAt: z.string(),
      cycleTimeMs: z.number(),
      shadow: z.boolean(),
      eventId: z.string().optional(),
      /** Absent in records written before runs were costed. */
      cost: recordedRunCostSchema.optional(),
    }),
    'the summary, the end time, the cycle time; `cost`: the states entered, Lambda invocations and model tokens counted from the chain, and their USD at list prices',
  ),
  'run.escalated': entry(
    'escalate',
    z.object({
      status: z.enum(RUN_STATUSES),
      endedAt: z.string(),
      cycleTimeMs: z.number(),
      reason: z.enum(ESCALATION_REASONS),
      detail: z.unknown(),
      notify: strings,
      eventId: z.string().optional(),
      /** Absent in records written before runs were costed. */
      cost: recordedRunCostSchema.optional(),
    }),
    'the terminal status (ESCALATED, REJECTED or FAILED), the reason and its detail, who was notified; `cost`, as in `run.completed`',
  ),
  'run.closed': entry(
    'reconcile',
    z.object({
      status: z.enum(RUN_STATUSES),
      endedAt: z.string(),
      cycleTimeMs: z.number(),
      executionArn: z.string(),
      /** FAILED, TIMED_OUT or ABORTED, as Step Functions says. */
      executionStatus: z.string(),
      error: z.string().optional(),
      cause: z.string().optional(),
      expiredApprovals: strings,
      /** The status-change event, or the sweep that found the execution ended. */
      detectedBy: z.enum(['status-change', 'sweep']),
      notify: strings,
      eventId: z.string().optional(),
    }),
    'an execution that ended without Complete or Escalate (failed, timed out, stopped): its status, error and cause, the approvals it expired, how it was found',
  ),
  'workflow.switched': entry(
    'switch',
    z.object({
      /** The mode set: `run`, `halt` or `approve-all`. */
      mode: z.enum(SWITCH_MODES),
      /** The mode before the change. */
      previous: z.enum(SWITCH_MODES),
      reason: z.string(),
      /** The operator's identity as AWS authenticated it (a session of a trusted operator role). */
      identity: z.string().optional(),
    }),
    "an operator (`actor`) changed the workflow's kill switch, in the chain `switch#<workflowId>`: the mode set, the mode before, why, the operator's identity as AWS authenticated it",
  ),
  'followup.scheduled': entry(
    'act',
    z.object({
      followUpId: z.string().min(1),
      /** The follow-up action (the one that `reduces`). */
      action: z.string().min(1),
      /** The executed action that scheduled it, and its proposal. */
      after: z.string().min(1),
      proposalId: z.string().min(1),
      input: json,
      /** When it is due: awf's clock at the execution plus the spec's hours. */
      dueAt: z.string(),
      scheduleName: z.string(),
    }),
    'an executed action scheduled its follow-up (spec `followUp`): which action, with what input, due when, under which schedule',
  ),
  'cancellation.requested': entry(
    'follow-up',
    z.object({
      followUpId: z.string().min(1),
      /** The approval the cancellation waits for; decided through the approvals endpoint. */
      approvalId: z.string().min(1),
      proposalId: z.string().min(1),
      action: z.string().min(1),
      input: json,
      /** The risk of the action the follow-up takes back: cancelling the revoke leaves its grant in force. */
      risk: z.enum(RISK_LEVELS),
      reason: z.string(),
      /** The operator's identity as AWS authenticated it at the follow-ups endpoint. */
      identity: z.string().optional(),
      bindingHash: z.string(),
      approverRoles: strings,
      quorum: z.number().int().min(1),
      distinctRoles: z.boolean(),
      excludedApproverHashes: strings,
      expiresAt: z.string(),
    }),
    'an operator (`actor`) asked to cancel a pending follow-up, and why; the approval that must decide it (roles, quorum, expiry); until approved the follow-up stays due',
  ),
  'followup.cancelled': entry(
    'decide-approval',
    z.object({
      followUpId: z.string().min(1),
      action: z.string().min(1),
      approvalId: z.string().min(1),
      /** The approvers the lineage counted. */
      approvers: strings,
      /** When it would have been due. */
      dueAt: z.string(),
    }),
    'an approved cancellation of a follow-up: which follow-up, the approval and its approvers; its schedule was deleted and it will not run',
  ),
  'followup.executed': entry(
    'follow-up',
    z.object({
      followUpId: z.string().min(1),
      action: z.string().min(1),
      input: json,
      connector: json,
      result: json,
      dueAt: z.string(),
      /** The workflow's kill switch when it ran: a reducing follow-up runs even while halted. */
      switchMode: z.enum(SWITCH_MODES),
    }),
    'a follow-up ran when its schedule fired, without a policy evaluation (it only takes back what its action granted), even while the workflow was halted (`switchMode`): what ran, through which connector, with what result',
  ),
} as const satisfies Record<string, LineageRecordEntry>;

/** What a record attests. */
export type LineageRecordType = keyof typeof LINEAGE_REGISTRY;

/** Every record type, in the registry's order. */
export const LINEAGE_RECORD_TYPES = Object.keys(LINEAGE_REGISTRY) as LineageRecordType[];

/** The parsed `data` of a record type. */
export type LineageData<T extends LineageRecordType> = z.infer<(typeof LINEAGE_REGISTRY)[T]['data']>;

/** Whether a string names a record type of the registry. */
export function isLineageRecordType(type: string): type is LineageRecordType {
  return Object.hasOwn(LINEAGE_REGISTRY, type);
}
