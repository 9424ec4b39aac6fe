/**
 * The gate step's use case: judge each proposal by the workflow's Cedar
 * policies, then by the action's autonomy level, and record every verdict.
 *
 * Autonomy can only make the policies' decision stricter (supervised turns
 * ALLOW into REQUIRE_APPROVAL; shadow records the decision and runs nothing).
 * The result sorts the verdicts into what the state machine's Choice reads.
 */
import { historyFromFacts } from '../../core/agent/policy-history.js';
import { appendLineage } from '../../core/lineage/chain.js';
import type { LineageStore } from '../../core/lineage/record.js';
import { applyAutonomy, resolveAutonomy } from '../../core/policy/autonomy.js';
import type { PolicyEvaluation, PolicyGate } from '../../core/policy/gate.js';
import type { Clock } from '../../core/ports.js';
import type { GatedProposal, GateInput, GateResult, Proposal } from '../../core/run/contracts.js';
import type { RunsStore } from '../../core/runs/records.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import type { AutonomyLevel } from '../../core/workflow/spec.js';

/** What the gate step needs besides the pack and its policy gate. */
export interface GateDependencies {
  readonly runs: Pick<RunsStore, 'getAutonomy'>;
  readonly lineage: LineageStore;
  readonly clock: Clock;
}

/** Sorts verdicts into the lists and counts the state machine reads. */
export function gateResultOf(verdicts: readonly GatedProposal[], policySetHash: string): GateResult {
  const executable = verdicts.filter((v) => !v.shadow && v.decision !== 'DENY');
  const pendingApproval = verdicts.filter((v) => !v.shadow && v.decision === 'REQUIRE_APPROVAL');
  const denied = verdicts.filter((v) => !v.shadow && v.decision === 'DENY');
  const shadowed = verdicts.filter((v) => v.shadow);
  return {
    executable,
    pendingApproval,
    denied,
    shadowed,
    counts: {
      executable: executable.length,
      pendingApproval: pendingApproval.length,
      denied: denied.length,
      shadowed: shadowed.length,
    },
    policySetHash,
  };
}

/**
 * Builds the gate step for a pack and its (preparsed, once per cold start) policy gate.
 *
 * For each proposal: resolves the action's autonomy (stored level, else the
 * spec's), evaluates the policies with the run's entity, the input, the
 * model's confidence, the action's risk and the grounded history, applies
 * autonomy, and appends `policy.evaluated`. A proposal naming an action
 * outside the catalogue is denied, never thrown back.
 *
 * @example
 * const gate = createGateStep(pack, createPolicyGate(pack), { runs, lineage, clock });
 * const result = await gate({ run, iteration, facts, proposals });
 */
export function createGateStep(
  pack: WorkflowPack,
  policyGate: PolicyGate,
  deps: GateDependencies,
): (input: GateInput) => Promise<GateResult> {
  const { spec } = pack;

  async function judge(input: GateInput, proposal: Proposal): Promise<GatedProposal & PolicyEvaluation> {
    const action = Object.hasOwn(spec.actions, proposal.action) ? spec.actions[proposal.action] : undefined;
    if (!action) {
      const evaluation: PolicyEvaluation = {
        decision: 'DENY',
        reasons: [],
        errors: [`action "${proposal.action}" is not in the catalogue of ${spec.id}`],
      };
      return {
        proposal,
        ...evaluation,
        policyDecision: 'DENY',
        autonomy: spec.autonomy.default,
        shadow: false,
      };
    }
    const stored = await deps.runs.getAutonomy(spec.id, proposal.action);
    const autonomy: AutonomyLevel = resolveAutonomy(spec, proposal.action, stored);
    const evaluation = policyGate.evaluate({
      entityId: input.run.entityId,
      action: proposal.action,
      input: proposal.input,
      confidence: proposal.confidence,
      risk: action.risk,
      autonomy,
      history: historyFromFacts(input.facts),
    });
    const { decision, shadow } = applyAutonomy(evaluation.decision, autonomy);
    return {
      proposal,
      decision,
      policyDecision: evaluation.decision,
      autonomy,
      reasons: evaluation.reasons,
      errors: evaluation.errors,
      shadow,
    };
  }

  return async (input) => {
    const { run } = input;
    const verdicts: GatedProposal[] = [];
    // One at a time: the lineage records come out in proposal order.
    for (const proposal of input.proposals) {
      const { errors, ...verdict } = await judge(input, proposal);
      await appendLineage(deps.lineage, deps.clock, run.runId, {
        type: 'policy.evaluated',
        actor: 'awf:gate',
        workflowId: run.workflowId,
        entityId: run.entityId,
        versions: { workflowVersion: run.workflowVersion, policySetHash: policyGate.policySetHash },
        data: {
          iteration: input.iteration,
          proposalId: proposal.proposalId,
          action: proposal.action,
          input: proposal.input,
          confidence: proposal.confidence,
          policyDecision: verdict.policyDecision,
          decision: verdict.decision,
          reasons: verdict.reasons,
          errors,
          autonomy: verdict.autonomy,
          shadow: verdict.shadow,
        },
      });
      verdicts.push(verdict);
    }
    return gateResultOf(verdicts, policyGate.policySetHash);
  };
}
