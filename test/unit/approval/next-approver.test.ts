/**
 * Who the drivers that decide on people's behalf (`awf packs test`, the local
 * demo, the test harness) ask next: someone the decide step accepts, who has
 * not decided yet, and who brings a quorum from distinct roles closer.
 */

import { join } from 'node:path';
import { nextApprover } from '../../../core/approval/next-approver.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import { loadWorkflowPack, WORKFLOWS_DIR } from '../../../workflows/discover.js';

let spec: WorkflowSpec;
beforeAll(async () => {
  spec = (await loadWorkflowPack(join(WORKFLOWS_DIR, 'access-request'))).spec;
});

/** Admin access: two approvals from distinct roles, security and a system owner. */
const adminApproval = {
  approverRoles: ['security', 'system-owner'],
  distinctRoles: true,
  excludedApprovers: ['ravi.patel@acme.example'],
};

describe('nextApprover', () => {
  it('asks the first approver of the directory who may decide, when nobody has', () => {
    expect(nextApprover(spec, adminApproval)).toBe('olivia@acme.example');
  });

  it('after a system owner, asks someone from security: another owner would not count', () => {
    expect(nextApprover(spec, adminApproval, ['olivia@acme.example'])).toBe('sam@acme.example');
  });

  it('after security, asks a system owner', () => {
    expect(nextApprover(spec, adminApproval, ['sam@acme.example'])).toBe('olivia@acme.example');
  });

  it('never asks someone who decided already, however they spell it', () => {
    const ownersOnly = { approverRoles: ['system-owner'], excludedApprovers: [] };
    expect(nextApprover(spec, ownersOnly, [' Olivia@ACME.example '])).toBe('dan@acme.example');
    expect(nextApprover(spec, ownersOnly, ['olivia@acme.example', 'dan@acme.example'])).toBeUndefined();
  });

  it('never asks a person the case names, even the only one left of a needed role', () => {
    const samRequested = { ...adminApproval, excludedApprovers: ['sam@acme.example'] };
    expect(nextApprover(spec, samRequested, ['olivia@acme.example'])).toBe('grace@acme.example');
    const securityRequested = {
      ...adminApproval,
      excludedApprovers: ['sam@acme.example', 'grace@acme.example'],
    };
    expect(nextApprover(spec, securityRequested, ['olivia@acme.example'])).toBeUndefined();
  });

  it('asks nobody whose role the approval does not list', () => {
    expect(nextApprover(spec, { approverRoles: ['ciso'], excludedApprovers: [] })).toBe('hana@acme.example');
    expect(nextApprover(spec, { approverRoles: ['auditor'], excludedApprovers: [] })).toBeUndefined();
  });
});
