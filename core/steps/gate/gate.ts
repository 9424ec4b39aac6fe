/**
 * The gate step's use case: decide each proposal (`core/policy/decide.ts`)
 * and record every verdict as `policy.evaluated`.
 *
 * The result sorts the verdicts into what the state machine's Choice reads.
 */
import { canonicalJson } from '../../canonical-json.js';
import { asRecordOfType, recordsOfType } from '../../lineage/read.js';
import type { LineageRecord } from '../../lineage/record.js';
import { type RecordKeys, requireAuthentic } from '../../lineage/record-keys.js';
import { lineageWriter } from '../../lineage/writer.js';
import { createDecider, type RunFacts, type Verdict } from '../../policy/decide.js';
import { readGroundingFacts } from '../../policy/facts.js';
import { historyFromFacts } from '../../policy/history.js';
import type { DecisionControls } from '../../runs/records.js';
import { RunNotFoundError } from '../../runs/run-lookup.js';
import { isCatalogueAction } from '../../workflow/catalogue.js';
import {
  type GatedProposal,
  type GateInput,
  type GateResult,
  gateInputSchema,
  type Proposal,
} from '../contracts.js';
import { defineStep } from '../step-definition.js';

/** The action, input and confidence a verdict was given for. */
type JudgedProposal = Pick<Proposal, 'action' | 'input' | 'confidence'>;

/** A verdict as `policy.evaluated` recorded it, with what it judged. */
interface RecordedVerdict {
  readonly judged: JudgedProposal;
  readonly verdict: Verdict;
}

function sameProposal(a: JudgedProposal, b: JudgedProposal): boolean {
  const essence = (p: JudgedProposal) =>
    canonicalJson({ action: p.action, input: p.input, confidence: p.confidence });
  return essence(a) === essence(b);
}

/**
 * The verdicts this iteration already recorded, by proposal id: a step retried
 * after some of its `policy.evaluated` records landed answers those from the
 * chain instead of judging (and recording) them a second time.
 *
 * @throws MalformedLineageRecordError when a `policy.evaluated` record is malformed.
 */
function recordedVerdicts(chain: readonly LineageRecord[], iteration: number): Map<string, RecordedVerdict> {
  const verdicts = new Map<string, RecordedVerdict>();
  for (const { data } of recordsOfType(chain, 'policy.evaluated')) {
    if (data.iteration !== iteration || verdicts.has(data.proposalId)) continue;
    const {
      action,
      input,
      confidence,
      decision,
      policyDecision,
      autonomy,
      shadow,
      reasons,
      errors,
      logOnly,
      approval,
      switch: switched,
    } = data;
    verdicts.set(data.proposalId, {
      judged: { action, input, confidence },
      verdict: {
        decision,
        policyDecision,
        autonomy,
        shadow,
        reasons,
        errors,
        ...(logOnly && { logOnly }),
        ...(approval && { approval }),
        ...(switched && { switch: switched }),
      },
    });
  }
  return verdicts;
}

/**
 * The history figures of the run's latest `context.grounded` record: what
 * Ground counted for this iteration. None (so policies that need them deny)
 * when the run was never grounded.
 *
 * @throws ForgedLineageRecordError when that record was not written by the ground step
 *   (its MAC does not verify under Ground's record key) or was edited.
 */
async function groundedHistory(
  chain: readonly LineageRecord[],
  keys: Pick<RecordKeys, 'verify'>,
): Promise<Record<string, number>> {
  const stored = chain.filter((record) => record.type === 'context.grounded').at(-1);
  const grounded = asRecordOfType(stored, 'context.grounded');
  if (stored === undefined || grounded === undefined) return {};
  // The stored record, not its parse: the MAC covers the hash of what was written.
  await requireAuthentic(stored, keys);
  return historyFromFacts(grounded.data.facts as Record<string, unknown>);
}

/** A proposal with the state data's view of its verdict, and whether it is shadowed. */
export type Judged = GatedProposal & { readonly shadow: boolean };

function judgedOf(proposal: Proposal, verdict: Verdict): Judged {
  return {
    proposal,
    decision: verdict.decision,
    // The kill switch's reason travels with the verdict, so an approval request says why it was asked.
    reasons: [...verdict.reasons, ...(verdict.switch ? [verdict.switch.reason] : [])],
    ...(verdict.approval && { approval: { ...verdict.approval, roles: [...verdict.approval.roles] } }),
    shadow: verdict.shadow,
  };
}

/** Sorts verdicts into the lists and counts the state machine reads. */
export function gateResultOf(verdicts: readonly Judged[], policySetHash: string): GateResult {
  const strip = ({ shadow: _shadow, ...gated }: Judged): GatedProposal => gated;
  const executable = verdicts.filter((v) => !v.shadow && v.decision !== 'DENY').map(strip);
  const pendingApproval = verdicts.filter((v) => !v.shadow && v.decision === 'REQUIRE_APPROVAL').map(strip);
  const denied = verdicts.filter((v) => !v.shadow && v.decision === 'DENY').map(strip);
  const shadowed = verdicts.filter((v) => v.shadow).map(strip);
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
 * The gate step.
 *
 * For each proposal: decides it with the run's trusted facts (the admitted
 * event, the grounding facts read now, the history Ground recorded, the
 * time), the action's stored autonomy and the workflow's kill switch (read
 * for each decision), and appends `policy.evaluated`. A proposal
 * naming an action outside the catalogue is denied, never thrown back. The
 * policies are parsed and preparsed once, when the step is built (synth
 * validated them).
 *
 * Retry-safe: a proposal this iteration already has a `policy.evaluated` for
 * (same id, action, input and confidence) keeps that verdict and is not
 * recorded again, so a retry after a partial write leaves one verdict per
 * proposal in the evidence.
 *
 * @throws MalformedLineageRecordError when a recorded verdict is malformed.
 */
export const gateStep = defineStep({
  name: 'gate',
  input: gateInputSchema,
  ports: {
    runs: 'read',
    lineage: 'append',
    facts: 'read',
    recordKeys: { sign: true, verify: ['ground'] },
  },
  build(pack, ports) {
    const { spec } = pack;
    const decider = createDecider(pack);
    const writer = lineageWriter('gate', ports.lineage, ports.clock, ports.recordKeys);

    /** The action whose stored autonomy a decision reads: none for one outside the catalogue. */
    const controlledAction = (proposal: Proposal) =>
      isCatalogueAction(spec, proposal.action) ? proposal.action : undefined;

    /**
     * What the decisions of this call rest on, read once: the admitted event
     * (runs table), the grounding facts (read now), the history figures Ground
     * recorded for this run (the chain, not state data) and the time; with the
     * decision controls of the first proposal judged, read in the same request as the run.
     *
     * @throws RunNotFoundError when the runs table holds no such run.
     */
    async function runFactsOf(
      input: GateInput,
      chain: readonly LineageRecord[],
      first: Proposal,
    ): Promise<{ facts: RunFacts; controls: DecisionControls }> {
      const { runId } = input.run;
      const { run, ...controls } = await ports.runs.getRunWithDecisionControls(
        runId,
        spec.id,
        controlledAction(first),
      );
      if (run === undefined) throw new RunNotFoundError(runId, 'gate');
      const facts = await readGroundingFacts(spec, run.event, ports.facts);
      return {
        facts: {
          entityId: input.run.entityId,
          event: run.event,
          now: ports.clock(),
          facts,
          history: await groundedHistory(chain, ports.recordKeys),
        },
        controls,
      };
    }

    function judge(proposal: Proposal, facts: RunFacts, controls: DecisionControls): Verdict {
      return decider.decide({
        proposal,
        facts,
        storedAutonomy: controls.autonomy,
        workflowSwitch: controls.switch,
      });
    }

    return async (input: GateInput): Promise<GateResult> => {
      const { run } = input;
      const chain = await ports.lineage.chain(run.runId);
      const recorded = recordedVerdicts(chain, input.iteration);
      // Each append builds on the last record this step read or wrote, saving a head read per record.
      let head: LineageRecord | null = chain.at(-1) ?? null;
      const verdicts: Judged[] = [];
      let facts: RunFacts | undefined;
      // One at a time: the lineage records come out in proposal order.
      for (const proposal of input.proposals) {
        const earlier = recorded.get(proposal.proposalId);
        if (earlier && sameProposal(earlier.judged, proposal)) {
          // A retried step: the recorded verdict is the decision, and it is recorded once.
          verdicts.push(judgedOf(proposal, earlier.verdict));
          continue;
        }
        let controls: DecisionControls;
        if (facts === undefined) ({ facts, controls } = await runFactsOf(input, chain, proposal));
        // The switch is read for every decision: a halt set a moment ago holds for the next proposal.
        else controls = await ports.runs.getDecisionControls(spec.id, controlledAction(proposal));
        const verdict = judge(proposal, facts, controls);
        head = await writer.append(
          run.runId,
          {
            type: 'policy.evaluated',
            actor: 'awf:gate',
            workflowId: run.workflowId,
            entityId: run.entityId,
            versions: { workflowVersion: run.workflowVersion, policySetHash: decider.policySetHash },
            data: {
              iteration: input.iteration,
              proposalId: proposal.proposalId,
              action: proposal.action,
              input: proposal.input,
              confidence: proposal.confidence,
              policyDecision: verdict.policyDecision,
              decision: verdict.decision,
              reasons: [...verdict.reasons],
              errors: [...verdict.errors],
              autonomy: verdict.autonomy,
              shadow: verdict.shadow,
              ...(verdict.approval && {
                approval: { ...verdict.approval, roles: [...verdict.approval.roles] },
              }),
              // Evidence only: what each log-only policy would have decided; it decided nothing.
              ...(verdict.logOnly && verdict.logOnly.length > 0 && { logOnly: [...verdict.logOnly] }),
              ...(verdict.switch && { switch: { ...verdict.switch } }),
            },
          },
          { knownHead: head },
        );
        verdicts.push(judgedOf(proposal, verdict));
      }
      return gateResultOf(verdicts, decider.policySetHash);
    };
  },
  measure({ counts }, metrics) {
    metrics.count('ActionsAllowed', counts.executable - counts.pendingApproval);
    metrics.count('ActionsNeedingApproval', counts.pendingApproval);
    metrics.count('ActionsDenied', counts.denied);
    metrics.count('ActionsShadowed', counts.shadowed);
  },
});
