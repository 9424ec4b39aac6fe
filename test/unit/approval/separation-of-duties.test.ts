import { checkApprover, excludedApproversFor } from '../../../core/approval/separation-of-duties.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import { aRefundDetail, loadRefundTriagePack } from '../agent/fixtures.js';

let spec: WorkflowSpec;
beforeAll(async () => {
  spec = (await loadRefundTriagePack()).spec;
});

const approval = { approverRoles: ['payments-approver'], excludedApprovers: ['carol@acme.example'] };

describe('excludedApproversFor', () => {
  it('excludes the people the spec names event fields for, normalized', () => {
    const event = { detail: aRefundDetail({ requestedBy: '  Carol@Acme.example ' }) };
    expect(excludedApproversFor(spec, event)).toEqual(['carol@acme.example']);
  });

  it('excludes nobody when the field is missing', () => {
    expect(excludedApproversFor(spec, { detail: {} })).toEqual([]);
  });
});

describe('checkApprover', () => {
  it('allows a listed approver with a role of the approval, as the directory spells them', () => {
    expect(checkApprover(spec, approval, 'ALICE@acme.example')).toEqual({
      allowed: true,
      principal: 'alice@acme.example',
    });
  });

  it('refuses someone who is not in the approver directory', () => {
    expect(checkApprover(spec, approval, 'mallory@acme.example')).toEqual({
      allowed: false,
      refusal: '"mallory@acme.example" is not an approver of workflow "refund-triage"',
    });
  });

  it('refuses an approver without one of the roles the approval needs', () => {
    const leadsOnly = { ...approval, approverRoles: ['finance-director'] };
    expect(checkApprover(spec, leadsOnly, 'alice@acme.example')).toEqual({
      allowed: false,
      refusal:
        '"alice@acme.example" holds payments-approver, but this approval needs one of finance-director',
    });
  });

  it('refuses an approver the case names (separation of duties), whatever the case of the address', () => {
    const carolApproves = { approverRoles: ['payments-approver'], excludedApprovers: ['bob@acme.example'] };
    expect(checkApprover(spec, carolApproves, 'Bob@Acme.Example')).toMatchObject({
      allowed: false,
      refusal: expect.stringContaining('separation of duties'),
    });
  });
});
