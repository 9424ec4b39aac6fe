/**
 * The act step's use case: run one allowed (and, where needed, approved)
 * action, exactly once, and record what it produced.
 *
 * Act trusts nothing it is handed. Before any side effect it checks, again:
 * - the action is in the catalogue and its input re-parses with its schema to itself;
 * - the proposal is one the plan step recorded in the run's lineage (same action,
 *   input and confidence), so state data cannot smuggle in a new one;
 * - the policies, evaluated now with the current history, give ALLOW or
 *   REQUIRE_APPROVAL, and the action's autonomy is not shadow;
 * - for REQUIRE_APPROVAL, an APPROVED approval of this run and proposal exists
 *   whose binding hash matches the exact action about to run.
 * Any failed check throws GovernanceViolationError and nothing runs.
 *
 * Exactly once: the (run, proposal) execution key is claimed with a conditional
 * write before the connector runs. A COMPLETED claim returns its observation
 * (ALREADY_EXECUTED) without running anything; an IN_PROGRESS claim left by a
 * crashed attempt re-runs the connector, which is only done for connectors that
 * are idempotent on their own.
 */
import { z } from 'zod';
import { currentHistory } from '../../core/agent/policy-history.js';
import { requireRun } from '../../core/agent/run-lookup.js';
import { proposalSchema } from '../../core/agent/step-inputs.js';
import { bindingHashFor } from '../../core/approval/binding.js';
import { canonicalJson } from '../../core/canonical-json.js';
import { AwfError, GovernanceViolationError } from '../../core/errors.js';
import { approvalIdFor, executionKeyFor } from '../../core/ids.js';
import { admissionOf } from '../../core/lineage/admission.js';
import { appendLineage } from '../../core/lineage/chain.js';
import type { LineageRecord, LineageStore } from '../../core/lineage/record.js';
import { applyAutonomy, resolveAutonomy } from '../../core/policy/autonomy.js';
import type { PolicyGate } from '../../core/policy/gate.js';
import type { Clock } from '../../core/ports.js';
import type { ActInput, Observation, Proposal, RunRef } from '../../core/run/contracts.js';
import { historyKeyFor, historyKeyFromAdmission } from '../../core/run/history-key.js';
import type { ExecutionClearance, RunsStore } from '../../core/runs/records.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import type { ActionSpec } from '../../core/workflow/spec.js';
import { type ConnectorPorts, describeConnector, isIdempotentConnector, runConnector } from './connectors.js';

/** What the act step needs besides the pack and its policy gate. */
export interface ActDependencies extends ConnectorPorts {
  readonly runs: Pick<
    RunsStore,
    | 'getRun'
    | 'getApproval'
    | 'getAutonomy'
    | 'claimExecution'
    | 'completeExecution'
    | 'recordHistory'
    | 'countHistory'
  >;
  readonly lineage: LineageStore;
  readonly clock: Clock;
}

/**
 * An earlier attempt may have run a connector that is not idempotent on its
 * own; running it again could repeat the effect, so a person must look.
 */
export class ExecutionInDoubtError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutionInDoubtError';
  }
}

const recordedProposalsSchema = z.object({ proposals: z.array(proposalSchema) });

/** What the re-checks need to know of the run, from evidence rather than state data. */
interface RunSubject {
  readonly runId: string;
  readonly entityId: string;
  /** The key history is counted and recorded under; undefined when the spec keeps no history. */
  readonly historyKey: string | undefined;
}

function refuse(proposal: Proposal, why: string): never {
  throw new GovernanceViolationError(
    `refusing to run ${proposal.action} (proposal "${proposal.proposalId}"): ${why}`,
  );
}

/**
 * Builds the act step for a pack and its policy gate.
 *
 * @returns the observation: EXECUTED, or ALREADY_EXECUTED for a repeated call.
 * @throws GovernanceViolationError when a check fails (see the module comment).
 * @throws ExecutionInDoubtError when a crashed attempt may have run a
 *   connector that cannot safely run twice.
 * @throws the connectors' and stores' errors unchanged, for the state machine's Retry.
 * @example
 * const act = createActStep(pack, createPolicyGate(pack), { runs, lineage, events, items, clock });
 * const observation = await act({ run, iteration, facts, gated });
 */
export function createActStep(
  pack: WorkflowPack,
  policyGate: PolicyGate,
  deps: ActDependencies,
): (input: ActInput) => Promise<Observation> {
  const { spec } = pack;

  function catalogueCheck(proposal: Proposal): { action: ActionSpec; input: Record<string, unknown> } {
    const action = Object.hasOwn(spec.actions, proposal.action) ? spec.actions[proposal.action] : undefined;
    if (!action) return refuse(proposal, `"${proposal.action}" is not in the catalogue of ${spec.id}`);
    const parsed = action.input.safeParse(proposal.input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`,
      );
      return refuse(proposal, `its input fails the action's schema (${issues.join('; ')})`);
    }
    // What runs must be byte for byte what was judged and approved.
    if (canonicalJson(parsed.data) !== canonicalJson(proposal.input)) {
      return refuse(proposal, 'its input changes when parsed with the action schema');
    }
    return { action, input: parsed.data };
  }

  /** @returns the chain as read for the check, which the evidence step reuses. */
  async function provenanceCheck(run: RunRef, proposal: Proposal): Promise<LineageRecord[]> {
    const records = await deps.lineage.chain(run.runId);
    const original = records
      .filter((record) => record.type === 'actions.proposed')
      .flatMap((record) => recordedProposalsSchema.safeParse(record.data).data?.proposals ?? [])
      .find((recorded) => recorded.proposalId === proposal.proposalId);
    if (!original) return refuse(proposal, 'the plan step never proposed it in this run');
    const essence = (p: Proposal) =>
      canonicalJson({ action: p.action, input: p.input, confidence: p.confidence });
    if (essence(original) !== essence(proposal)) {
      return refuse(proposal, 'it differs from what the plan step proposed (action, input or confidence)');
    }
    return records;
  }

  /**
   * The run's entity and history key, never from state data: from the chain's
   * `run.started` record (already read for the provenance check) when it
   * shows the key's field unredacted, else from the stored run.
   *
   * @throws RunNotFoundError when the stored run is needed and missing.
   * @throws MissingHistoryKeyError when the event has no value at the history key.
   */
  async function subjectOf(run: RunRef, chain: readonly LineageRecord[]): Promise<RunSubject> {
    const admission = admissionOf(chain);
    if (admission !== undefined) {
      if (spec.grounding.history === undefined) {
        return { runId: run.runId, entityId: admission.entityId, historyKey: undefined };
      }
      const historyKey = historyKeyFromAdmission(spec, admission);
      if (historyKey !== undefined) return { runId: run.runId, entityId: admission.entityId, historyKey };
    }
    const stored = await requireRun(deps.runs, run.runId, 'act');
    return { runId: stored.runId, entityId: stored.entityId, historyKey: historyKeyFor(spec, stored.event) };
  }

  async function policyCheck(
    subject: RunSubject,
    proposal: Proposal,
    action: ActionSpec,
    input: Record<string, unknown>,
  ): Promise<ExecutionClearance> {
    const autonomy = resolveAutonomy(
      spec,
      proposal.action,
      await deps.runs.getAutonomy(spec.id, proposal.action),
    );
    const evaluation = policyGate.evaluate({
      entityId: subject.entityId,
      action: proposal.action,
      input,
      confidence: proposal.confidence,
      risk: action.risk,
      autonomy,
      history: await currentHistory(spec, deps.runs, subject.historyKey, deps.clock()),
    });
    const { decision, shadow } = applyAutonomy(evaluation.decision, autonomy);
    if (shadow) return refuse(proposal, 'the action is in shadow mode; it is recorded, never run');
    if (decision === 'DENY') {
      const why = [...evaluation.reasons, ...evaluation.errors].join('; ') || 'no policy permits it';
      return refuse(proposal, `the policies deny it now (${why})`);
    }
    if (decision === 'ALLOW') return { decision };

    const approvalId = approvalIdFor(subject.runId, proposal.proposalId);
    const approval = await deps.runs.getApproval(approvalId);
    if (!approval) return refuse(proposal, `it needs an approval and "${approvalId}" does not exist`);
    if (approval.runId !== subject.runId || approval.proposalId !== proposal.proposalId) {
      return refuse(proposal, `approval "${approvalId}" is for another run or proposal`);
    }
    if (approval.status !== 'APPROVED') {
      return refuse(proposal, `approval "${approvalId}" is ${approval.status}, not APPROVED`);
    }
    const expected = bindingHashFor(subject.runId, proposal);
    if (approval.bindingHash !== expected) {
      return refuse(
        proposal,
        `approval "${approvalId}" was given for ${approval.bindingHash}, but this action hashes to ${expected}`,
      );
    }
    return { decision, approvalId };
  }

  /**
   * Records what an execution produced and what allowed it: the history
   * entry temporal policies count, then `action.executed`, which is also what
   * the next plan observes. Both are skipped when a previous attempt already
   * appended the record.
   *
   * `chain` is the chain as this attempt read it before claiming the
   * execution: an earlier attempt's `action.executed` was written before this
   * attempt started, so it is there. Reading the chain again would only add
   * records of other proposals (parallel Map branches), whose appends merely
   * make the head stale, which the append recovers from by re-reading it.
   */
  async function recordEvidence(
    input: ActInput,
    chain: readonly LineageRecord[],
    subject: RunSubject,
    action: ActionSpec,
    observation: Observation,
    clearance: ExecutionClearance,
  ): Promise<void> {
    const { run, iteration, gated } = input;
    const { proposal } = gated;
    const executed = chain.some(
      (record) => record.type === 'action.executed' && record.data.proposalId === proposal.proposalId,
    );
    if (executed) return;
    // History before lineage: a crash between the two counts the action twice,
    // which makes temporal limits stricter, never looser.
    const history = spec.grounding.history;
    const key = subject.historyKey;
    if (history && key !== undefined && history.actions.includes(proposal.action)) {
      await deps.runs.recordHistory(spec.id, key, proposal.action, deps.clock().toISOString());
    }
    await appendLineage(
      deps.lineage,
      deps.clock,
      run.runId,
      {
        type: 'action.executed',
        actor: 'awf:act',
        workflowId: run.workflowId,
        entityId: run.entityId,
        versions: { workflowVersion: run.workflowVersion, policySetHash: policyGate.policySetHash },
        data: {
          iteration,
          proposalId: proposal.proposalId,
          action: proposal.action,
          input: proposal.input,
          connector: describeConnector(action.connector),
          result: observation.result,
          decision: clearance.decision,
          ...(clearance.approvalId ? { approvalId: clearance.approvalId } : {}),
        },
      },
      { knownHead: chain.at(-1) ?? null },
    );
  }

  return async (actInput) => {
    const { run, gated } = actInput;
    const { proposal } = gated;
    const { action, input } = catalogueCheck(proposal);
    const chain = await provenanceCheck(run, proposal);
    const subject = await subjectOf(run, chain);

    const key = executionKeyFor(run.runId, proposal.proposalId);
    const claim = await deps.runs.claimExecution(key, deps.clock().toISOString());
    if (!claim.claimed && claim.record.status === 'COMPLETED') {
      // Answered from the record, before the policy re-check: nothing runs, and
      // the re-check would count this very execution against temporal limits.
      const { observation: done, clearance: ranUnder } = claim.record;
      if (!done || !ranUnder) {
        throw new AwfError(`execution "${key}" is COMPLETED but holds no observation or clearance`);
      }
      await recordEvidence(actInput, chain, subject, action, { ...done, status: 'EXECUTED' }, ranUnder);
      return { ...done, status: 'ALREADY_EXECUTED' };
    }
    if (!claim.claimed && !isIdempotentConnector(action.connector)) {
      throw new ExecutionInDoubtError(
        `execution "${key}" of ${proposal.action} was started at ${claim.record.startedAt} and did not finish; its ${action.connector.type} connector cannot safely run twice`,
      );
    }

    const clearance = await policyCheck(subject, proposal, action, input);
    const result = await runConnector(
      action.connector,
      { workflowId: spec.id, runId: run.runId, proposalId: proposal.proposalId, idempotencyKey: key, input },
      deps,
    );
    const observation: Observation = {
      proposalId: proposal.proposalId,
      action: proposal.action,
      status: 'EXECUTED',
      result,
    };
    await deps.runs.completeExecution(key, observation, clearance);
    await recordEvidence(actInput, chain, subject, action, observation, clearance);
    return observation;
  };
}
