/**
 * Scheduling a follow-up, as Act does once an action that declares one has
 * executed: record `followup.scheduled` in the run's chain, store the
 * follow-up item, create its one-time schedule, in that order.
 *
 * Each part is idempotent, so a retried Act (or one that finds the execution
 * already done) completes what a crashed attempt began and never schedules
 * twice: the follow-up id comes from the run and the execution key, the
 * record is appended only when the chain lacks it (and once recorded, its due
 * time and input are the ones kept), the item is put unless it exists, and
 * the schedule is created unless one of its name exists.
 */
import { AwfError } from '../errors.js';
import { asRecordOfType, recordsOfType } from '../lineage/read.js';
import type { LineageStore } from '../lineage/record.js';
import type { LineageWriter } from '../lineage/writer.js';
import type { RunsStore } from '../runs/records.js';
import type { RunRef } from '../steps/contracts.js';
import { catalogueAction } from '../workflow/catalogue.js';
import type { WorkflowSpec } from '../workflow/spec.js';
import { type FollowUpRecord, followUpIdFor, followUpPlanOf } from './follow-up.js';
import type { FollowUpScheduler } from './scheduler.js';

/** What scheduling a follow-up needs. */
export interface FollowUpSchedulingPorts {
  readonly runs: Pick<RunsStore, 'putFollowUp'>;
  readonly lineage: Pick<LineageStore, 'chain'>;
  readonly scheduler: FollowUpScheduler;
  /** Act's writer: `followup.scheduled` is Act's record. */
  readonly writer: LineageWriter;
}

/** The execution a follow-up is scheduled for. */
export interface ExecutedAction {
  readonly run: RunRef;
  readonly proposalId: string;
  readonly action: string;
  /** The executed input, as the action's schema parsed it. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The execution's idempotency key (`executionKeyFor`). */
  readonly executionKey: string;
  /**
   * When it executed, by awf's clock, should the chain not date it: the
   * follow-up is due its hours after the execution's `action.executed`.
   */
  readonly executedAt: Date;
  /** The policy set the execution ran under, for the record's versions. */
  readonly policySetHash: string;
}

/** What the follow-up step is invoked with when a follow-up's schedule fires. */
export function firingPayload(followUpId: string): Readonly<Record<string, unknown>> {
  return { kind: 'fire', followUpId };
}

/**
 * Schedules the follow-up of an executed action, when the spec declares one.
 *
 * @returns the follow-up as stored, or undefined when the action declares none.
 * @throws FollowUpPlanError when the executed input gives no valid follow-up.
 * @throws the stores' and the scheduler's errors unchanged, so the step is retried.
 */
export async function scheduleFollowUp(
  spec: WorkflowSpec,
  ports: FollowUpSchedulingPorts,
  executed: ExecutedAction,
): Promise<FollowUpRecord | undefined> {
  if (catalogueAction(spec, executed.action)?.followUp === undefined) return undefined;
  const { run } = executed;
  const chain = await ports.lineage.chain(run.runId);
  // Due its hours after the execution as its record dates it: a retry computes the same time.
  const record = recordsOfType(chain, 'action.executed').find(
    ({ data }) => data.proposalId === executed.proposalId,
  );
  const executedAt = record ? new Date(record.at) : executed.executedAt;
  const plan = followUpPlanOf(spec, executed.action, executed.input, executedAt);
  if (plan === undefined) return undefined;
  const followUpId = followUpIdFor(run.runId, executed.executionKey, plan.action);
  const recorded =
    recordsOfType(chain, 'followup.scheduled').find(({ data }) => data.followUpId === followUpId) ??
    asRecordOfType(
      await ports.writer.append(
        run.runId,
        {
          type: 'followup.scheduled',
          actor: 'awf:act',
          workflowId: run.workflowId,
          entityId: run.entityId,
          versions: { workflowVersion: run.workflowVersion, policySetHash: executed.policySetHash },
          data: {
            followUpId,
            action: plan.action,
            after: executed.action,
            proposalId: executed.proposalId,
            input: { ...plan.input },
            dueAt: plan.dueAt,
            scheduleName: followUpId,
          },
        },
        { knownHead: chain.at(-1) ?? null },
      ),
      'followup.scheduled',
    );
  if (recorded === undefined)
    throw new AwfError(`the followup.scheduled record of ${followUpId} was not appended`);
  // Once recorded, the record's due time and input are the follow-up's, whatever this attempt computed.
  const { data } = recorded;
  const followUp: FollowUpRecord = {
    followUpId,
    workflowId: run.workflowId,
    runId: run.runId,
    entityId: run.entityId,
    workflowVersion: run.workflowVersion,
    action: plan.action,
    after: { action: executed.action, proposalId: executed.proposalId, executionKey: executed.executionKey },
    input: data.input,
    dueAt: data.dueAt,
    scheduledAt: recorded.at,
    scheduleName: data.scheduleName,
    status: 'PENDING',
  };
  await ports.runs.putFollowUp(followUp);
  await ports.scheduler.create({
    name: followUp.scheduleName,
    dueAt: followUp.dueAt,
    payload: firingPayload(followUpId),
  });
  return followUp;
}
