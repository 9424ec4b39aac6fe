/**
 * A run's lineage as OpenLineage RunEvents, validated against the OpenLineage
 * core spec (test/fixtures/openlineage/OpenLineage.json, vendored; see its README).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  AWF_RUN_FACETS,
  OPENLINEAGE_RUN_EVENT_SCHEMA_URL,
  openLineageRunId,
  runEventsOf,
} from '../../../core/lineage/openlineage.js';
import type { LineageRecord, LineageRecordType } from '../../../core/lineage/record.js';
import { PROJECT_ROOT } from '../../../local/process/synth.js';
import { aRecordData, aValidChain } from '../../support/lineage-builders.js';

const schema = JSON.parse(
  readFileSync(join(PROJECT_ROOT, 'test/fixtures/openlineage/OpenLineage.json'), 'utf8'),
) as Record<string, unknown>;
// strict: false: the spec annotates fields with `example`, a keyword JSON Schema does not define.
const ajv = new Ajv2020.default({ strict: false, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

const PRODUCER = 'urn:awf:test';

function run(
  types: readonly LineageRecordType[],
  data: Partial<Record<LineageRecordType, object>> = {},
): LineageRecord[] {
  return aValidChain('run-ol-1', types, (seq) => ({
    ...aRecordData(types[seq] as LineageRecordType),
    ...data[types[seq] as LineageRecordType],
  })).map((record) =>
    record.type === 'model.invoked'
      ? {
          ...record,
          versions: { workflowVersion: '1.0.0', modelId: 'anthropic.claude-haiku', promptHash: 'ph-1' },
          usage: { inputTokens: 120, outputTokens: 30, costUsd: 0.0004 },
        }
      : record.type === 'policy.evaluated' || record.type === 'action.executed'
        ? { ...record, versions: { workflowVersion: '1.0.0', policySetHash: 'psh-1' } }
        : record.type === 'approval.decided'
          ? { ...record, actor: 'human:alice@acme.example' }
          : record,
  );
}

const APPROVED_RUN: LineageRecordType[] = [
  'run.started',
  'context.grounded',
  'model.invoked',
  'actions.proposed',
  'policy.evaluated',
  'approval.requested',
  'approval.decided',
  'action.executed',
  'run.completed',
];

function expectValid(event: unknown): void {
  const ok = validate(event);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

describe('OpenLineage export', () => {
  it('turns an approved, completed run into a START and a COMPLETE RunEvent that the OpenLineage spec validates', () => {
    const events = runEventsOf(run(APPROVED_RUN), { producer: PRODUCER });

    expect(events.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    for (const event of events) {
      expectValid(event);
      expect(event.schemaURL).toBe(OPENLINEAGE_RUN_EVENT_SCHEMA_URL);
      expect(event.job).toEqual({ namespace: 'awf', name: 'refund-triage' });
      expect(event.run.runId).toBe(openLineageRunId('run-ol-1'));
      for (const facet of Object.values(event.run.facets)) {
        expect(facet._producer).toBe(PRODUCER);
        expect(facet._schemaURL).toMatch(/^urn:awf:openlineage:facet:Awf\w*RunFacet:1-0-0$/);
      }
    }
  });

  it('carries the agent, the policy decision, the approvals and the release on the terminal event', () => {
    const [, complete] = runEventsOf(run(APPROVED_RUN), { producer: PRODUCER });
    const facets = complete?.run.facets ?? {};

    expect(Object.keys(facets).sort()).toEqual([...AWF_RUN_FACETS].sort());
    expect(facets.awf_agent).toMatchObject({
      modelIds: ['anthropic.claude-haiku'],
      promptHashes: ['ph-1'],
      modelCalls: 1,
      inputTokens: 120,
      outputTokens: 30,
      costUsd: 0.0004,
    });
    expect(facets.awf_policy).toMatchObject({
      policySetHashes: ['psh-1'],
      decisions: [expect.objectContaining({ outcome: expect.any(String), policyIds: expect.any(Array) })],
    });
    expect(facets.awf_approvals).toMatchObject({
      approvals: [expect.objectContaining({ principal: 'alice@acme.example', decision: 'APPROVED' })],
    });
    expect(facets.awf_release).toMatchObject({ workflowId: 'refund-triage', workflowVersion: '1.0.0' });
    expect(facets.awf_run).toMatchObject({
      awfRunId: 'run-ol-1',
      status: 'COMPLETED',
      lineage: { records: 9, headSeq: 8 },
    });
  });

  it("names the executed actions' connector targets as output datasets", () => {
    const chain = run(APPROVED_RUN, {
      'action.executed': { connector: { type: 'dynamodb', tableName: 'acme-refunds' } },
    });
    const [, complete] = runEventsOf(chain, { producer: PRODUCER });

    expect(complete?.outputs).toEqual([{ namespace: 'awf:dynamodb', name: 'acme-refunds' }]);
    expectValid(complete);
  });

  it.each([
    ['FAILED', 'FAIL'],
    ['ESCALATED', 'ABORT'],
    ['REJECTED', 'ABORT'],
  ])('ends a run escalated as %s with %s', (status, eventType) => {
    const events = runEventsOf(run(['run.started', 'run.escalated'], { 'run.escalated': { status } }), {
      producer: PRODUCER,
    });

    expect(events.map((e) => e.eventType)).toEqual(['START', eventType]);
    for (const event of events) expectValid(event);
  });

  it('gives a run that has not ended a START only, and an empty chain nothing', () => {
    expect(
      runEventsOf(run(['run.started', 'context.grounded']), { producer: PRODUCER }).map((e) => e.eventType),
    ).toEqual(['START']);
    expect(runEventsOf([], { producer: PRODUCER })).toEqual([]);
  });

  it('fails the schema when a facet lacks _producer (the validator is not a placebo)', () => {
    const [start] = runEventsOf(run(['run.started']), { producer: PRODUCER });
    const { _producer: _dropped, ...facet } = start?.run.facets.awf_run ?? { _producer: '', _schemaURL: '' };

    expect(validate({ ...start, run: { ...start?.run, facets: { awf_run: facet } } })).toBe(false);
  });

  it('names a run by the same UUID in every export', () => {
    expect(openLineageRunId('run-a')).toBe(openLineageRunId('run-a'));
    expect(openLineageRunId('run-a')).not.toBe(openLineageRunId('run-b'));
    expect(openLineageRunId('run-a')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
