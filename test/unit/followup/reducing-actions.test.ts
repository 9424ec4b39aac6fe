/**
 * A reducing action (`reduces`) is never the model's to propose: it is not
 * offered as a tool, and a proposal of it is denied before any policy, even
 * under a policy set that permits everything.
 */
import { createDecider } from '../../../core/policy/decide.js';
import { toolSpecsFor } from '../../../core/steps/plan/tools.js';
import { anAccessPack } from '../../support/follow-up-builders.js';

const event = {
  id: 'evt-1',
  source: 'example.access',
  'detail-type': 'AccessRequested',
  time: '2026-11-02T14:00:00Z',
  detail: { requestId: 'req-1', system: 'billing', level: 'read', durationHours: 8, requester: 'eve' },
};
const facts = { entityId: 'req-1', event, now: new Date('2026-11-02T14:22:00Z'), facts: {}, history: {} };

describe('reducing actions', () => {
  it('are not offered to the model; the action that schedules them is', () => {
    const names = toolSpecsFor(anAccessPack().spec).map((tool) => tool.name);
    expect(names).toEqual(['grantAccess', 'finish']);
  });

  it('are denied before policy when proposed anyway, naming the action they reduce', () => {
    const decider = createDecider(anAccessPack());
    const verdict = decider.decide({
      proposal: {
        action: 'revokeAccess',
        input: { requestId: 'req-1', system: 'billing', level: 'read' },
        confidence: 1,
      },
      facts,
      storedAutonomy: undefined,
    });
    expect(verdict).toMatchObject({ decision: 'DENY', policyDecision: 'DENY', reasons: [] });
    expect(verdict.errors).toEqual([
      "revokeAccess only takes back what grantAccess granted: it runs as grantAccess's scheduled follow-up, never as a proposal",
    ]);
  });

  it('leave the action that schedules them to the policies', () => {
    const decider = createDecider(anAccessPack());
    const verdict = decider.decide({
      proposal: {
        action: 'grantAccess',
        input: { requestId: 'req-1', system: 'billing', level: 'read', durationHours: 8 },
        confidence: 1,
      },
      facts,
      storedAutonomy: undefined,
    });
    expect(verdict).toMatchObject({ decision: 'ALLOW', reasons: ['permit-all'] });
  });
});
