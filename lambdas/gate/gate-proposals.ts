/**
 * The gate step's use case: judge each proposal by the workflow's Cedar
 * policies, then by the action's autonomy level, and record every verdict.
 *
 * Autonomy can only make the policies' decision stricter (supervised turns
 * ALLOW into REQUIRE_APPROVAL; shadow records the decision and runs nothing).
 * The result sorts the verdicts into what the state machine's Choice reads.
 */
import { z } from 'zod';
import { historyFromFacts } from '../../core/agent/policy-history.js';
import { canonicalJson } from '../../core/canonical-json.js';
import { appendLineage } from '../../core/lineage/chain.js';
import type { LineageRecord, LineageStore } from '../../core/lineage/record.js';
import { applyAutonomy, resolveAutonomy } from '../../core/policy/autonomy.js';
import type { PolicyEvaluation, PolicyGate } from '../../core/policy/gate.js';
import type { Clock } from '../../core/ports.js';
import {
  GATE_DECISIONS,
  type GatedProposal,
  type GateInput,
  type GateResult,
  type Proposal,
} from '../../core/run/contracts.js';
import type { RunsStore } from '../../core/runs/records.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { AUTONOMY_LEVELS, type AutonomyLevel } from '../../core/workflow/spec.js';

/** What the gate step needs besides the pack and its policy gate. */
export interface GateDependencies {
  readonly runs: Pick<RunsStore, 'getAutonomy'>;
  readonly lineage: LineageStore;
  readonly clock: Clock;
}

const recordedVerdictSchema = z.object({
  iteration: z.number(),
  proposalId: z.string(),
  action: z.string(),
  input: z.record(z.string(), z.unknown()),
  confidence: z.number(),
  policyDecision: z.enum(GATE_DECISIONS),
  decision: z.enum(GATE_DECISIONS),
  reasons: z.array(z.string()),
  autonomy: z.enum(AUTONOMY_LEVELS),
  shadow: z.boolean(),
});

/** The action, input and confidence a verdict was given for. */
type JudgedProposal = Pick<Proposal, 'action' | 'input' | 'confidence'>;

/** A verdict as `policy.evaluated` recorded it. */
type RecordedVerdict = Omit<GatedProposal, 'proposal'> & { readonly proposal: JudgedProposal };

function sameProposal(a: JudgedProposal, b: JudgedProposal): boolean {
  const essence = (p: JudgedProposal) =>
    canonicalJson({ action: p.action, input: p.input, confidence: p.confidence });
  return essence(a) === essence(b);
}

/**
 * The verdicts this iteration already recorded, by proposal id: a step retried
 * after some of its `policy.evaluated` records landed answers those from the
 * chain instead of judging (and recording) them a second time.
 */
function recordedVerdicts(chain: readonly LineageRecord[], iteration: number): Map<string, RecordedVerdict> {
  const verdicts = new Map<string, RecordedVerdict>();
  for (const record of chain) {
    if (record.type !== 'policy.evaluated') continue;
    const parsed = recordedVerdictSchema.safeParse(record.data);
    if (!parsed.success || parsed.data.iteration !== iteration) continue;
    const { proposalId, action, input, confidence, policyDecision, decision, reasons, autonomy, shadow } =
      parsed.data;
    if (verdicts.has(proposalId)) continue;
    verdicts.set(proposalId, {
      proposal: { action, input, confidence },
      decision,
      policyDecision,
      autonomy,
      reasons,
      shadow,
    });
  }
  return verdicts;
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
 * Retry-safe: a proposal this iteration already has a `policy.evaluated` for
 * (same id, action, input and confidence) keeps that verdict and is not
 * recorded again, so a retry after a partial write leaves one verdict per
 * proposal in the evidence.
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
    const chain = await deps.lineage.chain(run.runId);
    const recorded = recordedVerdicts(chain, input.iteration);
    // Each append builds on the last record this step read or wrote, saving a head read per record.
    let head: LineageRecord | null = chain.at(-1) ?? null;
    const verdicts: GatedProposal[] = [];
    // One at a time: the lineage records come out in proposal order.
    for (const proposal of input.proposals) {
      const earlier = recorded.get(proposal.proposalId);
      if (earlier && sameProposal(earlier.proposal, proposal)) {
        // A retried step: the recorded verdict is the decision, and it is recorded once.
        verdicts.push({ ...earlier, proposal });
        continue;
      }
      const { errors, ...verdict } = await judge(input, proposal);
      head = await appendLineage(
        deps.lineage,
        deps.clock,
        run.runId,
        {
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
        },
        { knownHead: head },
      );
      verdicts.push(verdict);
    }
    return gateResultOf(verdicts, policyGate.policySetHash);
  };
}
