/**
 * The drivers that decide approvals on people's behalf reach a quorum: after
 * an accepted decision that leaves the approval pending, they ask for the next
 * one. `awf packs test` takes one `approvals` entry per decision and, beyond
 * them, asks whoever may decide next; the test harness asks its approver
 * again, telling it who decided. Nobody decides twice, and the person the
 * case names is never asked.
 */
import { join } from 'node:path';
import { recordsOfType } from '../../../core/lineage/read.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import type { LocalModel } from '../../../core/model/model.js';
import type { BusEvent } from '../../../core/steps/contracts.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { createPackTester, type PackTester } from '../../../local/pack-test/pack-tester.js';
import accessRequestModel from '../../../workflows/access-request/local-model.js';
import {
  type ExampleEvent,
  loadExampleEvents,
  loadWorkflowPack,
  WORKFLOWS_DIR,
} from '../../../workflows/discover.js';
import { fixedClock } from '../../support/in-memory-stores.js';
import { type ApprovalRequestSeen, runGovernedWorkflow } from '../support/governed-workflow-harness.js';

const PACK_DIR = join(WORKFLOWS_DIR, 'access-request');

let pack: WorkflowPack;
let tester: PackTester;
/** Admin access to production in business hours: security and a system owner must approve. */
let admin: ExampleEvent;

beforeAll(async () => {
  pack = await loadWorkflowPack(PACK_DIR);
  tester = await createPackTester(pack, PACK_DIR);
  const found = loadExampleEvents(PACK_DIR).find((e) => e.name === 'admin-prod-business-hours-approved');
  if (!found) throw new Error('expected the admin-prod-business-hours-approved example of access-request');
  admin = found;
});

/** Who decided, as the lineage records them, in order. */
function deciders(chain: readonly LineageRecord[]): string[] {
  return recordsOfType(chain, 'approval.decided').map((record) => record.actor);
}

/** The admin example, requested by someone else. */
function requestedBy(requesterEmail: string): ExampleEvent {
  return { ...admin, detail: { ...admin.detail, requesterEmail } };
}

describe('awf packs test with a quorum', () => {
  it('takes one approvals entry per decision, each after the previous one, and grants once both approved', async () => {
    const result = await tester.run(admin);

    expect(result.mismatches).toEqual([]);
    expect(result.actual).toEqual({
      outcome: 'REQUIRE_APPROVAL',
      status: 'COMPLETED',
      actions: ['grantAccess'],
    });
    const decided = recordsOfType(tester.lineage, 'approval.decided');
    expect(decided.map((r) => [r.actor, r.at])).toEqual([
      // 10m after the 10:00 request, then 20m after that decision.
      ['human:sam@acme.example', '2026-11-17T10:10:00.000Z'],
      ['human:olivia@acme.example', '2026-11-17T10:30:00.000Z'],
    ]);
  });

  it('without a list, asks two people of distinct roles, each once', async () => {
    const result = await tester.run({ ...admin, approvals: [] });

    expect(result.mismatches).toEqual([]);
    expect(deciders(tester.lineage)).toEqual(['human:olivia@acme.example', 'human:sam@acme.example']);
    expect(recordsOfType(tester.lineage, 'approval.refused')).toEqual([]);
  });

  it('after a listed decision, asks someone who has not decided, for a role still lacking', async () => {
    const result = await tester.run({
      ...admin,
      approvals: [{ decision: 'APPROVE', approver: 'sam@acme.example' }],
    });

    expect(result.passed).toBe(true);
    expect(deciders(tester.lineage)).toEqual(['human:sam@acme.example', 'human:olivia@acme.example']);
  });

  it('never asks the requester: with sam asking, security approves through grace', async () => {
    const result = await tester.run({ ...requestedBy('Sam@acme.example'), approvals: [] });

    expect(result.mismatches).toEqual([]);
    expect(deciders(tester.lineage)).toEqual(['human:olivia@acme.example', 'human:grace@acme.example']);
    expect(recordsOfType(tester.lineage, 'approval.refused')).toEqual([]);
  });

  it('after two system owners, which count as one role, asks security', async () => {
    const result = await tester.run({
      ...admin,
      approvals: [
        { decision: 'APPROVE', approver: 'olivia@acme.example' },
        { decision: 'APPROVE', approver: 'dan@acme.example' },
      ],
    });

    expect(result.mismatches).toEqual([]);
    expect(deciders(tester.lineage)).toEqual([
      'human:olivia@acme.example',
      'human:dan@acme.example',
      'human:sam@acme.example',
    ]);
  });

  it('stops at a no-decision entry: one approval of two is not enough', async () => {
    const result = await tester.run({
      ...admin,
      approvals: [{ decision: 'APPROVE', approver: 'sam@acme.example' }, 'no-decision'],
    });

    expect(deciders(tester.lineage)).toEqual(['human:sam@acme.example']);
    expect(result.actual).toEqual({ outcome: 'REQUIRE_APPROVAL', status: 'ESCALATED', actions: [] });
  });
});

describe('the governed-workflow harness with a quorum', () => {
  function busEventOf(example: ExampleEvent): BusEvent {
    const { name, expect: _expect, approvals: _approvals, time: _time, ...event } = example;
    return {
      ...event,
      id: `quorum-${name}`,
      time: new Date(example.time ?? '').toISOString(),
      account: '123456789012',
      region: 'us-east-1',
    };
  }

  it('asks its approver again while the approval is pending, telling it who decided', async () => {
    const seen: ApprovalRequestSeen[] = [];
    const order = ['sam@acme.example', 'olivia@acme.example'];
    const result = await runGovernedWorkflow(busEventOf(admin), {
      pack,
      model: { converse: async ({ modelId, ...body }) => (accessRequestModel as LocalModel)(body, modelId) },
      clock: fixedClock(new Date(admin.time ?? '').toISOString()),
      approver: (request) => {
        seen.push(request);
        const approver = order[request.decidedBy.length] ?? 'nobody';
        return { decision: 'APPROVE', approver, reason: 'Checked the case.' };
      },
    });

    expect(seen.map((request) => request.decidedBy)).toEqual([[], ['sam@acme.example']]);
    expect(new Set(seen.map((request) => request.approvalId)).size).toBe(1);
    expect(result.stepErrors).toEqual([]);
    expect(result.lineage.ofType('action.executed').map((r) => r.data.action)).toEqual(['grantAccess']);
  });

  it('by default approves as two people of distinct roles, never the requester', async () => {
    const example = requestedBy('sam@acme.example');
    const result = await runGovernedWorkflow(busEventOf(example), {
      pack,
      model: { converse: async ({ modelId, ...body }) => (accessRequestModel as LocalModel)(body, modelId) },
      clock: fixedClock(new Date(example.time ?? '').toISOString()),
    });

    expect(result.lineage.ofType('approval.decided').map((r) => r.actor)).toEqual([
      'human:olivia@acme.example',
      'human:grace@acme.example',
    ]);
    expect(result.lineage.ofType('action.executed').map((r) => r.data.action)).toEqual(['grantAccess']);
  });
});
