/**
 * The one decision: may this proposed action run, wait for a human, or not run at all?
 *
 * Gate calls it to record the verdict; Act calls it again just before the side
 * effect, with the facts of that moment (complete mediation). Both get the
 * same answer for the same facts because there is no second copy of the rule.
 *
 * The decision, in order, failing closed at each stage:
 * 1. the action must be in the catalogue;
 * 2. its input must parse with the action's schema, to itself (what runs is
 *    byte for byte what was judged);
 * 3. the action's autonomy level: the stored one, else the spec's;
 * 4. the Cedar policies, with the run's trusted facts (entity, history), the
 *    input, the model's confidence, the action's risk and its autonomy;
 * 5. autonomy applied to Cedar's decision, which can only make it stricter.
 */
import { canonicalJson } from '../canonical-json.js';
import type { AutonomyRecord } from '../runs/records.js';
import type { GateDecision, Proposal } from '../steps/contracts.js';
import { catalogueAction, notInCatalogue } from '../workflow/catalogue.js';
import type { WorkflowPack } from '../workflow/pack.js';
import type { AutonomyLevel } from '../workflow/spec.js';
import { applyAutonomy, resolveAutonomy } from './autonomy.js';
import { createPolicyGate, type PolicyGate } from './gate.js';

/** What awf knows of the run, from its own evidence and reads; never from the model. */
export interface RunFacts {
  /** The business entity the run is about, as Admit derived it from the event. */
  readonly entityId: string;
  /** Executions per action under the run's history key, within the spec's window. */
  readonly history: Readonly<Record<string, number>>;
}

/** One decision's inputs. */
export interface DecisionRequest {
  /** What the model proposed: only these three fields are judged. */
  readonly proposal: Pick<Proposal, 'action' | 'input' | 'confidence'>;
  readonly facts: RunFacts;
  /** The runs table's autonomy record of this workflow and action, if any. */
  readonly storedAutonomy: AutonomyRecord | undefined;
}

/** The verdict on one proposal, with why. */
export interface Verdict {
  /** What the platform does: ALLOW runs, REQUIRE_APPROVAL waits for a human, DENY escalates. */
  readonly decision: GateDecision;
  /** What the Cedar policies alone decided (DENY when an earlier stage failed). */
  readonly policyDecision: GateDecision;
  /** The autonomy level the decision was made at. */
  readonly autonomy: AutonomyLevel;
  /** True in shadow mode: the verdict is recorded as "would", and nothing runs. */
  readonly shadow: boolean;
  /** Ids of the policies that determined Cedar's decision. */
  readonly reasons: readonly string[];
  /** Why the decision failed closed; non-empty only with DENY. */
  readonly errors: readonly string[];
}

/** A workflow's decision, loaded once per cold start. */
export interface Decider {
  /** Hash of the policy set every verdict was reached with. */
  readonly policySetHash: string;
  /** Decides one proposal. Never throws: any failure is a DENY with `errors`. */
  decide(request: DecisionRequest): Verdict;
}

function failedClosed(autonomy: AutonomyLevel, errors: readonly string[]): Verdict {
  return { decision: 'DENY', policyDecision: 'DENY', autonomy, shadow: false, reasons: [], errors };
}

/**
 * Builds a pack's decision: its policies are validated and preparsed here, once.
 *
 * @throws WorkflowSpecError when the pack's policies do not load (see `createPolicyGate`).
 * @example
 * const decider = createDecider(pack);
 * const verdict = decider.decide({
 *   proposal: { action: 'issueRefund', input, confidence: 0.9 },
 *   facts: { entityId: 'ord_4k8m2p', history: { issueRefund: 0 } },
 *   storedAutonomy: undefined,
 * }); // { decision: 'ALLOW', reasons: ['refund-small-autonomous'], ... }
 */
export function createDecider(pack: WorkflowPack, policies: PolicyGate = createPolicyGate(pack)): Decider {
  const { spec } = pack;
  return {
    policySetHash: policies.policySetHash,
    decide({ proposal, facts, storedAutonomy }) {
      const action = catalogueAction(spec, proposal.action);
      if (!action) return failedClosed(spec.autonomy.default, [notInCatalogue(spec, proposal.action)]);

      let autonomy: AutonomyLevel;
      try {
        autonomy = resolveAutonomy(spec, proposal.action, storedAutonomy);
      } catch (error) {
        return failedClosed(spec.autonomy.default, [(error as Error).message]);
      }

      const parsed = action.input.safeParse(proposal.input);
      if (!parsed.success) {
        const issues = parsed.error.issues.map(
          (issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`,
        );
        return failedClosed(autonomy, [`input fails the action's schema (${issues.join('; ')})`]);
      }
      if (canonicalJson(parsed.data) !== canonicalJson(proposal.input)) {
        return failedClosed(autonomy, ['input changes when parsed with the action schema']);
      }

      const evaluation = policies.evaluate({
        entityId: facts.entityId,
        action: proposal.action,
        input: proposal.input,
        confidence: proposal.confidence,
        risk: action.risk,
        autonomy,
        history: facts.history,
      });
      const { decision, shadow } = applyAutonomy(evaluation.decision, autonomy);
      return {
        decision,
        policyDecision: evaluation.decision,
        autonomy,
        shadow,
        reasons: evaluation.reasons,
        errors: evaluation.errors,
      };
    },
  };
}
