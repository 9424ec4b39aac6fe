/**
 * The log-only report: counts, changes by kind and examples per log-only
 * policy, read from `policy.evaluated` records only.
 */
import { MalformedLineageRecordError } from '../../../core/lineage/errors.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import type { LogOnlyEvaluation } from '../../../core/policy/log-only.js';
import { logOnlyReport } from '../../../core/policy/log-only-report.js';
import type { GateDecision } from '../../../core/steps/contracts.js';
import { aLineageDraft, aRecordData } from '../../support/lineage-builders.js';

let seq = 0;

/** A stored `policy.evaluated` record of refund-triage (chain fields filled in, not hashed). */
function anEvaluation(
  runId: string,
  at: string,
  decision: GateDecision,
  logOnly?: LogOnlyEvaluation[],
  workflowId = 'refund-triage',
): LineageRecord {
  const draft = aLineageDraft({
    type: 'policy.evaluated',
    actor: 'awf:gate',
    workflowId,
    versions: { workflowVersion: '1.0.0', policySetHash: 'h'.repeat(64) },
    data: aRecordData('policy.evaluated', {
      proposalId: `${runId}-p`,
      decision,
      policyDecision: decision,
      ...(logOnly && { logOnly }),
    }),
  });
  return {
    ...draft,
    chainId: runId,
    seq: seq++,
    at,
    entityKey: `${workflowId}#${draft.entityId}`,
    prevHash: '0'.repeat(64),
    hash: 'x'.repeat(64),
  };
}

const FORBID = 'refund-over-40-forbidden';
const would = (wouldDecide: GateDecision, changed: boolean, satisfied = changed): LogOnlyEvaluation => ({
  policyId: FORBID,
  wouldDecide,
  changed,
  satisfied,
});

describe('logOnlyReport', () => {
  it('counts per policy the decisions evaluated, held and changed, by kind, with the newest examples first', () => {
    const records = [
      anEvaluation('run-1', '2026-11-02T10:00:00.000Z', 'ALLOW', [would('DENY', true)]),
      anEvaluation('run-2', '2026-11-02T11:00:00.000Z', 'ALLOW', [would('ALLOW', false)]),
      anEvaluation('run-3', '2026-11-02T12:00:00.000Z', 'REQUIRE_APPROVAL', [would('DENY', true)]),
      anEvaluation('run-4', '2026-11-02T13:00:00.000Z', 'ALLOW', [would('DENY', true)]),
      anEvaluation('run-5', '2026-11-02T14:00:00.000Z', 'ALLOW', [would('DENY', true)]),
      anEvaluation('run-6', '2026-11-02T15:00:00.000Z', 'DENY'),
    ];
    // Order of reading does not matter: the report sorts by time.
    const report = logOnlyReport([...records].reverse());
    expect(report.decisions).toBe(6);
    expect(report.policies).toHaveLength(1);
    const [policy] = report.policies;
    expect(policy).toMatchObject({
      workflowId: 'refund-triage',
      policyId: FORBID,
      evaluated: 5,
      satisfied: 4,
      changed: 4,
      changes: [
        { from: 'ALLOW', to: 'DENY', count: 3 },
        { from: 'REQUIRE_APPROVAL', to: 'DENY', count: 1 },
      ],
      errors: 0,
      policySetHashes: ['h'.repeat(64)],
      firstAt: '2026-11-02T10:00:00.000Z',
      lastAt: '2026-11-02T14:00:00.000Z',
    });
    expect(policy?.examples).toEqual([
      {
        runId: 'run-5',
        proposalId: 'run-5-p',
        action: 'issueRefund',
        decision: 'ALLOW',
        wouldDecide: 'DENY',
        at: '2026-11-02T14:00:00.000Z',
      },
      expect.objectContaining({ runId: 'run-4' }),
      expect.objectContaining({ runId: 'run-3', decision: 'REQUIRE_APPROVAL' }),
    ]);
  });

  it('counts only decisions at or after --since', () => {
    const report = logOnlyReport(
      [
        anEvaluation('run-1', '2026-11-01T23:59:59.999Z', 'ALLOW', [would('DENY', true)]),
        anEvaluation('run-2', '2026-11-02T00:00:00.000Z', 'ALLOW', [would('DENY', true)]),
      ],
      { since: '2026-11-02T00:00:00.000Z' },
    );
    expect(report).toMatchObject({ since: '2026-11-02T00:00:00.000Z', decisions: 1 });
    expect(report.policies[0]?.examples.map((e) => e.runId)).toEqual(['run-2']);
  });

  it('keeps policies of different workflows apart, and names the error behind a would-be DENY', () => {
    const report = logOnlyReport([
      anEvaluation('run-1', '2026-11-02T10:00:00.000Z', 'ALLOW', [
        { policyId: 'p', wouldDecide: 'DENY', changed: true, errors: ['policy "p": overflow'] },
      ]),
      anEvaluation(
        'run-2',
        '2026-11-02T10:00:00.000Z',
        'ALLOW',
        [{ policyId: 'p', wouldDecide: 'ALLOW', changed: false, satisfied: false }],
        'ticket-triage',
      ),
    ]);
    expect(report.policies.map((p) => [p.workflowId, p.policyId, p.evaluated, p.errors, p.changed])).toEqual([
      ['refund-triage', 'p', 1, 1, 1],
      ['ticket-triage', 'p', 1, 0, 0],
    ]);
    expect(report.policies[0]?.examples[0]?.error).toBe('policy "p": overflow');
  });

  it('is empty of policies when no decision had a log-only policy, and ignores other record types', () => {
    const other = {
      ...anEvaluation('run-1', '2026-11-02T10:00:00.000Z', 'ALLOW'),
      type: 'run.started' as const,
    };
    const report = logOnlyReport([other, anEvaluation('run-2', '2026-11-02T10:00:00.000Z', 'ALLOW')]);
    expect(report).toEqual({ decisions: 1, policies: [] });
  });

  it('fails on a damaged policy.evaluated record instead of reading it as no change', () => {
    const record = anEvaluation('run-1', '2026-11-02T10:00:00.000Z', 'ALLOW', [would('DENY', true)]);
    const damaged = { ...record, data: { ...record.data, logOnly: [{ policyId: FORBID, changed: 'yes' }] } };
    expect(() => logOnlyReport([damaged])).toThrow(MalformedLineageRecordError);
  });
});
