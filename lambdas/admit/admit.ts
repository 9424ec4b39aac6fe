/**
 * Admit: the first step of a run. Checks the event against the workflow's
 * trigger, opens the run (once per event) and its lineage chain.
 *
 * Duplicates: the run id is derived from the event id, and the run is created
 * with a conditional write, so a second delivery of the event finds the run and
 * does nothing. A retry of the same execution (same execution id) is not a
 * duplicate: it finishes what the first attempt started.
 */
import { z } from 'zod';
import { AwfError } from '../../core/errors.js';
import { runIdFor } from '../../core/ids.js';
import { appendFirstLineage } from '../../core/lineage/chain.js';
import type { LineageStore } from '../../core/lineage/record.js';
import type { Clock } from '../../core/ports.js';
import { readEventPath, redactDetailWithReport } from '../../core/redaction.js';
import type { AdmitInput, AdmitResult, BusEvent, RunRef } from '../../core/run/contracts.js';
import { carriedHistoryKey } from '../../core/run/history-key.js';
import type { RunRecord, RunsStore } from '../../core/runs/records.js';
import type { WorkflowSpec } from '../../core/workflow/spec.js';

const ACTOR = 'awf:admit';

/** Admit's input as the state machine builds it: the whole event and the execution id. */
export const admitInputSchema = z.object({
  event: z.looseObject({
    version: z.string().optional(),
    id: z.string().min(1),
    'detail-type': z.string(),
    source: z.string(),
    account: z.string().optional(),
    time: z.string(),
    region: z.string().optional(),
    resources: z.array(z.string()).optional(),
    detail: z.unknown(),
  }),
  executionId: z.string().min(1),
}) satisfies z.ZodType<AdmitInput>;

/** What Admit works with. */
export interface AdmitDependencies {
  readonly spec: WorkflowSpec;
  readonly runs: RunsStore;
  readonly lineage: LineageStore;
  readonly clock: Clock;
}

function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    prefix,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entity id at the spec's entity key, or a problem naming the path and what was found. */
function readEntityId(spec: WorkflowSpec, event: BusEvent): { entityId?: string; problem?: string } {
  const value = readEventPath(event, spec.entityKey);
  if (typeof value === 'string' && value.length > 0) return { entityId: value };
  if (typeof value === 'number' && Number.isFinite(value)) return { entityId: String(value) };
  const found = value === undefined ? 'nothing' : JSON.stringify(value);
  return {
    problem: `${spec.entityKey}: expected the entity id (a non-empty string or a number), got ${found}`,
  };
}

interface Validation {
  readonly problems: string[];
  readonly detail?: Record<string, unknown>;
  readonly entityId?: string;
}

function validate(spec: WorkflowSpec, event: BusEvent): Validation {
  const problems: string[] = [];
  if (event.source !== spec.trigger.source) {
    problems.push(`source: expected "${spec.trigger.source}", got "${event.source}"`);
  }
  if (event['detail-type'] !== spec.trigger.detailType) {
    problems.push(`detail-type: expected "${spec.trigger.detailType}", got "${event['detail-type']}"`);
  }
  const parsed = spec.trigger.detail.safeParse(event.detail);
  let detail: Record<string, unknown> | undefined;
  if (!parsed.success) {
    problems.push(
      ...parsed.error.issues.map((issue) => `${formatPath('detail', issue.path)}: ${issue.message}`),
    );
  } else if (!isRecord(parsed.data)) {
    problems.push('detail: expected an object');
  } else {
    detail = parsed.data;
  }
  const entity = readEntityId(spec, event);
  if (entity.problem !== undefined) problems.push(entity.problem);
  return { problems, detail, entityId: entity.entityId };
}

function refOf(spec: WorkflowSpec, run: RunRecord): RunRef {
  const historyKey = carriedHistoryKey(spec, run.event);
  return {
    runId: run.runId,
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    entityId: run.entityId,
    eventId: run.eventId,
    startedAt: run.startedAt,
    maxIterations: run.maxIterations,
    ...(historyKey === undefined ? {} : { historyKey }),
  };
}

/**
 * Admits an event: REJECTED (with `event.rejected` in the lineage, once per
 * event) when it does not match the trigger, DUPLICATE when another execution
 * already admitted it, else ADMITTED with a new RUNNING run and `run.started`.
 *
 * Only the redacted detail and the list of redacted fields reach the lineage;
 * the full event stays in the runs table.
 */
export async function admit(input: AdmitInput, deps: AdmitDependencies): Promise<AdmitResult> {
  const { spec, runs, lineage, clock } = deps;
  const { event, executionId } = input;
  const runId = runIdFor(spec.id, event.id);
  const { problems, detail, entityId } = validate(spec, event);

  if (problems.length > 0 || detail === undefined || entityId === undefined) {
    await appendFirstLineage(lineage, clock, runId, {
      type: 'event.rejected',
      actor: ACTOR,
      workflowId: spec.id,
      // Lineage is indexed by entity; an event without a usable one is filed under "unknown".
      entityId: entityId ?? 'unknown',
      versions: { workflowVersion: spec.version },
      data: {
        eventId: event.id,
        source: event.source,
        detailType: event['detail-type'],
        executionId,
        problems,
      },
    });
    return { outcome: 'REJECTED', runId, problems };
  }

  const startedAt = clock().toISOString();
  const redaction = redactDetailWithReport(spec, detail);
  const candidate: RunRecord = {
    runId,
    workflowId: spec.id,
    workflowVersion: spec.version,
    entityId,
    eventId: event.id,
    startedAt,
    maxIterations: spec.agent.maxIterations,
    status: 'RUNNING',
    executionId,
    event,
    redactedDetail: redaction.detail,
    updatedAt: startedAt,
  };

  let run = candidate;
  if (!(await runs.createRun(candidate))) {
    const existing = await runs.getRun(runId);
    if (existing === undefined) {
      throw new AwfError(`run ${runId} was refused as a duplicate, yet cannot be read back; retry the step`);
    }
    if (existing.executionId !== executionId) return { outcome: 'DUPLICATE', runId };
    // The same execution retried after creating the run: finish the admission with what was stored.
    run = existing;
  }

  await appendFirstLineage(lineage, clock, runId, {
    type: 'run.started',
    actor: ACTOR,
    workflowId: run.workflowId,
    entityId: run.entityId,
    versions: { workflowVersion: run.workflowVersion },
    data: {
      eventId: event.id,
      source: event.source,
      detailType: event['detail-type'],
      eventTime: event.time,
      executionId,
      redactedDetail: run.redactedDetail,
      redactedFields: redaction.redacted,
    },
  });
  return { outcome: 'ADMITTED', run: refOf(spec, run), iteration: 0 };
}
