/**
 * A lineage item is the record plus what the table needs (its expiry, the
 * sparse index keys), all outside the record's hash and stripped on read.
 */
import { computeRecordHash } from '../../../core/lineage/chain.js';
import { decisionKindOf } from '../../../core/lineage/decision-kind.js';
import { LINEAGE_RECORD_TYPES, type LineageRecord } from '../../../core/lineage/record.js';
import {
  LINEAGE_TTL_MIN_MARGIN_DAYS,
  lineageExpiresAt,
  lineageExpiryOf,
  lineageIndexesOf,
  lineageItemOf,
  lineageRecordOf,
} from '../../../core/storage/lineage-item.js';
import { aRecordData, aValidChain } from '../../support/lineage-builders.js';
import { loadReferencePack } from '../../support/packs.js';

const DAY = 86_400;

describe('decisionKindOf', () => {
  it.each([
    ['policy.evaluated', { decision: 'DENY' }, 'denial'],
    ['policy.evaluated', { decision: 'ALLOW' }, undefined],
    ['policy.evaluated', { decision: 'REQUIRE_APPROVAL' }, undefined],
    ['action.refused', {}, 'denial'],
    ['approval.refused', {}, 'denial'],
    ['approval.decided', { decision: 'APPROVED' }, 'approval'],
    ['approval.decided', { decision: 'REJECTED' }, 'override'],
    ['run.escalated', {}, 'escalation'],
    ['approval.expired', {}, 'escalation'],
    ['run.started', {}, undefined],
    ['action.executed', { decision: 'ALLOW' }, undefined],
    ['run.completed', {}, undefined],
  ])('calls %s with %j a %s', (type, data, kind) => {
    expect(decisionKindOf({ type, data })).toBe(kind);
  });
});

describe('lineageExpiryOf', () => {
  it('keeps records the retention plus at least 30 days, more when a run may last longer', async () => {
    const { spec } = (await loadReferencePack()).pack;
    const expiry = lineageExpiryOf(spec);
    expect(expiry.retentionDays).toBe(spec.data.retentionDays);
    expect(expiry.marginDays).toBeGreaterThanOrEqual(LINEAGE_TTL_MIN_MARGIN_DAYS);
    const long = lineageExpiryOf({
      ...spec,
      agent: { ...spec.agent, maxIterations: 10 },
      approvals: { ...spec.approvals, timeout: '7d' },
    });
    // Ten iterations of a 7-day approval: the run may outlast the 30-day margin.
    expect(long.marginDays).toBeGreaterThan(70);
  });

  it('expires a record at its at + retention + margin, in epoch seconds', () => {
    expect(lineageExpiresAt('2026-11-02T00:00:00.000Z', { retentionDays: 90, marginDays: 30 })).toBe(
      Date.parse('2026-11-02T00:00:00.000Z') / 1000 + 120 * DAY,
    );
  });

  it('fails on an at that is not a time, naming it', () => {
    expect(() => lineageExpiresAt('yesterday', { retentionDays: 1, marginDays: 30 })).toThrow(
      `a lineage record's "at" must be an ISO-8601 time, got "yesterday"`,
    );
  });
});

describe('lineageItemOf', () => {
  const [opening, grounded] = aValidChain('run-item-1', ['run.started', 'context.grounded']);

  it('adds the expiry and, on a chain opening record, the entity key of the runs index', () => {
    const item = lineageItemOf(opening as never, { retentionDays: 90, marginDays: 30 });
    expect(item).toMatchObject({ expiresAt: expect.any(Number), runEntityKey: opening?.entityKey });
    expect(item.decisionKind).toBeUndefined();
    expect(lineageItemOf(grounded as never).runEntityKey).toBeUndefined();
  });

  it('leaves the record hashing as written once the item is read back', () => {
    const item = lineageItemOf(opening as never, { retentionDays: 90, marginDays: 30 });
    const record = lineageRecordOf(item);
    expect(record).toEqual(opening);
    expect(computeRecordHash(record as never)).toBe(opening?.hash);
  });

  it('costs at most three writes for every record type, decision and position (table + byWorkflow + one sparse index)', () => {
    for (const type of LINEAGE_RECORD_TYPES) {
      for (const decision of [undefined, 'ALLOW', 'DENY', 'REQUIRE_APPROVAL', 'APPROVED', 'REJECTED']) {
        for (const seq of [0, 7]) {
          const data = { ...aRecordData(type), ...(decision !== undefined && { decision }) };
          const item = lineageItemOf({ ...(grounded as LineageRecord), type, data, seq });
          const writes = 1 + lineageIndexesOf(item).length;
          expect({ type, decision, seq, writes: writes <= 3 }).toEqual({ type, decision, seq, writes: true });
          expect(lineageIndexesOf(item)).toContain('byWorkflow');
        }
      }
    }
  });
});
