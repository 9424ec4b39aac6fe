/**
 * Firing a follow-up: what the follow-up step does when the follow-up's
 * schedule invokes it.
 *
 * A follow-up only takes back what its action granted (the spec admits only
 * reducing follow-ups), so it runs without a policy evaluation and even while
 * the workflow is halted: a halt stops new effects, never the end of an old
 * grant. What runs is what the lineage says, not the item: the run's
 * authentic `followup.scheduled` (MACed by Act) gives the action and input,
 * and the item (state) must agree with it.
 *
 * In order: a follow-up cancelled (its item, or an authentic
 * `followup.cancelled` in the chain) records nothing and ends; one not yet
 * due is refused (only its schedule fires it, at its time); otherwise its
 * execution is claimed as Act claims one (exactly once: a completed claim
 * runs nothing again), the action's connector runs, `followup.executed` is
 * recorded in the run's chain with the switch mode it ran under, and the
 * item is marked DONE. Every part is idempotent, so the scheduler's retries
 * complete what a failed attempt began.
 */
import { AwfError, GovernanceViolationError } from '../errors.js';
import { executionKeyFor } from '../ids.js';
import { recordsOfType } from '../lineage/read.js';
import type { LineageRecord, LineageStore } from '../lineage/record.js';
import { type RecordKeys, requireAuthentic } from '../lineage/record-keys.js';
import type { LineageWriter } from '../lineage/writer.js';
import { switchModeOf } from '../policy/switch.js';
import type { RunsStore } from '../runs/records.js';
import { type ConnectorPorts, describeConnector, runConnector } from '../steps/act/connectors.js';
import type { Observation } from '../steps/contracts.js';
import { catalogueAction } from '../workflow/catalogue.js';
import type { WorkflowSpec } from '../workflow/spec.js';
import { FollowUpNotDueError, FollowUpNotFoundError } from './errors.js';
import type { FollowUpRecord } from './follow-up.js';

/** What firing a follow-up needs. */
export interface FollowUpFiringPorts extends ConnectorPorts {
  readonly runs: Pick<
    RunsStore,
    | 'getFollowUp'
    | 'getExecution'
    | 'claimUncappedExecution'
    | 'completeExecution'
    | 'endFollowUp'
    | 'getSwitch'
  >;
  readonly lineage: Pick<LineageStore, 'chain'>;
  readonly recordKeys: Pick<RecordKeys, 'verify'>;
  /** The follow-up step's writer: `followup.executed` is its record. */
  readonly writer: LineageWriter;
  readonly clock: () => Date;
}

/** How a firing ended. */
export interface FollowUpFired {
  readonly followUpId: string;
  /** EXECUTED now, ALREADY_EXECUTED by an earlier attempt, or CANCELLED (nothing ran). */
  readonly status: 'EXECUTED' | 'ALREADY_EXECUTED' | 'CANCELLED';
  readonly action: string;
  readonly result?: Readonly<Record<string, unknown>>;
}

/** The idempotency key of a follow-up's execution: its own, apart from any proposal of the same input. */
export function followUpExecutionKey(
  followUp: Pick<FollowUpRecord, 'runId' | 'followUpId' | 'action'>,
): string {
  return executionKeyFor(followUp.runId, followUp.action, { followUpId: followUp.followUpId });
}

/**
 * The authentic `followup.scheduled` of a follow-up, checked against the item.
 * @throws GovernanceViolationError when the chain does not hold it, or it disagrees with the item.
 * @throws ForgedLineageRecordError when the record was not made by Act.
 */
async function scheduledRecord(
  chain: readonly LineageRecord[],
  followUp: FollowUpRecord,
  keys: Pick<RecordKeys, 'verify'>,
) {
  const record = recordsOfType(chain, 'followup.scheduled').find(
    ({ data }) => data.followUpId === followUp.followUpId,
  );
  if (record === undefined) {
    throw new GovernanceViolationError(
      `refusing to run follow-up ${followUp.followUpId}: run ${followUp.runId}'s lineage holds no followup.scheduled of it`,
    );
  }
  await requireAuthentic(record, keys);
  if (record.data.action !== followUp.action || record.data.dueAt !== followUp.dueAt) {
    throw new GovernanceViolationError(
      `refusing to run follow-up ${followUp.followUpId}: its item says ${followUp.action} due ${followUp.dueAt}, the lineage ${record.data.action} due ${record.data.dueAt}`,
    );
  }
  return record;
}

/** Whether the chain holds an authentic `followup.cancelled` of the follow-up. */
async function cancelledInLineage(
  chain: readonly LineageRecord[],
  followUpId: string,
  keys: Pick<RecordKeys, 'verify'>,
): Promise<boolean> {
  for (const record of recordsOfType(chain, 'followup.cancelled')) {
    if (record.data.followUpId !== followUpId) continue;
    await requireAuthentic(record, keys);
    return true;
  }
  return false;
}

/**
 * Fires one follow-up of `spec`'s workflow (see the module comment).
 *
 * @throws FollowUpNotFoundError when no follow-up of that id is this workflow's.
 * @throws FollowUpNotDueError when it is not due yet.
 * @throws GovernanceViolationError when the lineage does not back it, or its
 *   action is not a reducing action of the catalogue (the spec changed).
 * @throws the connector's and stores' errors unchanged, so the schedule retries.
 */
export async function fireFollowUp(
  spec: WorkflowSpec,
  ports: FollowUpFiringPorts,
  followUpId: string,
): Promise<FollowUpFired> {
  const followUp = await ports.runs.getFollowUp(followUpId);
  if (followUp === undefined || followUp.workflowId !== spec.id) {
    throw new FollowUpNotFoundError(`follow-up ${followUpId} is not one of workflow ${spec.id}'s`);
  }
  const cancelled: FollowUpFired = { followUpId, status: 'CANCELLED', action: followUp.action };
  if (followUp.status === 'CANCELLED') return cancelled;
  const chain = await ports.lineage.chain(followUp.runId);
  if (await cancelledInLineage(chain, followUpId, ports.recordKeys)) return cancelled;

  const now = ports.clock();
  if (now.getTime() < Date.parse(followUp.dueAt)) {
    throw new FollowUpNotDueError(
      `follow-up ${followUpId} is due at ${followUp.dueAt}, not at ${now.toISOString()}: only its schedule fires it`,
    );
  }
  const scheduled = await scheduledRecord(chain, followUp, ports.recordKeys);
  const action = catalogueAction(spec, followUp.action);
  if (action?.reduces !== scheduled.data.after) {
    throw new GovernanceViolationError(
      `refusing to run follow-up ${followUpId}: ${followUp.action} is not an action of ${spec.id} that reduces ${scheduled.data.after}`,
    );
  }
  const parsed = action.input.safeParse(scheduled.data.input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
    throw new GovernanceViolationError(
      `refusing to run follow-up ${followUpId}: its input fails ${followUp.action}'s schema (${issues.join('; ')})`,
    );
  }
  const input = parsed.data as Record<string, unknown>;

  const key = followUpExecutionKey(followUp);
  const existing = (await ports.runs.getExecution(key)) ?? undefined;
  let observation: Observation | undefined =
    existing?.status === 'COMPLETED' ? existing.observation : undefined;
  const already = observation !== undefined;
  if (observation === undefined) {
    if (existing === undefined) {
      const claim = await ports.runs.claimUncappedExecution(key, now.toISOString());
      if (!claim.claimed && 'record' in claim && claim.record.status === 'COMPLETED') {
        observation = claim.record.observation;
      }
    }
    // Connectors are idempotent on their own: an IN_PROGRESS claim of a crashed attempt runs again.
    if (observation === undefined) {
      const result = await runConnector(
        action.connector,
        { workflowId: spec.id, runId: followUp.runId, proposalId: followUpId, idempotencyKey: key, input },
        ports,
      );
      observation = { proposalId: followUpId, action: followUp.action, status: 'EXECUTED', result };
      // A reducing follow-up is allowed by the spec itself: no policy decides it.
      await ports.runs.completeExecution(key, observation, { decision: 'ALLOW' });
    }
  }
  if (observation === undefined)
    throw new AwfError(`execution "${key}" is COMPLETED but holds no observation`);

  const recorded = recordsOfType(chain, 'followup.executed').some(
    ({ data }) => data.followUpId === followUpId,
  );
  if (!recorded) {
    const switchMode = switchModeOf(spec.id, await ports.runs.getSwitch(spec.id));
    await ports.writer.append(
      followUp.runId,
      {
        type: 'followup.executed',
        actor: 'awf:follow-up',
        workflowId: spec.id,
        entityId: followUp.entityId,
        versions: { workflowVersion: spec.version },
        data: {
          followUpId,
          action: followUp.action,
          input,
          connector: describeConnector(action.connector),
          result: observation.result,
          dueAt: followUp.dueAt,
          switchMode,
        },
      },
      { knownHead: chain.at(-1) ?? null },
    );
  }
  await ports.runs.endFollowUp(followUpId, { status: 'DONE', at: ports.clock().toISOString() });
  return {
    followUpId,
    status: already ? 'ALREADY_EXECUTED' : 'EXECUTED',
    action: followUp.action,
    result: observation.result,
  };
}
