/**
 * The one decision: may this proposed action run, wait for a human, or not run at all?
 *
 * Gate calls it to record the verdict; Act calls it again just before the side
 * effect, with the facts of that moment (complete mediation). Both get the
 * same answer for the same facts because there is no second copy of the rule.
 *
 * The decision, in order, failing closed at each stage:
 * 1. the action must be in the catalogue, and not a reducing action (`reduces`:
 *    it runs only as its action's follow-up, never proposed);
 * 2. its input must parse with the action's schema, to itself (what runs is
 *    byte for byte what was judged);
 * 3. the action's autonomy level: the stored one, else the spec's;
 * 4. the input's bound fields must be the run's case (`bind`: each equals the
 *    admitted event's value at its path);
 * 5. every grounding fact must have been read and found;
 * 6. the Cedar policies, with the trusted context awf builds (the time, the
 *    event fields policies may see, the facts, the history), the input, the
 *    model's confidence, the action's risk and its autonomy;
 * 7. autonomy applied to Cedar's decision, which can only make it stricter;
 * 8. the workflow's kill switch (`core/policy/switch.ts`): halted, every
 *    decision is DENY; in approve-all mode, an ALLOW is REQUIRE_APPROVAL.
 *
 * Nothing the model says reaches the context except the input it proposed and
 * its confidence; the time, the event, the facts and the history are awf's.
 */
import type { ApprovalRequirement } from '../approval/requirement.js';
import { canonicalJson } from '../canonical-json.js';
import type { AutonomyRecord } from '../runs/records.js';
import type { GateDecision, Proposal } from '../steps/contracts.js';
import { catalogueAction, notInCatalogue } from '../workflow/catalogue.js';
import type { WorkflowPack } from '../workflow/pack.js';
import type { AutonomyLevel } from '../workflow/spec.js';
import { applyAutonomy, resolveAutonomy } from './autonomy.js';
import { bindingProblems } from './bindings.js';
import { factAttributes, type GroundedFacts, missingFactProblems } from './facts.js';
import { createPolicyGate, type PolicyGate } from './gate.js';
import type { LogOnlyEvaluation } from './log-only.js';
import { policyNow } from './now.js';
import {
  APPROVE_ALL_REASON,
  HALTED_REASON,
  type SwitchEffect,
  switchModeOf,
  type WorkflowSwitchRecord,
} from './switch.js';

/** What awf knows of the run, from its own evidence and reads; never from the model. */
export interface RunFacts {
  /** The business entity the run is about, as Admit derived it from the event. */
  readonly entityId: string;
  /** The admitted event, as stored in the runs table (bindings are checked against it). */
  readonly event: unknown;
  /** When the decision is made: the deciding step's clock. */
  readonly now: Date;
  /** The grounding facts as the deciding step read them (`core/policy/facts.ts`). */
  readonly facts: GroundedFacts;
  /** Counts and measures under the run's history key, within the spec's window. */
  readonly history: Readonly<Record<string, number>>;
}

/** One decision's inputs. */
export interface DecisionRequest {
  /** What the model proposed: only these three fields are judged. */
  readonly proposal: Pick<Proposal, 'action' | 'input' | 'confidence'>;
  readonly facts: RunFacts;
  /** The runs table's autonomy record of this workflow and action, if any. */
  readonly storedAutonomy: AutonomyRecord | undefined;
  /**
   * The runs table's switch item of the workflow, read by the deciding step
   * just before deciding; absent means the workflow runs normally.
   */
  readonly workflowSwitch?: WorkflowSwitchRecord | undefined;
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
  /** With REQUIRE_APPROVAL: who must approve and how many (`core/approval/requirement.ts`). */
  readonly approval?: ApprovalRequirement;
  /**
   * What each `@mode("log-only")` policy would have made of this verdict: its
   * would-be Cedar decision with the same autonomy applied, `changed` comparing
   * that with `decision`. Never part of `decision`. Absent when the policy set
   * has no log-only policy or the proposal failed before Cedar.
   */
  readonly logOnly?: readonly LogOnlyEvaluation[];
  /** Set when the workflow's kill switch made the decision stricter: which mode, and why. */
  readonly switch?: SwitchEffect;
}

/** A workflow's decision, loaded once per cold start. */
export interface Decider {
  /** Hash of the policy set every verdict was reached with. */
  readonly policySetHash: string;
  /** Decides one proposal. Never throws: any failure is a DENY with `errors`. */
  decide(request: DecisionRequest): Verdict;
}

/** How a decider is built. */
export interface DeciderOptions {
  /** The policy gate; the pack's own when not given (`createPolicyGate`). */
  readonly policies?: PolicyGate;
  /**
   * Whether verdicts carry what each log-only policy would have decided
   * (`Verdict.logOnly`). It never changes a decision: Gate records it with
   * each verdict, while Act, which decides again and records none of it,
   * leaves it out and saves two Cedar evaluations per log-only policy.
   * @default true
   */
  readonly logOnly?: boolean;
}

/** Why a proposal of a reducing action is denied before any policy runs. */
export function reducingActionProposed(action: string, reduces: string): string {
  return `${action} only takes back what ${reduces} granted: it runs as ${reduces}'s scheduled follow-up, never as a proposal`;
}

function failedClosed(autonomy: AutonomyLevel, errors: readonly string[]): Verdict {
  return { decision: 'DENY', policyDecision: 'DENY', autonomy, shadow: false, reasons: [], errors };
}

/**
 * Builds a pack's decision: its policies are parsed and preparsed here, once
 * (strict validation is synth's, see `createPolicyGate`).
 *
 * @throws WorkflowSpecError when the pack's policies do not load (see `createPolicyGate`).
 * @example
 * const decider = createDecider(pack);
 * const verdict = decider.decide({
 *   proposal: { action: 'issueRefund', input, confidence: 0.9 },
 *   facts: { entityId: 'ord_4k8m2p', event, now: new Date(), facts: { order }, history: { issueRefund: 0 } },
 *   storedAutonomy: undefined,
 * }); // { decision: 'ALLOW', reasons: ['refund-small-autonomous'], ... }
 */
export function createDecider(pack: WorkflowPack, options: DeciderOptions = {}): Decider {
  const { spec } = pack;
  const policies = options.policies ?? createPolicyGate(pack);
  const evaluationOptions = { logOnly: options.logOnly ?? true };
  /** The switch goes last: whatever the rest decided, a halt or approve-all only makes it stricter. */
  function switched(verdict: Verdict, stored: WorkflowSwitchRecord | undefined): Verdict {
    const mode = switchModeOf(spec.id, stored);
    if (mode === 'halt') {
      const { approval: _approval, ...rest } = verdict;
      return {
        ...rest,
        decision: 'DENY',
        shadow: false,
        errors: [...verdict.errors, HALTED_REASON],
        switch: { mode, reason: HALTED_REASON },
      };
    }
    if (mode === 'approve-all' && verdict.decision === 'ALLOW' && !verdict.shadow) {
      return {
        ...verdict,
        decision: 'REQUIRE_APPROVAL',
        approval: policies.approvalRequirement(verdict.reasons),
        switch: { mode, reason: APPROVE_ALL_REASON },
      };
    }
    return verdict;
  }
  /** Stages 1 to 7: everything but the switch. */
  function unswitched({ proposal, facts, storedAutonomy }: DecisionRequest): Verdict {
    const action = catalogueAction(spec, proposal.action);
    if (!action) return failedClosed(spec.autonomy.default, [notInCatalogue(spec, proposal.action)]);
    // Never on the model's word: a reducing action runs only as its action's scheduled follow-up.
    if (action.reduces !== undefined) {
      return failedClosed(spec.autonomy.default, [reducingActionProposed(proposal.action, action.reduces)]);
    }

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

    const unbound = bindingProblems(action, proposal.input, facts.event);
    if (unbound.length > 0) return failedClosed(autonomy, unbound);
    const missing = missingFactProblems(spec, facts.facts);
    if (missing.length > 0) return failedClosed(autonomy, missing);

    const evaluation = policies.evaluate(
      {
        entityId: facts.entityId,
        action: proposal.action,
        input: proposal.input,
        confidence: proposal.confidence,
        risk: action.risk,
        autonomy,
        history: facts.history,
        now: policyNow(facts.now, spec.timezone),
        event: facts.event,
        facts: factAttributes(facts.facts),
      },
      evaluationOptions,
    );
    const { decision, shadow } = applyAutonomy(evaluation.decision, autonomy);
    return {
      decision,
      policyDecision: evaluation.decision,
      autonomy,
      shadow,
      reasons: evaluation.reasons,
      errors: evaluation.errors,
      ...(decision === 'REQUIRE_APPROVAL' && {
        approval: policies.approvalRequirement(evaluation.reasons),
      }),
      ...(evaluation.logOnly && {
        logOnly: evaluation.logOnly.map((entry) => {
          const wouldDecide = applyAutonomy(entry.wouldDecide, autonomy).decision;
          return { ...entry, wouldDecide, changed: wouldDecide !== decision };
        }),
      }),
    };
  }
  return {
    policySetHash: policies.policySetHash,
    decide: (request) => switched(unswitched(request), request.workflowSwitch),
  };
}
