/**
 * Who approves and how many: `@approvers` and `@quorum` on a policy, checked
 * at synth against the approver directory, given by the decision, and counted
 * from the lineage by `tallyApprovals`.
 */
import { approvalRequirementOf } from '../../../core/approval/requirement.js';
import { tallyApprovals, whyNotApproved } from '../../../core/approval/tally.js';
import { WorkflowSpecError } from '../../../core/errors.js';
import { appendLineage } from '../../../core/lineage/chain.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import { createDecider } from '../../../core/policy/decide.js';
import { createPolicyGate } from '../../../core/policy/gate.js';
import { validatePolicies } from '../../../core/policy/validate-pack.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { fixedClock, InMemoryLineageStore } from '../../support/in-memory-stores.js';
import { aPack, aRefundRunFacts, aTicketRequest, loadRefundTriagePack } from '../policy/builders.js';

const directory = {
  'ana@acme.example': ['security'],
  'ben@acme.example': ['security'],
  'oli@acme.example': ['system-owner'],
  'carol@acme.example': ['system-owner', 'security'],
};

/** The ticket workflow with an access-style directory and the given approval annotations on its one permit. */
function ticketPack(annotations: string): WorkflowPack {
  return aPack(
    `@id("route")\n@approval("required")\n${annotations}\npermit (principal, action == Awf::Action::"routeTicket", resource);`,
    {
      approvals: {
        approverRoles: ['security', 'system-owner'],
        approvers: directory,
        timeout: '1h',
        reminderInterval: '15m',
        escalation: ['support-manager'],
      },
    },
  );
}

describe('@approvers and @quorum', () => {
  it('give the decision its requirement', () => {
    const gate = createPolicyGate(
      ticketPack('@approvers("security|system-owner")\n@quorum("2 from distinct roles")'),
    );
    const { reasons, decision } = gate.evaluate(aTicketRequest());
    expect(decision).toBe('REQUIRE_APPROVAL');
    expect(gate.approvalRequirement(reasons)).toEqual({
      roles: ['security', 'system-owner'],
      quorum: 2,
      distinctRoles: true,
    });
  });

  it('fall back to the workflow roles and one approver without annotations', () => {
    const gate = createPolicyGate(ticketPack(''));
    expect(gate.approvalRequirement(['route'])).toEqual({
      roles: ['security', 'system-owner'],
      quorum: 1,
      distinctRoles: false,
    });
  });

  it('fail synth when malformed, on a forbid, naming a role nobody holds, or asking more than the directory can give', () => {
    const problems = (annotations: string) => {
      try {
        validatePolicies(ticketPack(annotations));
      } catch (error) {
        if (error instanceof WorkflowSpecError) return error.message;
        throw error;
      }
      return '';
    };
    expect(problems('@quorum("two")')).toContain(
      'expected @quorum("<1-9>") or @quorum("<1-9> from distinct roles"), got "two"',
    );
    expect(problems('@approvers("")')).toContain('expected @approvers("<role>|<role>...")');
    expect(problems('@approvers("auditors")')).toContain(
      '@approvers names "auditors", which nobody in approvals.approvers holds',
    );
    expect(problems('@approvers("system-owner")\n@quorum("3")')).toContain(
      '@quorum asks for 3 approvers, but approvals.approvers can give at most 2 for system-owner',
    );
    expect(problems('@approvers("security")\n@quorum("2 from distinct roles")')).toContain(
      'at most 1 for security',
    );
  });

  it('take the strictest of several approval policies', () => {
    expect(
      approvalRequirementOf(
        ['payments-approver'],
        [{ quorum: 1 }, { roles: ['finance'], quorum: 2 }, { distinctRoles: true }],
      ),
    ).toEqual({ roles: ['finance'], quorum: 2, distinctRoles: true });
  });

  it('reach Act through the verdict: refund-triage with a quorum of two on large refunds', async () => {
    const pack = await loadRefundTriagePack();
    const withQuorum = {
      ...pack,
      policies: pack.policies.replace(
        '@id("refund-up-to-limit-needs-approval")\n@approval("required")',
        '@id("refund-up-to-limit-needs-approval")\n@approval("required")\n@quorum("2")',
      ),
    };
    const verdict = createDecider(withQuorum).decide({
      proposal: {
        action: 'issueRefund',
        input: { orderId: 'ord_4k8m2p', amount: 40, currency: 'USD', reasonCode: 'damaged' },
        confidence: 0.5,
      },
      facts: aRefundRunFacts(),
      storedAutonomy: undefined,
    });
    expect(verdict).toMatchObject({
      decision: 'REQUIRE_APPROVAL',
      approval: { roles: ['payments-approver'], quorum: 2, distinctRoles: false },
    });
  });
});

describe('tallyApprovals', () => {
  const spec = { approvals: { ...aPack('').spec.approvals, approvers: directory } };
  const requirement = { roles: ['security', 'system-owner'], quorum: 2, distinctRoles: true };
  const BINDING = 'b'.repeat(64);

  /** A chain holding the request of appr-1 and the given decisions, appended as the steps would. */
  async function chainWith(
    decisions: { by: string; decision?: 'APPROVED' | 'REJECTED'; binding?: string; at?: string }[],
  ): Promise<LineageRecord[]> {
    const lineage = new InMemoryLineageStore();
    const base = { workflowId: 'ticket-triage', entityId: 'T-1', versions: { workflowVersion: '1.0.0' } };
    await appendLineage(lineage, fixedClock('2026-11-20T12:00:00.000Z'), 'run-1', {
      ...base,
      type: 'approval.requested',
      actor: 'awf:request-approval',
      data: {
        approvalId: 'appr-1',
        proposalId: 'p-1',
        action: 'routeTicket',
        input: {},
        risk: 'low',
        reasons: ['route'],
        bindingHash: BINDING,
        approverRoles: requirement.roles,
        quorum: 2,
        distinctRoles: true,
        excludedApproverHashes: [],
        expiresAt: '2026-11-20T13:00:00.000Z',
      },
    });
    for (const {
      by,
      decision = 'APPROVED',
      binding = BINDING,
      at = '2026-11-20T12:10:00.000Z',
    } of decisions) {
      await appendLineage(lineage, fixedClock(at), 'run-1', {
        ...base,
        type: 'approval.decided',
        actor: `human:${by}`,
        data: {
          approvalId: 'appr-1',
          proposalId: 'p-1',
          action: 'routeTicket',
          decision,
          reason: 'ok',
          bindingHash: binding,
        },
      });
    }
    return lineage.chain('run-1');
  }

  const tally = async (decisions: Parameters<typeof chainWith>[0], excluded: string[] = []) =>
    tallyApprovals({
      spec,
      chain: await chainWith(decisions),
      approvalId: 'appr-1',
      bindingHash: BINDING,
      requirement,
      excluded,
    });

  it('meets "2 from distinct roles" with a security approver and a system owner, not with two security approvers', async () => {
    expect((await tally([{ by: 'ana@acme.example' }, { by: 'oli@acme.example' }])).met).toBe(true);
    const twoSecurity = await tally([{ by: 'ana@acme.example' }, { by: 'ben@acme.example' }]);
    expect(twoSecurity.met).toBe(false);
    expect(whyNotApproved(twoSecurity, requirement)).toBe(
      'it needs 2 approvals from distinct roles by security|system-owner; the lineage holds approvals by ana@acme.example, ben@acme.example',
    );
  });

  it('matches principals to roles: one holding both roles counts for the one the other lacks', async () => {
    expect((await tally([{ by: 'carol@acme.example' }, { by: 'ana@acme.example' }])).met).toBe(true);
  });

  it('does not count a quorum of one, the same principal twice, an excluded one, an unknown one, another binding or a late decision', async () => {
    const result = await tally(
      [
        { by: 'ana@acme.example' },
        { by: 'Ana@Acme.example' },
        { by: 'oli@acme.example', binding: 'c'.repeat(64) },
        { by: 'mallory@acme.example' },
        { by: 'carol@acme.example' },
        { by: 'oli@acme.example', at: '2026-11-20T13:00:00.000Z' },
      ],
      ['carol@acme.example'],
    );
    expect(result.met).toBe(false);
    expect(result.approvals.map((a) => a.principal)).toEqual(['ana@acme.example']);
    expect(result.ignored.map((i) => i.why)).toEqual([
      '"ana@acme.example" approved already; a principal counts once',
      `it was given for ${'c'.repeat(64)}, not for this action (${BINDING})`,
      '"mallory@acme.example" is not in the approver directory',
      '"carol@acme.example" is named in the case (separation of duties)',
      'it was recorded at 2026-11-20T13:00:00.000Z, after the approval expired at 2026-11-20T13:00:00.000Z',
    ]);
  });

  it('ends with one rejection, even after the quorum was met', async () => {
    const result = await tally([
      { by: 'ana@acme.example' },
      { by: 'oli@acme.example' },
      { by: 'ben@acme.example', decision: 'REJECTED' },
    ]);
    expect(result.met).toBe(false);
    expect(whyNotApproved(result, requirement)).toBe('ben@acme.example rejected it (ok)');
  });

  it('counts nothing without the approval request in the lineage', () => {
    const result = tallyApprovals({
      spec,
      chain: [],
      approvalId: 'appr-1',
      bindingHash: BINDING,
      requirement,
      excluded: [],
    });
    expect(whyNotApproved(result, requirement)).toBe('the lineage holds no approval.requested record of it');
  });
});
