/**
 * The act step's use case: run one allowed (and, where needed, approved)
 * action, exactly once, and record what it produced.
 *
 * Act trusts nothing it is handed. The state data names only the proposal;
 * what it proposes (action, input, confidence) is read from the run's lineage,
 * where Plan recorded it, so state data cannot smuggle in another action.
 * Before any side effect Act decides again (`core/policy/decide.ts`: the
 * catalogue, the input schema, autonomy, the policies with the current
 * history), and for REQUIRE_APPROVAL checks an APPROVED approval of this run
 * and proposal whose binding hash matches the exact action about to run.
 * Any failed check throws GovernanceViolationError and nothing runs.
 *
 * Exactly once: the execution key of the intent (run, action, canonical input;
 * `executionKeyFor`) is claimed with a conditional write before the connector
 * runs, so the same action proposed again in a later iteration does not run
 * again. A COMPLETED claim returns its observation
 * (ALREADY_EXECUTED) without running anything; an IN_PROGRESS claim left by a
 * crashed attempt re-runs the connector, which is only done for connectors that
 * are idempotent on their own.
 */
import { bindingHashFor } from '../../approval/binding.js';
import { AwfError, GovernanceViolationError } from '../../errors.js';
import { approvalIdFor, executionKeyFor } from '../../ids.js';
import { admissionOf } from '../../lineage/admission.js';
import { recordsOfType } from '../../lineage/read.js';
import type { LineageRecord } from '../../lineage/record.js';
import { type LineageWriter, lineageWriter } from '../../lineage/writer.js';
import { createDecider, type Decider } from '../../policy/decide.js';
import { currentHistory } from '../../policy/history.js';
import { historyKeyFor, historyKeyFromAdmission } from '../../runs/history-key.js';
import type { ExecutionClearance } from '../../runs/records.js';
import { requireRun } from '../../runs/run-lookup.js';
import { catalogueAction, notInCatalogue } from '../../workflow/catalogue.js';
import type { WorkflowPack } from '../../workflow/pack.js';
import type { ActionSpec } from '../../workflow/spec.js';
import { type ActInput, actInputSchema, type Observation, type Proposal, type RunRef } from '../contracts.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';
import { describeConnector, isIdempotentConnector, runConnector } from './connectors.js';

const actNeeds = {
  runs: { writes: ['execution', 'history'] },
  lineage: 'append',
  events: 'connectors',
  items: 'connectors',
} as const;

/** What Act works with. */
type ActPorts = PortsFor<typeof actNeeds>;

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
 * The proposal `proposalId` of this iteration, as Plan recorded it in `actions.proposed`.
 * @throws GovernanceViolationError when Plan never proposed it in this run's iteration.
 * @throws MalformedLineageRecordError when an `actions.proposed` record is malformed.
 */
function recordedProposal(chain: readonly LineageRecord[], input: ActInput): Proposal {
  const proposal = recordsOfType(chain, 'actions.proposed')
    .filter(({ data }) => data.iteration === input.iteration)
    .flatMap(({ data }) => data.proposals)
    .find((recorded) => recorded.proposalId === input.proposalId);
  if (!proposal) {
    throw new GovernanceViolationError(
      `refusing to run proposal "${input.proposalId}": the plan step never proposed it in iteration ${input.iteration} of this run`,
    );
  }
  return proposal;
}

/**
 * Builds the act step's use case for a pack.
 *
 * @returns the observation: EXECUTED, or ALREADY_EXECUTED for a repeated call.
 * @throws GovernanceViolationError when a check fails (see the module comment).
 * @throws ExecutionInDoubtError when a crashed attempt may have run a
 *   connector that cannot safely run twice.
 * @throws the connectors' and stores' errors unchanged, for the state machine's Retry.
 */
function createAct(
  pack: WorkflowPack,
  deps: ActPorts,
  decider: Decider,
  writer: LineageWriter,
): (input: ActInput) => Promise<Observation> {
  const { spec } = pack;

  /**
   * The run's entity and history key, never from state data: from the chain's
   * `run.started` record (already read for the proposal) when it
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

  /** Decides again, now, and for REQUIRE_APPROVAL checks the approval. */
  async function clearanceFor(subject: RunSubject, proposal: Proposal): Promise<ExecutionClearance> {
    const verdict = decider.decide({
      proposal,
      facts: {
        entityId: subject.entityId,
        history: await currentHistory(spec, deps.runs, subject.historyKey, deps.clock()),
      },
      storedAutonomy: await deps.runs.getAutonomy(spec.id, proposal.action),
    });
    if (verdict.shadow) return refuse(proposal, 'the action is in shadow mode; it is recorded, never run');
    if (verdict.decision === 'DENY') {
      const why = [...verdict.reasons, ...verdict.errors].join('; ') || 'no policy permits it';
      return refuse(proposal, `the decision now is DENY (${why})`);
    }
    if (verdict.decision === 'ALLOW') return { decision: 'ALLOW' };

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
    return { decision: 'REQUIRE_APPROVAL', approvalId };
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
    proposal: Proposal,
    chain: readonly LineageRecord[],
    subject: RunSubject,
    action: ActionSpec,
    observation: Observation,
    clearance: ExecutionClearance,
  ): Promise<void> {
    const { run, iteration } = input;
    const executed = recordsOfType(chain, 'action.executed').some(
      ({ data }) => data.proposalId === proposal.proposalId,
    );
    if (executed) return;
    // History before lineage: a crash between the two counts the action twice,
    // which makes temporal limits stricter, never looser.
    const history = spec.grounding.history;
    const key = subject.historyKey;
    if (history && key !== undefined && history.actions.includes(proposal.action)) {
      await deps.runs.recordHistory(spec.id, key, proposal.action, deps.clock().toISOString());
    }
    await writer.append(
      run.runId,
      {
        type: 'action.executed',
        actor: 'awf:act',
        workflowId: run.workflowId,
        entityId: run.entityId,
        versions: { workflowVersion: run.workflowVersion, policySetHash: decider.policySetHash },
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
    const { run } = actInput;
    const chain = await deps.lineage.chain(run.runId);
    const proposal = recordedProposal(chain, actInput);
    const action = catalogueAction(spec, proposal.action);
    if (!action) return refuse(proposal, notInCatalogue(spec, proposal.action));
    const subject = await subjectOf(run, chain);

    const key = executionKeyFor(run.runId, proposal.action, proposal.input);
    const claim = await deps.runs.claimExecution(key, deps.clock().toISOString());
    if (!claim.claimed && claim.record.status === 'COMPLETED') {
      // Answered from the record, before the policy re-check: nothing runs, and
      // the re-check would count this very execution against temporal limits.
      const { observation: done, clearance: ranUnder } = claim.record;
      if (!done || !ranUnder) {
        throw new AwfError(`execution "${key}" is COMPLETED but holds no observation or clearance`);
      }
      if (done.proposalId !== proposal.proposalId) {
        // The same intent proposed again (another iteration): it ran once, under the first
        // proposal, whose action.executed the model already observes. Nothing runs or is recorded.
        return { ...done, proposalId: proposal.proposalId, status: 'ALREADY_EXECUTED' };
      }
      await recordEvidence(
        actInput,
        proposal,
        chain,
        subject,
        action,
        { ...done, status: 'EXECUTED' },
        ranUnder,
      );
      return { ...done, status: 'ALREADY_EXECUTED' };
    }
    if (!claim.claimed && !isIdempotentConnector(action.connector)) {
      throw new ExecutionInDoubtError(
        `execution "${key}" of ${proposal.action} was started at ${claim.record.startedAt} and did not finish; its ${action.connector.type} connector cannot safely run twice`,
      );
    }

    const clearance = await clearanceFor(subject, proposal);
    // The decision above parsed the input with the action's schema and found it unchanged: it runs as judged.
    const { input } = proposal;
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
    await recordEvidence(actInput, proposal, chain, subject, action, observation, clearance);
    return observation;
  };
}

/** The act step: see the module comment. */
export const actStep = defineStep({
  name: 'act',
  input: actInputSchema,
  ports: actNeeds,
  build(pack, ports) {
    return createAct(pack, ports, createDecider(pack), lineageWriter('act', ports.lineage, ports.clock));
  },
  measure(observation, metrics) {
    metrics.count(observation.status === 'EXECUTED' ? 'ActionsExecuted' : 'ActionsAlreadyExecuted');
  },
});
