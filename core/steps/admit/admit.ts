/**
 * Admit: the first step of a run. Checks the event against the workflow's
 * trigger, opens the run (once per event) and its lineage chain.
 *
 * Duplicates: the run id is derived from the event id, and the run is created
 * with a conditional write, so a second delivery of the event finds the run and
 * does nothing. A retry of the same execution (same execution id) is not a
 * duplicate: it finishes what the first attempt started. With a spec
 * `businessKey`, one business request starts one run however many events
 * carry it: the keyed hash of the key's values is claimed first, and an event
 * whose request another run holds is recorded as `event.duplicate` of it.
 *
 * Halted workflows: an event admitted while an operator halted the workflow
 * is still recorded as a run, and answered PARKED, so the execution waits for
 * resume (the park step) instead of planning anything.
 */

import { canonicalJson } from '../../canonical-json.js';
import { AwfError } from '../../errors.js';
import { runIdFor } from '../../ids.js';
import { type LineageWriter, lineageWriter } from '../../lineage/writer.js';
import { switchModeOf } from '../../policy/switch.js';
import type { Clock, KeyedHasher } from '../../ports.js';
import { readEventPath, redactDetailWithReport } from '../../redaction.js';
import type { RunRecord, RunsStore } from '../../runs/records.js';
import { storabilityProblems } from '../../storable.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import {
  type AdmitInput,
  type AdmitResult,
  admitInputSchema,
  type BusEvent,
  type RunRef,
} from '../contracts.js';
import { defineStep } from '../step-definition.js';

const ACTOR = 'awf:admit';

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
  // Checked first: a value no record can hold must end in a recorded rejection, not a failed write.
  const unstorable = storabilityProblems(event, 'event');
  if (unstorable.length > 0) {
    return { problems: [...problems, ...unstorable], entityId: readEntityId(spec, event).entityId };
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
  for (const path of spec.businessKey?.paths ?? []) {
    const value = readEventPath(event, path);
    // Events without a key value would all be one request: each must carry it.
    if (value === undefined || value === null || value === '') {
      problems.push(
        `${path}: expected a value of the business key, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
      );
    }
  }
  return { problems, detail, entityId: entity.entityId };
}

function refOf(run: RunRecord): RunRef {
  return {
    runId: run.runId,
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    entityId: run.entityId,
    eventId: run.eventId,
    startedAt: run.startedAt,
    maxIterations: run.maxIterations,
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
async function admit(
  input: AdmitInput,
  spec: WorkflowSpec,
  { runs, keys, clock }: { readonly runs: RunsStore; readonly keys: KeyedHasher; readonly clock: Clock },
  lineage: LineageWriter,
): Promise<AdmitResult> {
  const { event, executionId } = input;
  const runId = runIdFor(spec.id, event.id);
  const { problems, detail, entityId } = validate(spec, event);

  if (problems.length > 0 || detail === undefined || entityId === undefined) {
    await lineage.appendFirst(runId, {
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

  if (spec.businessKey !== undefined) {
    // One business request, one run: a second event carrying the same request
    // (another EventBridge id, a resend) is recorded as its duplicate.
    const keyHash = await keys.hash(
      `request:${canonicalJson(spec.businessKey.paths.map((path) => readEventPath(event, path) ?? null))}`,
    );
    const claim = await runs.claimBusinessKey(spec.id, keyHash, runId, startedAt);
    if (!claim.claimed) {
      await lineage.appendFirst(runId, {
        type: 'event.duplicate',
        actor: ACTOR,
        workflowId: spec.id,
        entityId,
        versions: { workflowVersion: spec.version },
        data: {
          eventId: event.id,
          source: event.source,
          detailType: event['detail-type'],
          executionId,
          duplicateOf: claim.runId,
          businessKeyPaths: [...spec.businessKey.paths],
        },
      });
      return { outcome: 'DUPLICATE', runId: claim.runId };
    }
  }

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

  await lineage.appendFirst(runId, {
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
  // Halted: the run is recorded, and waits for resume before it grounds anything (core/runs/parked.ts).
  const halted = switchModeOf(spec.id, await runs.getSwitch(spec.id)) === 'halt';
  return { outcome: halted ? 'PARKED' : 'ADMITTED', run: refOf(run), iteration: 0 };
}

/** The metric each admission outcome counts. */
const ADMISSION_METRICS = {
  ADMITTED: 'EventsAdmitted',
  PARKED: 'EventsParked',
  DUPLICATE: 'DuplicateEvents',
  REJECTED: 'EventsRejected',
} as const;

/** The admit step: see {@link admit}. */
export const admitStep = defineStep({
  name: 'admit',
  input: admitInputSchema,
  ports: { runs: { writes: ['run', 'request'] }, lineage: 'append', keys: 'mac', recordKeys: 'sign' },
  build(pack, ports) {
    const writer = lineageWriter('admit', ports.lineage, ports.clock, ports.recordKeys);
    return (input: AdmitInput) => admit(input, pack.spec, ports, writer);
  },
  measure(result, metrics) {
    metrics.count(ADMISSION_METRICS[result.outcome]);
  },
});
