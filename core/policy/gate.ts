/**
 * The policy gate: every action the agent proposes is judged here by the
 * workflow's Cedar policies, with one of three outcomes.
 *
 * - a satisfied `forbid` -> DENY;
 * - else a satisfied `permit` without `@approval("required")` -> ALLOW;
 * - else a satisfied `permit` with `@approval("required")` -> REQUIRE_APPROVAL;
 * - no satisfied permit -> DENY (default deny).
 *
 * The gate fails closed: an action outside the catalogue, an input that does
 * not satisfy the action's schema, a value Cedar cannot represent exactly, or
 * an error while Cedar evaluates any policy gives DENY with the problem in
 * `errors`. (Cedar itself skips a policy that errors, so an erroring `forbid`
 * would otherwise let a permit through.)
 *
 * A policy annotated `@mode("log-only")` never decides: the decision is the
 * enforced policies' alone. Each log-only policy is evaluated beside them, with
 * the same rules, as if it were enforced, and what it would have decided is
 * returned in `logOnly`; its errors are reported there and deny nothing.
 */
import {
  type Context,
  type DetailedError,
  preparsePolicySet,
  type Response,
  statefulIsAuthorized,
} from '@cedar-policy/cedar-wasm/nodejs';
import { type ApprovalRequirement, approvalRequirementOf } from '../approval/requirement.js';
import { AwfError, WorkflowSpecError } from '../errors.js';
import type { GateDecision } from '../steps/contracts.js';
import { catalogueAction } from '../workflow/catalogue.js';
import type { WorkflowPack } from '../workflow/pack.js';
import { AUTONOMY_LEVELS, type AutonomyLevel, type RiskLevel } from '../workflow/spec.js';
import { ACTION_ENTITY_TYPE, AGENT_ENTITY_TYPE, RESOURCE_ENTITY_TYPE } from './cedar-schema.js';
import { toCedarRecord } from './cedar-values.js';
import { PolicyInputError } from './errors.js';
import type { LogOnlyEvaluation } from './log-only.js';
import type { PolicyNow } from './now.js';
import { readPackPolicies } from './pack-policies.js';
import { formatCedarError, type ParsedPolicy } from './policy-set.js';

/** One proposed action to judge. */
export interface PolicyRequest {
  /** The business entity the run is about; the Cedar resource `Awf::Entity::"<entityId>"`. */
  readonly entityId: string;
  /** The catalogue action proposed; the Cedar action `Awf::Action::"<action>"`. */
  readonly action: string;
  /** The proposed input; parsed again with the action's zod schema before Cedar sees it. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The model's confidence, 0 to 1, with at most four fractional digits. */
  readonly confidence: number;
  /** The action's risk level; must be the catalogue's. */
  readonly risk: RiskLevel;
  /** The autonomy level the action currently runs at (see `resolveAutonomy`). */
  readonly autonomy: AutonomyLevel;
  /** Counts and measures of executed actions for the run's history key (`core/policy/history.ts`). */
  readonly history: Readonly<Record<string, number>>;
  /** When the decision is made, from the deciding step's clock. */
  readonly now: PolicyNow;
  /** The admitted event; Cedar sees only the fields `data.policyMaySee` allows. */
  readonly event: unknown;
  /** The attributes of each grounding fact, by name (every fact found). */
  readonly facts: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** What the policies decided about one request. */
export interface PolicyEvaluation {
  readonly decision: GateDecision;
  /**
   * Ids of the policies that determined the decision, in file order: the
   * satisfied forbids of a DENY, the satisfied plain permits of an ALLOW, the
   * satisfied approval permits of a REQUIRE_APPROVAL. Empty for a default deny
   * and for a DENY caused by an error.
   */
  readonly reasons: readonly string[];
  /** Why the gate failed closed; non-empty only with DENY. */
  readonly errors: readonly string[];
  /**
   * What each log-only policy would have decided, in file order, `changed`
   * comparing it with `decision`. Absent when the policy set has no log-only
   * policy, or the request failed before Cedar evaluated it.
   */
  readonly logOnly?: readonly LogOnlyEvaluation[];
}

/** How one request is evaluated. */
export interface EvaluationOptions {
  /**
   * Whether the log-only policies are evaluated beside the enforced ones (two
   * more Cedar evaluations each) and reported in `logOnly`. They never change
   * the decision, so a caller that records nothing of them may leave them out.
   * @default true
   */
  readonly logOnly?: boolean;
}

/** A workflow's policy gate, loaded once per cold start. */
export interface PolicyGate {
  readonly workflowId: string;
  /** Hash of the policy set (id -> text), recorded with every decision. */
  readonly policySetHash: string;
  /** The policies' ids, in file order. */
  readonly policyIds: readonly string[];
  /** Judges one proposed action. Never throws: any failure is a DENY with `errors`. */
  evaluate(request: PolicyRequest, options?: EvaluationOptions): PolicyEvaluation;
  /**
   * Who must approve, and how many, when the policies `reasons` names sent an
   * action to approval: their `@approvers` and `@quorum`, else the workflow's roles and one approver.
   */
  approvalRequirement(reasons: readonly string[]): ApprovalRequirement;
}

function deny(errors: readonly string[]): PolicyEvaluation {
  return { decision: 'DENY', reasons: [], errors };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Maps Cedar's allow/deny and determining policies onto the gate's three outcomes. */
function outcomeOf(response: Response, policies: ReadonlyMap<string, ParsedPolicy & { order: number }>) {
  const determining = response.diagnostics.reason.map((id) => {
    const policy = policies.get(id);
    if (!policy) throw new AwfError(`cedar reported a policy id that is not in the policy set: "${id}"`);
    return policy;
  });
  determining.sort((a, b) => a.order - b.order);
  const ids = (list: readonly ParsedPolicy[]) => list.map((policy) => policy.id);
  const forbids = determining.filter((policy) => policy.effect === 'forbid');
  if (response.decision === 'deny' || forbids.length > 0)
    return { decision: 'DENY' as const, reasons: ids(forbids) };
  const plain = determining.filter((policy) => !policy.requiresApproval);
  if (plain.length > 0) return { decision: 'ALLOW' as const, reasons: ids(plain) };
  if (determining.length > 0) return { decision: 'REQUIRE_APPROVAL' as const, reasons: ids(determining) };
  // Cedar never allows without a determining permit; if it ever did, fail closed.
  return { decision: 'DENY' as const, reasons: [] };
}

/**
 * Loads a pack's policies into Cedar once and returns its gate.
 *
 * The policies are parsed (or taken from synth's parse, see
 * `embeddedPolicySet`) and preparsed, so each decision costs a fraction of a
 * millisecond.
 *
 * Neither the policies nor the requests are checked against the Cedar schema
 * here: this runs at every cold start of Gate and Act, and loading the schema
 * into Cedar (and, before it, strictly validating the policies) was the
 * largest part of that. Both checks are kept where they belong:
 * - `validatePolicies` (`validate-pack.ts`) proves the policies well typed
 *   against the schema before a pack is accepted: at `cdk synth`, in `awf
 *   packs test` and in the tests. The step's bundle embeds exactly the policy
 *   file synth validated (its asset hash pins that file).
 * - Each request's context is built by `toCedarRecord` from the same context
 *   types the schema is generated from: exactly the declared attributes, each
 *   of its declared type, decimals and datetimes as Cedar extension values.
 *   Anything else is a `PolicyInputError`, which denies. So every context Cedar
 *   sees is one the schema accepts; the tests hold the gate's decisions equal
 *   to Cedar's with the schema validating each request.
 * Were an unvalidated policy ever evaluated, it would still fail closed:
 * reading an attribute that does not exist or comparing mismatched types is
 * an evaluation error, and any evaluation error denies; a scope naming an
 * action outside the catalogue never matches.
 *
 * @throws WorkflowSpecError naming each policy that does not parse or is badly
 *   annotated, or each action input field that has no Cedar type.
 * @example
 * const gate = createPolicyGate(pack);
 * const { decision, reasons } = gate.evaluate({
 *   entityId: 'ord_4k8m2p', action: 'issueRefund',
 *   input: { orderId: 'ord_4k8m2p', amount: 45.5, currency: 'USD', reasonCode: 'damaged' },
 *   confidence: 0.9, risk: 'high', autonomy: 'autonomous', history: { issueRefund: 0 },
 * }); // 'ALLOW', ['refund-small-autonomous']
 */
export function createPolicyGate(pack: WorkflowPack): PolicyGate {
  const { spec } = pack;
  const { contextTypes, policySet } = readPackPolicies(pack);
  // Preparsed policy sets live in a process-wide cache keyed by name;
  // content hashes in the names keep packs (and versions of one pack) apart.
  const policySetId = `awf/${spec.id}/policies/${policySet.hash}`;
  const textsOf = (list: readonly ParsedPolicy[]) => Object.fromEntries(list.map((p) => [p.id, p.text]));
  const enforced = policySet.policies.filter((policy) => policy.mode === 'enforce');
  // Per log-only policy, two sets: the enforced ones plus it (what enforcing it alone
  // would decide, so each policy's "changed" is its own) and it alone (whether it held).
  const logOnlySets = policySet.policies
    .filter((policy) => policy.mode === 'log-only')
    .map((policy) => ({
      policy,
      withEnforced: `${policySetId}/with/${policy.id}`,
      alone: `${policySetId}/alone/${policy.id}`,
    }));
  const preparsed = (
    answers: readonly { type: 'success' | 'failure'; errors?: readonly DetailedError[] }[],
  ) => {
    const errors = answers.flatMap((answer) => (answer.type === 'failure' ? (answer.errors ?? []) : []));
    if (errors.length > 0) {
      throw new WorkflowSpecError(
        spec.id,
        errors.map((error) => `policies: ${formatCedarError(error)}`),
      );
    }
  };
  preparsed([preparsePolicySet(policySetId, { staticPolicies: textsOf(enforced) })]);
  // The log-only sets are preparsed when a decision first asks for them: Act never
  // does (it records no log-only evaluation), so its cold start does not pay for them.
  let logOnlyPreparsed = false;
  function preparseLogOnlySets(): void {
    if (logOnlyPreparsed) return;
    preparsed(
      logOnlySets.flatMap(({ policy, withEnforced, alone }) => [
        preparsePolicySet(withEnforced, { staticPolicies: textsOf([...enforced, policy]) }),
        preparsePolicySet(alone, { staticPolicies: textsOf([policy]) }),
      ]),
    );
    logOnlyPreparsed = true;
  }
  const policies = new Map(policySet.policies.map((policy, order) => [policy.id, { ...policy, order }]));

  function contextFor(request: PolicyRequest): Context {
    const { action } = request;
    const actionSpec = catalogueAction(spec, action);
    const contextType = contextTypes[action];
    if (actionSpec === undefined || contextType === undefined) {
      throw new PolicyInputError(`action "${action}" has no Cedar context type`);
    }
    if (typeof request.entityId !== 'string' || request.entityId === '') {
      throw new PolicyInputError(
        `entityId: expected a non-empty string, got ${JSON.stringify(request.entityId)}`,
      );
    }
    if (!(typeof request.confidence === 'number' && request.confidence >= 0 && request.confidence <= 1)) {
      throw new PolicyInputError(
        `context.confidence: expected a number from 0 to 1, got ${request.confidence}`,
      );
    }
    if (request.risk !== actionSpec.risk) {
      throw new PolicyInputError(
        `context.risk: expected the catalogue's risk "${actionSpec.risk}" for ${action}, got ${JSON.stringify(request.risk)}`,
      );
    }
    if (!(AUTONOMY_LEVELS as readonly string[]).includes(request.autonomy)) {
      throw new PolicyInputError(
        `context.autonomy: expected one of ${AUTONOMY_LEVELS.join(', ')}, got ${JSON.stringify(request.autonomy)}`,
      );
    }
    const input = actionSpec.input.safeParse(request.input);
    if (!input.success) {
      const issues = input.error.issues.map(
        (issue) => `context.input${issue.path.map((key) => `.${String(key)}`).join('')}: ${issue.message}`,
      );
      throw new PolicyInputError(issues.join('; '));
    }
    return toCedarRecord(
      contextType,
      {
        input: input.data,
        confidence: request.confidence,
        risk: request.risk,
        autonomy: request.autonomy,
        history: request.history,
        now: request.now,
        event: request.event,
        facts: request.facts,
      },
      'context',
    );
  }

  /** One preparsed policy set's decision on a request, by the gate's rules: any error denies. */
  function decideWith(setId: string, request: PolicyRequest, context: Context): PolicyEvaluation {
    const answer = statefulIsAuthorized({
      principal: { type: AGENT_ENTITY_TYPE, id: spec.id },
      action: { type: ACTION_ENTITY_TYPE, id: request.action },
      resource: { type: RESOURCE_ENTITY_TYPE, id: request.entityId },
      context,
      // contextFor built the context to the schema's types (see createPolicyGate).
      validateRequest: false,
      preparsedPolicySetId: setId,
      entities: [],
    });
    if (answer.type === 'failure') return deny(answer.errors.map(formatCedarError));
    const evaluationErrors = answer.response.diagnostics.errors;
    if (evaluationErrors.length > 0) {
      return deny(
        evaluationErrors.map(({ policyId, error }) => `policy "${policyId}": ${formatCedarError(error)}`),
      );
    }
    return { ...outcomeOf(answer.response, policies), errors: [] };
  }

  /** What one log-only policy would have decided; never throws, since it must not change the decision. */
  function wouldBe(
    { policy, withEnforced, alone }: (typeof logOnlySets)[number],
    request: PolicyRequest,
    context: Context,
    decision: PolicyEvaluation['decision'],
  ): LogOnlyEvaluation {
    try {
      preparseLogOnlySets();
      const { decision: wouldDecide } = decideWith(withEnforced, request, context);
      const own = decideWith(alone, request, context);
      const changed = wouldDecide !== decision;
      if (own.errors.length > 0)
        return { policyId: policy.id, wouldDecide, changed, errors: [...own.errors] };
      return { policyId: policy.id, wouldDecide, changed, satisfied: own.reasons.includes(policy.id) };
    } catch (error) {
      return {
        policyId: policy.id,
        wouldDecide: 'DENY',
        changed: decision !== 'DENY',
        errors: [messageOf(error)],
      };
    }
  }

  function evaluateOrThrow(request: PolicyRequest, options: EvaluationOptions): PolicyEvaluation {
    if (typeof request.action !== 'string' || !Object.hasOwn(contextTypes, request.action)) {
      return deny([
        `action: expected one of the catalogue's actions (${Object.keys(contextTypes).join(', ')}), got ${JSON.stringify(request.action)}`,
      ]);
    }
    const context = contextFor(request);
    const evaluation = decideWith(policySetId, request, context);
    if (logOnlySets.length === 0 || options.logOnly === false) return evaluation;
    return {
      ...evaluation,
      logOnly: logOnlySets.map((set) => wouldBe(set, request, context, evaluation.decision)),
    };
  }

  return {
    workflowId: spec.id,
    policySetHash: policySet.hash,
    policyIds: policySet.policies.map((policy) => policy.id),
    approvalRequirement(reasons) {
      const annotated = reasons.flatMap((id) => {
        const approvals = policies.get(id)?.approvals;
        return approvals ? [approvals] : [];
      });
      return approvalRequirementOf(spec.approvals.approverRoles, annotated);
    },
    evaluate(request, options = {}) {
      try {
        return evaluateOrThrow(request, options);
      } catch (error) {
        return deny([messageOf(error)]);
      }
    },
  };
}
