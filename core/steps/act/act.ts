/**
 * The act step's use case: run the allowed (and, where needed, approved)
 * actions of an iteration, in proposal order, each exactly once, record what
 * each produced, and say whether the agent's finish stands (`ActResult`).
 *
 * Act trusts nothing it is handed. The state data names only the proposal;
 * what it proposes (action, input, confidence) is read from the run's lineage,
 * where Plan recorded it, so state data cannot smuggle in another action.
 * Before any side effect Act decides again (`core/policy/decide.ts`: the
 * catalogue, the input schema, the case binding, autonomy, the policies with
 * the facts of this moment: its clock, the grounding facts read now, the
 * current history), and for REQUIRE_APPROVAL checks an APPROVED approval of
 * this run and proposal whose binding hash matches the exact action about to
 * run. A DENY now (the workflow halted by its kill switch among the reasons:
 * `refusal: "halted"`) is recorded as `action.refused` and throws
 * ActionRefusedError (the run escalates); a broken approval or a proposal the
 * plan never made throws GovernanceViolationError. Either way nothing runs.
 *
 * Exactly once: the execution key of the intent (run, action, canonical input;
 * `executionKeyFor`) is claimed with a conditional write before the connector
 * runs, so the same action proposed again in a later iteration does not run
 * again. A COMPLETED claim returns its observation
 * (ALREADY_EXECUTED) without running anything; an IN_PROGRESS claim left by a
 * crashed attempt re-runs the connector, which is only done for connectors that
 * are idempotent on their own.
 *
 * Caps (`spec.caps`): the claim carries one ledger entry per cap the action
 * counts against, written in the same transaction, conditioned on the cap's
 * running total leaving room. Two concurrent runs on one order cannot both
 * pass; the one refused records `action.refused` and escalates.
 *
 * Follow-ups (`spec.actions.<name>.followUp`): once an action that declares
 * one has executed and its `action.executed` is recorded, Act schedules the
 * follow-up (`core/followup/schedule.ts`): `followup.scheduled`, the
 * follow-up item, the one-time schedule, each idempotent, so a retry
 * completes a crashed attempt's scheduling and never schedules twice. An
 * input that gives no valid follow-up (its hours out of range) is refused
 * before anything runs: a grant must never run without its revoke.
 */

import { withoutForgedApprovals } from '../../approval/authentic.js';
import { bindingHashFor } from '../../approval/binding.js';
import { approvalRequirementOf } from '../../approval/requirement.js';
import { excludedApproversFor } from '../../approval/separation-of-duties.js';
import { tallyApprovals, whyNotApproved } from '../../approval/tally.js';
import { ActionRefusedError, AwfError, GovernanceViolationError } from '../../errors.js';
import { FollowUpPlanError, followUpPlanOf } from '../../followup/follow-up.js';
import { scheduleFollowUp } from '../../followup/schedule.js';
import { approvalIdFor, executionKeyFor } from '../../ids.js';
import { recordsOfType } from '../../lineage/read.js';
import type { LineageRecord } from '../../lineage/record.js';
import { type RecordKeys, requireAuthentic } from '../../lineage/record-keys.js';
import type { LineageData } from '../../lineage/registry.js';
import { type LineageWriter, lineageWriter } from '../../lineage/writer.js';
import { createDecider, type Decider } from '../../policy/decide.js';
import { type GroundedFacts, readGroundingFacts } from '../../policy/facts.js';
import { currentHistory, historyActions, historyValuesOf } from '../../policy/history.js';
import { storedHistoryKey } from '../../runs/history-key.js';
import type {
  CapRefusal,
  DecisionControls,
  ExecutionClearance,
  IdempotencyRecord,
  LedgerEntry,
} from '../../runs/records.js';
import { RunNotFoundError } from '../../runs/run-lookup.js';
import { catalogueAction, notInCatalogue } from '../../workflow/catalogue.js';
import type { WorkflowPack } from '../../workflow/pack.js';
import type { ActionSpec } from '../../workflow/spec.js';
import {
  type ActInput,
  type ActionRef,
  type ActResult,
  actInputSchema,
  type Observation,
  type Proposal,
  type RunRef,
} from '../contracts.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';
import { describeConnector, isIdempotentConnector, runConnector } from './connectors.js';

const actNeeds = {
  runs: { writes: ['execution', 'ledger', 'history', 'followup'] },
  scheduler: 'create',
  lineage: 'append',
  events: 'connectors',
  items: 'connectors',
  facts: 'read',
  keys: 'mac',
  recordKeys: { sign: true, verify: ['plan', 'request-approval', 'decide-approval', 'remind'] },
} as const;

/** What Act works with. */
type ActPorts = PortsFor<typeof actNeeds>;

/** Cedar decimal precision: ledger amounts are integers in ten-thousandths. */
const LEDGER_SCALE = 10_000;

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

/** What the re-checks need to know of the run, from the runs table rather than state data. */
interface RunSubject {
  readonly runId: string;
  readonly entityId: string;
  /** The admitted event. */
  readonly event: unknown;
  /** The keyed hash history is counted and recorded under; undefined when the spec keeps no history. */
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
 * @throws ForgedLineageRecordError when the record holding it was not made by the plan step.
 */
async function recordedProposal(
  chain: readonly LineageRecord[],
  input: ActionRef,
  keys: Pick<RecordKeys, 'verify'>,
): Promise<Proposal> {
  for (const record of recordsOfType(chain, 'actions.proposed')) {
    if (record.data.iteration !== input.iteration) continue;
    const proposal = record.data.proposals.find((recorded) => recorded.proposalId === input.proposalId);
    if (!proposal) continue;
    // Only what the plan step itself recorded may run: a record put in the table by anyone else is forged.
    await requireAuthentic(record, keys);
    return proposal;
  }
  throw new GovernanceViolationError(
    `refusing to run proposal "${input.proposalId}": the plan step never proposed it in iteration ${input.iteration} of this run`,
  );
}

/** A number in ten-thousandths, or undefined when it has more precision than a Cedar decimal. */
function scaled(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const units = Math.round(value * LEDGER_SCALE);
  return Math.abs(units / LEDGER_SCALE - value) < 1e-9 && Number.isSafeInteger(units) ? units : undefined;
}

/** What Act made of one proposal: its observation, and whether it ran now, as proposed. */
interface ActedProposal {
  readonly observation: Observation;
  readonly ranAsProposed: boolean;
}

/** What a clearance check concluded: run under a clearance, or refused (already recorded). */
type Clearance = { readonly cleared: ExecutionClearance; readonly facts: GroundedFacts };

/**
 * Builds the act step's use case for a pack.
 *
 * @returns each proposal's observation (EXECUTED, or ALREADY_EXECUTED for a
 *   repeated call) and whether the agent's finish stands.
 * @throws ActionRefusedError when deciding again gives DENY or a cap has no room (recorded first).
 * @throws GovernanceViolationError when another check fails (see the module comment).
 * @throws ExecutionInDoubtError when a crashed attempt may have run a
 *   connector that cannot safely run twice.
 * @throws the connectors' and stores' errors unchanged, for the state machine's Retry.
 */
function createAct(
  pack: WorkflowPack,
  deps: ActPorts,
  decider: Decider,
  writer: LineageWriter,
): (input: ActInput) => Promise<ActResult> {
  const { spec } = pack;

  /** What every record Act appends about a run shares: who, which run, under which versions. */
  function envelopeOf(run: RunRef) {
    return {
      actor: 'awf:act',
      workflowId: run.workflowId,
      entityId: run.entityId,
      versions: { workflowVersion: run.workflowVersion, policySetHash: decider.policySetHash },
    };
  }

  /**
   * The run's entity, event and history key, from the stored run (never state
   * data), the decision controls of `action` (the kill switch, its stored
   * autonomy) and the execution record of `key`, read in one request, before
   * anything runs: a halt set while the run waited stops it.
   * @throws RunNotFoundError when the runs table holds no such run.
   */
  async function subjectOf(
    run: RunRef,
    action: string,
    key: string,
  ): Promise<{ subject: RunSubject; controls: DecisionControls; existing: IdempotencyRecord | undefined }> {
    const {
      run: stored,
      execution: existing,
      ...controls
    } = await deps.runs.getRunWithDecisionControls(run.runId, spec.id, action, key);
    if (stored === undefined) throw new RunNotFoundError(run.runId, 'act');
    const subject = {
      runId: stored.runId,
      entityId: stored.entityId,
      event: stored.event,
      historyKey: await storedHistoryKey(spec, stored.event, deps.keys),
    };
    return { subject, controls, existing };
  }

  /** Records why an allowed action did not run, then throws ActionRefusedError. */
  async function refuseAndRecord(
    input: ActionRef,
    proposal: Proposal,
    chain: readonly LineageRecord[],
    refusal: LineageData<'action.refused'>['refusal'],
    reasons: readonly string[],
    cap?: CapRefusal,
  ): Promise<never> {
    const { run, iteration } = input;
    await writer.append(
      run.runId,
      {
        type: 'action.refused',
        ...envelopeOf(run),
        data: {
          iteration,
          proposalId: proposal.proposalId,
          action: proposal.action,
          input: proposal.input,
          refusal,
          reasons: [...reasons],
          ...(cap ? { cap: { name: cap.cap, total: cap.total, amount: cap.amount, limit: cap.limit } } : {}),
        },
      },
      { knownHead: chain.at(-1) ?? null },
    );
    throw new ActionRefusedError(
      `refusing to run ${proposal.action} (proposal "${proposal.proposalId}"): ${reasons.join('; ')}`,
    );
  }

  /** Decides again, now, and for REQUIRE_APPROVAL checks the approval. */
  async function clearanceFor(
    input: ActionRef,
    chain: readonly LineageRecord[],
    subject: RunSubject,
    proposal: Proposal,
    controls: DecisionControls,
  ): Promise<Clearance> {
    const now = deps.clock();
    const [facts, history] = await Promise.all([
      readGroundingFacts(spec, subject.event, deps.facts),
      currentHistory(spec, deps.runs, subject.historyKey, now),
    ]);
    const { autonomy: storedAutonomy, switch: workflowSwitch } = controls;
    const verdict = decider.decide({
      proposal,
      facts: { entityId: subject.entityId, event: subject.event, now, facts, history },
      storedAutonomy,
      workflowSwitch,
    });
    if (verdict.switch?.mode === 'halt') {
      const since = workflowSwitch ? ` since ${workflowSwitch.since}` : '';
      return refuseAndRecord(input, proposal, chain, 'halted', [`${verdict.switch.reason}${since}`]);
    }
    if (verdict.shadow) return refuse(proposal, 'the action is in shadow mode; it is recorded, never run');
    if (verdict.decision === 'DENY') {
      const why = [...verdict.reasons, ...verdict.errors].join('; ') || 'no policy permits it';
      return refuseAndRecord(input, proposal, chain, 'decision', [`the decision now is DENY (${why})`]);
    }
    if (verdict.decision === 'ALLOW') return { cleared: { decision: 'ALLOW' }, facts };

    // The approval counts only as the lineage records it: the runs table's item is an index.
    const approvalId = approvalIdFor(subject.runId, proposal.proposalId);
    const requirement = verdict.approval ?? approvalRequirementOf(spec.approvals.approverRoles, []);
    // Only the records their registry writers made count: a forged approval.decided releases nothing.
    const authentic = await withoutForgedApprovals(chain, approvalId, deps.recordKeys);
    const tally = tallyApprovals({
      spec,
      chain: authentic.chain,
      approvalId,
      bindingHash: bindingHashFor(subject.runId, proposal),
      requirement,
      excluded: excludedApproversFor(spec, subject.event),
    });
    if (tally.requested === undefined) {
      // The gate let it run on its own, and the facts moved since (history, a stored autonomy
      // level): a decision that changed is refused and escalated, never run unapproved.
      const why = verdict.reasons.join(', ') || 'autonomy';
      return refuseAndRecord(input, proposal, chain, 'decision', [
        `the decision now is REQUIRE_APPROVAL (${why}): it needs an approval and "${approvalId}" does not exist`,
      ]);
    }
    const notApproved = whyNotApproved(tally, requirement);
    if (notApproved !== undefined) {
      const forged = authentic.forged.map(
        (record) => `record ${record.seq} (${record.type}) is ${record.problem}`,
      );
      return refuseAndRecord(input, proposal, chain, 'approval', [
        `approval "${approvalId}": ${notApproved}`,
        ...forged,
      ]);
    }
    const approvers = tally.approvals.map((approval) => approval.principal);
    return { cleared: { decision: 'REQUIRE_APPROVAL', approvalId, approvers }, facts };
  }

  /**
   * The ledger entries of the caps this action counts against, with their
   * limits as they stand now. A value that cannot be entered exactly (no
   * bound value, an amount or a limit beyond decimal precision, a limit fact
   * not found) refuses the action: a cap that cannot be kept must not be skipped.
   */
  async function ledgerEntriesFor(
    input: ActionRef,
    chain: readonly LineageRecord[],
    proposal: Proposal,
    facts: GroundedFacts,
  ): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for (const [name, cap] of Object.entries(spec.caps)) {
      if (cap.action !== proposal.action) continue;
      const amount = scaled(proposal.input[cap.sum]);
      const per = proposal.input[cap.per];
      let limitValue: unknown = cap.limit;
      if (typeof cap.limit === 'object') {
        const [factName = '', attribute = ''] = cap.limit.fact.split('.');
        const fact = facts[factName];
        limitValue = fact?.found ? fact.attributes[attribute] : undefined;
      }
      const limit = scaled(limitValue);
      if (
        amount === undefined ||
        limit === undefined ||
        (typeof per !== 'string' && typeof per !== 'number')
      ) {
        return refuseAndRecord(input, proposal, chain, 'cap', [
          `cap ${name} cannot be kept: ${cap.sum}, ${cap.per} or the limit has no exact value`,
        ]);
      }
      const perKey = await deps.keys.hash(`cap:${spec.id}:${name}:${String(per)}`);
      entries.push({ ledgerKey: `${spec.id}#${name}#${perKey}`, cap: name, amount, limit });
    }
    return entries;
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
    input: ActionRef,
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
    const key = subject.historyKey;
    if (key !== undefined && historyActions(spec).includes(proposal.action)) {
      await deps.runs.recordHistory(
        spec.id,
        key,
        proposal.action,
        deps.clock().toISOString(),
        historyValuesOf(spec, proposal.action, proposal.input),
      );
    }
    await writer.append(
      run.runId,
      {
        type: 'action.executed',
        ...envelopeOf(run),
        data: {
          iteration,
          proposalId: proposal.proposalId,
          action: proposal.action,
          input: proposal.input,
          connector: describeConnector(action.connector),
          result: observation.result,
          decision: clearance.decision,
          ...(clearance.approvalId ? { approvalId: clearance.approvalId } : {}),
          ...(clearance.approvers ? { approvers: [...clearance.approvers] } : {}),
        },
      },
      { knownHead: chain.at(-1) ?? null },
    );
  }

  /**
   * Schedules the follow-up the executed action declares, if any: due its
   * hours after the execution's recorded `action.executed`.
   */
  async function scheduleFollowUpOf(run: RunRef, proposal: Proposal, executionKey: string): Promise<void> {
    await scheduleFollowUp(
      spec,
      { runs: deps.runs, lineage: deps.lineage, scheduler: deps.scheduler, writer },
      {
        run,
        proposalId: proposal.proposalId,
        action: proposal.action,
        input: proposal.input,
        executionKey,
        // Only when the chain does not date the execution, which it does once recorded.
        executedAt: deps.clock(),
        policySetHash: decider.policySetHash,
      },
    );
  }

  /**
   * The answer for an execution already COMPLETED: nothing runs again. It ran
   * as proposed when it ran under this very proposal (an earlier attempt of
   * this step), not when another proposal's execution already had the effect.
   */
  async function alreadyDone(
    actInput: ActionRef,
    proposal: Proposal,
    chain: readonly LineageRecord[],
    subject: RunSubject,
    action: ActionSpec,
    record: IdempotencyRecord,
  ): Promise<ActedProposal> {
    const { observation: done, clearance: ranUnder } = record;
    if (!done || !ranUnder) {
      throw new AwfError(`execution "${record.key}" is COMPLETED but holds no observation or clearance`);
    }
    if (done.proposalId !== proposal.proposalId) {
      // The same intent proposed again (another iteration): it ran once, under the first
      // proposal, whose action.executed the model already observes. Nothing runs or is recorded.
      return {
        observation: { ...done, proposalId: proposal.proposalId, status: 'ALREADY_EXECUTED' },
        ranAsProposed: false,
      };
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
    await scheduleFollowUpOf(actInput.run, proposal, record.key);
    return { observation: { ...done, status: 'ALREADY_EXECUTED' }, ranAsProposed: true };
  }

  function inDoubt(key: string, proposal: Proposal, action: ActionSpec, record: IdempotencyRecord): never {
    throw new ExecutionInDoubtError(
      `execution "${key}" of ${proposal.action} was started at ${record.startedAt} and did not finish; its ${action.connector.type} connector cannot safely run twice`,
    );
  }

  /** Executes one proposal, the run's chain as read just before: see the module comment. */
  async function actOne(actInput: ActionRef, chain: readonly LineageRecord[]): Promise<ActedProposal> {
    const { run } = actInput;
    const proposal = await recordedProposal(chain, actInput, deps.recordKeys);
    const action = catalogueAction(spec, proposal.action);
    if (!action) return refuse(proposal, notInCatalogue(spec, proposal.action));
    const key = executionKeyFor(run.runId, proposal.action, proposal.input);
    const { subject, controls, existing: recorded } = await subjectOf(run, proposal.action, key);
    // Answered from the record before the policy re-check: nothing runs, and
    // the re-check would count this very execution against temporal limits.
    let existing = recorded;
    if (existing?.status === 'COMPLETED')
      return alreadyDone(actInput, proposal, chain, subject, action, existing);
    if (existing && !isIdempotentConnector(action.connector)) return inDoubt(key, proposal, action, existing);

    const { cleared, facts } = await clearanceFor(actInput, chain, subject, proposal, controls);
    // A grant whose revoke could not be scheduled must not run: the follow-up is checked before the effect.
    try {
      followUpPlanOf(spec, proposal.action, proposal.input, deps.clock());
    } catch (error) {
      if (error instanceof FollowUpPlanError) refuse(proposal, error.message);
      throw error;
    }
    if (existing === undefined) {
      // The claim and its ledger entries land together, or not at all.
      const claim = await deps.runs.claimExecution(
        key,
        deps.clock().toISOString(),
        await ledgerEntriesFor(actInput, chain, proposal, facts),
      );
      if (!claim.claimed && 'refused' in claim) {
        const { cap, total, amount, limit } = claim.refused;
        return refuseAndRecord(
          actInput,
          proposal,
          chain,
          'cap',
          [
            `cap ${cap} has no room: ${total / LEDGER_SCALE} entered, ${amount / LEDGER_SCALE} more would pass ${limit / LEDGER_SCALE}`,
          ],
          claim.refused,
        );
      }
      if (!claim.claimed) {
        // Another attempt claimed it between our read and our claim.
        existing = claim.record;
        if (existing.status === 'COMPLETED')
          return alreadyDone(actInput, proposal, chain, subject, action, existing);
        if (!isIdempotentConnector(action.connector)) return inDoubt(key, proposal, action, existing);
      }
    }

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
    await deps.runs.completeExecution(key, observation, cleared);
    await recordEvidence(actInput, proposal, chain, subject, action, observation, cleared);
    await scheduleFollowUpOf(run, proposal, key);
    return { observation, ranAsProposed: true };
  }

  return async ({ run, iteration, proposalIds }) => {
    const planChain = await deps.lineage.chain(run.runId);
    const acted: ActedProposal[] = [];
    // One at a time, in proposal order: each decides again on the chain and history the ones before it made.
    for (const [index, proposalId] of proposalIds.entries()) {
      const chain = index === 0 ? planChain : await deps.lineage.chain(run.runId);
      acted.push(await actOne({ run, iteration, proposalId }, chain));
    }
    return {
      observations: acted.map(({ observation }) => observation),
      finished: await finishStands(planChain, iteration, proposalIds, acted),
    };
  };

  /**
   * Whether the agent's finish stands: the iteration's plan, as Plan recorded
   * it (authenticated, never state data), finished together with its
   * proposals, and every one of them was executed here, as proposed. A
   * proposal left out (shadowed), or whose effect another proposal had already
   * had, sends the run back to the model.
   */
  async function finishStands(
    chain: readonly LineageRecord[],
    iteration: number,
    proposalIds: readonly string[],
    acted: readonly ActedProposal[],
  ): Promise<boolean> {
    if (!acted.every(({ ranAsProposed }) => ranAsProposed)) return false;
    const plan = recordsOfType(chain, 'actions.proposed').find(({ data }) => data.iteration === iteration);
    if (plan === undefined || plan.data.outcome !== 'PROPOSED' || plan.data.finish === undefined)
      return false;
    const executed = new Set(proposalIds);
    if (!plan.data.proposals.every(({ proposalId }) => executed.has(proposalId))) return false;
    // Only Plan's own record may end the run: a finish put in the table by anyone else is forged.
    await requireAuthentic(plan, deps.recordKeys);
    return true;
  }
}

/** The act step: see the module comment. */
export const actStep = defineStep({
  name: 'act',
  input: actInputSchema,
  ports: actNeeds,
  build(pack, ports) {
    return createAct(
      pack,
      ports,
      // What log-only policies would decide is Gate's evidence; Act records none of it.
      createDecider(pack, { logOnly: false }),
      lineageWriter('act', ports.lineage, ports.clock, ports.recordKeys),
    );
  },
  measure({ observations }, metrics) {
    const executed = observations.filter(({ status }) => status === 'EXECUTED').length;
    metrics.count('ActionsExecuted', executed);
    metrics.count('ActionsAlreadyExecuted', observations.length - executed);
  },
});
