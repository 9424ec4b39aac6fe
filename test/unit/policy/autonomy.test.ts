import fc from 'fast-check';
import { applyAutonomy, resolveAutonomy } from '../../../core/policy/autonomy.js';
import { PolicyInputError } from '../../../core/policy/errors.js';
import type { AutonomyRecord } from '../../../core/runs/records.js';
import { GATE_DECISIONS, type GateDecision } from '../../../core/steps/contracts.js';
import { AUTONOMY_LEVELS } from '../../../core/workflow/spec.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';

/** How much a decision holds an action back; autonomy may only raise it. */
const strictness: Record<GateDecision, number> = { ALLOW: 0, REQUIRE_APPROVAL: 1, DENY: 2 };

function aStoredLevel(overrides: Partial<AutonomyRecord> = {}): AutonomyRecord {
  return {
    workflowId: 'refund-triage',
    action: 'denyRefund',
    level: 'autonomous',
    since: '2026-11-01T00:00:00.000Z',
    reason: 'promoted: 50 decisions, 98% agreement',
    ...overrides,
  };
}

describe('applyAutonomy', () => {
  it.each([
    ['ALLOW', 'autonomous', { decision: 'ALLOW', shadow: false }],
    ['ALLOW', 'supervised', { decision: 'REQUIRE_APPROVAL', shadow: false }],
    ['ALLOW', 'shadow', { decision: 'ALLOW', shadow: true }],
    ['REQUIRE_APPROVAL', 'autonomous', { decision: 'REQUIRE_APPROVAL', shadow: false }],
    ['REQUIRE_APPROVAL', 'supervised', { decision: 'REQUIRE_APPROVAL', shadow: false }],
    ['REQUIRE_APPROVAL', 'shadow', { decision: 'REQUIRE_APPROVAL', shadow: true }],
    ['DENY', 'autonomous', { decision: 'DENY', shadow: false }],
    ['DENY', 'supervised', { decision: 'DENY', shadow: false }],
    ['DENY', 'shadow', { decision: 'DENY', shadow: true }],
  ] as const)('turns %s at %s into %j', (decision, level, expected) => {
    expect(applyAutonomy(decision, level)).toEqual(expected);
  });

  it('never loosens a decision, and shadows exactly the shadow level', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...GATE_DECISIONS),
        fc.constantFrom(...AUTONOMY_LEVELS),
        (decision, level) => {
          const result = applyAutonomy(decision, level);
          expect(strictness[result.decision]).toBeGreaterThanOrEqual(strictness[decision]);
          expect(result.shadow).toBe(level === 'shadow');
          if (decision === 'DENY') expect(result.decision).toBe('DENY');
        },
      ),
    );
  });
});

describe('resolveAutonomy', () => {
  it("uses the spec's level for the action, else the spec's default", () => {
    expect(resolveAutonomy(refundTriage, 'denyRefund')).toBe('supervised');
    expect(resolveAutonomy(refundTriage, 'issueRefund')).toBe('autonomous');
  });

  it('prefers the stored level over the spec', () => {
    expect(resolveAutonomy(refundTriage, 'denyRefund', aStoredLevel({ level: 'autonomous' }))).toBe(
      'autonomous',
    );
    expect(
      resolveAutonomy(refundTriage, 'issueRefund', aStoredLevel({ action: 'issueRefund', level: 'shadow' })),
    ).toBe('shadow');
  });

  it('fails on an action outside the catalogue', () => {
    expect(() => resolveAutonomy(refundTriage, 'toString')).toThrow(PolicyInputError);
    expect(() => resolveAutonomy(refundTriage, 'wireTransfer')).toThrow(
      'action "wireTransfer" is not in the catalogue of refund-triage',
    );
  });

  it('fails on a stored record of another action or workflow', () => {
    expect(() => resolveAutonomy(refundTriage, 'issueRefund', aStoredLevel())).toThrow(
      'expected a record for refund-triage/issueRefund, got one for refund-triage/denyRefund',
    );
    expect(() => resolveAutonomy(refundTriage, 'denyRefund', aStoredLevel({ workflowId: 'other' }))).toThrow(
      PolicyInputError,
    );
  });

  it('fails on a stored level that is not an autonomy level', () => {
    const stored = { ...aStoredLevel(), level: 'unleashed' } as unknown as AutonomyRecord;
    expect(() => resolveAutonomy(refundTriage, 'denyRefund', stored)).toThrow('got "unleashed"');
  });
});
