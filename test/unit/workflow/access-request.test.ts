/**
 * The access-request pack, the second workflow of the repository: its
 * examples end as they say, business hours are decided by awf's clock (at Gate
 * and again at Act) whatever the model says, the requester gets at most two
 * admin grants in 30 days, admin needs two approvers from distinct roles, and
 * the requester never approves their own request.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordsOfType } from '../../../core/lineage/read.js';
import { createPolicyGate } from '../../../core/policy/gate.js';
import { historyValuesOf } from '../../../core/policy/history.js';
import { storedHistoryKey } from '../../../core/runs/history-key.js';
import { admitStep } from '../../../core/steps/admit/admit.js';
import type { GateResult } from '../../../core/steps/contracts.js';
import { gateStep } from '../../../core/steps/gate/gate.js';
import { groundStep } from '../../../core/steps/ground/ground.js';
import { planStep } from '../../../core/steps/plan/plan.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { createPackTester, type PackTester } from '../../../local/pack-test/pack-tester.js';
import accessRequestModel from '../../../workflows/access-request/local-model.js';
import {
  type ExampleEvent,
  loadExampleEvents,
  loadWorkflowPack,
  WORKFLOWS_DIR,
} from '../../../workflows/discover.js';
import { fixedClock, InMemoryLineageStore, InMemoryRunsStore } from '../../support/in-memory-stores.js';
import { type WorkflowsOutsideRepo, workflowsOutsideRepo } from '../../support/outside-workflows.js';
import { buildStep, type TestPorts } from '../../support/step-builders.js';
import { testKeys } from '../../support/trusted-ports.js';

const PACK_ID = 'access-request';
const PACK_DIR = join(WORKFLOWS_DIR, PACK_ID);

/** Business hours, and the two moments outside them the examples use (all UTC). */
const TUESDAY_10 = '2026-11-17T10:00:00Z';
const TUESDAY_20 = '2026-11-17T20:00:00Z';
const SATURDAY_11 = '2026-11-21T11:00:00Z';

/**
 * A model that proposes exactly the requested grant and claims whatever would
 * help it pass: that it is business hours, with full confidence. Written into a
 * copy of the pack as its `local-model.ts`, so the pack tester runs it through
 * the real state machine and steps.
 */
const CLAIMING_MODEL = `
import { readPlanningContext } from '../../core/steps/plan/prompt.js';
let calls = 0;
export default (body) => {
  const { event, observations } = readPlanningContext(body.messages);
  calls += 1;
  const toolUse = observations.length > 0
    ? { toolUseId: 'tooluse_claim_' + calls, name: 'finish', input: { summary: 'Granted as requested.' } }
    : {
        toolUseId: 'tooluse_claim_' + calls,
        name: 'grantAccess',
        input: {
          requestId: event.requestId, system: event.system, environment: event.environment,
          level: event.level, durationHours: event.durationHours,
          rationale: 'It is 10:00 UTC on a Tuesday: within business hours, so the hours rule does not apply.',
          confidence: 1,
        },
      };
  return {
    output: { message: { role: 'assistant', content: [{ toolUse }] } },
    stopReason: 'tool_use',
    usage: { inputTokens: 100, outputTokens: 40 },
  };
};
`;

let pack: WorkflowPack;
let examples: ExampleEvent[];
let tester: PackTester;

function example(name: string): ExampleEvent {
  const found = examples.find((e) => e.name === name);
  if (!found) throw new Error(`expected the ${name} example of ${PACK_ID}`);
  return found;
}

beforeAll(async () => {
  pack = await loadWorkflowPack(PACK_DIR);
  examples = loadExampleEvents(PACK_DIR);
});

/** Builds the pack's tester (state machine and steps, with its own local model) before the block's tests. */
function withPackTester(): void {
  beforeAll(async () => {
    tester = await createPackTester(pack, PACK_DIR);
  });
}

describe('the access-request examples', () => {
  withPackTester();

  it('cover every path, each with its own event time', () => {
    expect(
      examples.map((e) => `${e.expect.outcome} ${e.expect.status} [${e.expect.actions.join(',')}]`),
    ).toEqual(
      expect.arrayContaining([
        'ALLOW COMPLETED [grantAccess]',
        'REQUIRE_APPROVAL COMPLETED [grantAccess]',
        'REQUIRE_APPROVAL REJECTED []',
        'DENY ESCALATED []',
        'ALLOW COMPLETED [denyAccess]',
        'ALLOW COMPLETED [requestJustification]',
        'REJECT null []',
      ]),
    );
    for (const e of examples) expect(e.time).toMatch(/^2026-11-\d\dT\d\d:00:00Z$/);
  });

  it('end as they expect, every one of them', async () => {
    for (const e of examples) {
      const result = await tester.run(e);
      expect({ example: e.name, mismatches: result.mismatches }).toEqual({ example: e.name, mismatches: [] });
    }
  });

  it('publish a grant of exactly the request, and never the requester email', async () => {
    const viewer = example('viewer-dev-autonomous');
    await tester.run(viewer);
    const granted = tester.events.filter((e) => e.detailType === 'AccessGranted');
    expect(granted).toHaveLength(1);
    expect(granted[0]?.detail).toMatchObject({
      requestId: viewer.detail.requestId,
      system: 'billing-api',
      environment: 'dev',
      level: 'viewer',
      durationHours: 8,
    });
    const email = String(viewer.detail.requesterEmail);
    expect(JSON.stringify(tester.events).toLowerCase()).not.toContain(email.toLowerCase());
  });
});

describe('business hours', () => {
  let outside: WorkflowsOutsideRepo;
  let claiming: PackTester;
  const admin = () => example('admin-prod-business-hours-approved');

  beforeAll(async () => {
    outside = workflowsOutsideRepo('access-hours');
    const dir = join(outside.workflowsDir, PACK_ID);
    cpSync(PACK_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'local-model.ts'), CLAIMING_MODEL);
    // One security approver suffices in this copy, so that one decision of the tester completes
    // an admin approval and the grant reaches Act; the hours rule is the pack's own.
    const policies = join(dir, 'policies.cedar');
    const quorum = '@quorum("2 from distinct roles")\n';
    const text = readFileSync(policies, 'utf8');
    if (!text.includes(quorum)) throw new Error('expected the admin quorum annotation in policies.cedar');
    writeFileSync(policies, text.replace(quorum, ''));
    claiming = await createPackTester(await loadWorkflowPack(dir), dir);
  });
  afterAll(() => outside.remove());

  it.each([
    [TUESDAY_10, 'REQUIRE_APPROVAL'],
    [TUESDAY_20, 'DENY'],
    [SATURDAY_11, 'DENY'],
    ['2026-11-17T08:59:00Z', 'DENY'],
    ['2026-11-17T17:59:00Z', 'REQUIRE_APPROVAL'],
    ['2026-11-22T10:00:00Z', 'DENY'],
  ])(
    'are decided by the clock: admin on prod at %s is %s, whatever the model claims',
    async (time, outcome) => {
      const result = await claiming.run({ ...admin(), time, approvals: ['no-decision'] });
      expect(result.actual.outcome).toBe(outcome);
      const evaluated = recordsOfType(claiming.lineage, 'policy.evaluated').filter(
        (r) => r.data.iteration === 0,
      );
      const forbidden = evaluated.some((r) =>
        r.data.reasons.includes('no-admin-on-prod-outside-business-hours'),
      );
      expect(forbidden).toBe(outcome === 'DENY');
      expect(claiming.events.filter((e) => e.detailType === 'AccessGranted')).toEqual([]);
    },
  );

  it('hold when the action runs: requested at 10:00, approved at 19:00, the grant is refused at Act', async () => {
    const inTime = await claiming.run({
      ...admin(),
      time: TUESDAY_10,
      approvals: [{ decision: 'APPROVE', approver: 'sam@acme.example', after: '1h' }],
    });
    expect(inTime.actual.actions).toEqual(['grantAccess']);

    const late = await claiming.run({
      ...admin(),
      time: TUESDAY_10,
      approvals: [{ decision: 'APPROVE', approver: 'sam@acme.example', after: '9h' }],
    });
    expect(recordsOfType(claiming.lineage, 'approval.decided')).toHaveLength(1);
    const refused = recordsOfType(claiming.lineage, 'action.refused');
    expect(refused.map((r) => [r.at, r.data.refusal])).toEqual([['2026-11-17T19:00:00.000Z', 'decision']]);
    expect(refused[0]?.data.reasons.join(' ')).toContain('no-admin-on-prod-outside-business-hours');
    expect(late.actual.actions).toEqual([]);
    expect(claiming.events.filter((e) => e.detailType === 'AccessGranted')).toEqual([]);
  });
});

describe('the business-hours policy', () => {
  it('do not apply to admin outside prod, nor to other levels on prod', () => {
    const gate = createPolicyGate(pack);
    const at = (environment: string, level: string) =>
      gate.evaluate({
        entityId: 'acc_hours_check',
        action: 'grantAccess',
        input: { requestId: 'acc_hours_check', system: 'billing-api', environment, level, durationHours: 2 },
        confidence: 0.9,
        risk: 'high',
        autonomy: 'autonomous',
        history: { grantAccess: 0, adminGrants: 0 },
        now: {
          datetime: new Date(SATURDAY_11),
          date: '2026-11-21',
          hour: 11,
          minute: 0,
          weekday: 'saturday',
          timezone: 'UTC',
        },
        event: { detail: {} },
        facts: {},
      });
    expect(at('staging', 'admin')).toMatchObject({ decision: 'REQUIRE_APPROVAL', errors: [] });
    expect(at('prod', 'operator').decision).toBe('REQUIRE_APPROVAL');
    expect(at('prod', 'admin')).toMatchObject({
      decision: 'DENY',
      reasons: ['no-admin-on-prod-outside-business-hours'],
    });
  });
});

describe('at most two admin grants per requester in 30 days', () => {
  let admitted = 0;
  /** Admits, grounds, plans and gates the admin example at 10:00 on a Tuesday over `runs`' history. */
  async function gateAdminRequest(runs: InMemoryRunsStore, requesterEmail: string): Promise<GateResult> {
    const source = example('admin-prod-business-hours-approved');
    const clock = fixedClock(new Date(TUESDAY_10).toISOString());
    const ports: TestPorts = {
      runs,
      lineage: new InMemoryLineageStore(),
      clock,
      model: { converse: async ({ modelId, ...body }) => accessRequestModel(body, modelId) },
    };
    const admission = await buildStep(
      admitStep,
      pack,
      ports,
    )({
      event: {
        version: '0',
        id: `evt-admin-history-${++admitted}`,
        'detail-type': source['detail-type'],
        source: source.source,
        account: '123456789012',
        time: new Date(TUESDAY_10).toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: { ...source.detail, requesterEmail },
      },
      executionId: 'exec-admin-history',
    });
    if (admission.outcome !== 'ADMITTED')
      throw new Error(`expected ADMITTED, got ${JSON.stringify(admission)}`);
    const { run } = admission;
    const { facts } = await buildStep(groundStep, pack, ports)({ run });
    const planned = await buildStep(planStep, pack, ports)({ run, iteration: 0, facts });
    if (planned.outcome !== 'PROPOSED') throw new Error(`expected proposals, got ${JSON.stringify(planned)}`);
    return buildStep(gateStep, pack, ports)({ run, iteration: 0, facts, proposals: planned.proposals });
  }

  /** Records grants of each level for the requester, the given days before 10:00 on the Tuesday. */
  async function seedGrants(runs: InMemoryRunsStore, levels: readonly [string, number][]): Promise<void> {
    const key = await storedHistoryKey(
      pack.spec,
      { detail: { requesterEmail: 'ravi.patel@acme.example' } },
      testKeys(),
    );
    if (key === undefined) throw new Error('expected the pack to keep history');
    for (const [level, daysAgo] of levels) {
      const at = new Date(Date.parse(TUESDAY_10) - daysAgo * 86_400_000).toISOString();
      // What Act keeps of an executed grant: the input fields the measures filter on.
      const values = historyValuesOf(pack.spec, 'grantAccess', {
        requestId: `acc_earlier_${daysAgo}`,
        system: 'payments-db',
        environment: 'prod',
        level,
        durationHours: 2,
      });
      await runs.recordHistory(PACK_ID, key, 'grantAccess', at, values);
    }
  }

  it('forbids a third admin grant within the window, however the requester spells their email', async () => {
    const runs = new InMemoryRunsStore();
    await seedGrants(runs, [
      ['admin', 3],
      ['admin', 29],
    ]);
    const gated = await gateAdminRequest(runs, 'Ravi.Patel@ACME.example');
    expect(gated.denied.map((d) => [d.proposal.action, d.reasons])).toEqual([
      ['grantAccess', ['at-most-two-admin-grants-per-30-days']],
    ]);
  });

  it('counts only admin grants, and only within 30 days', async () => {
    const runs = new InMemoryRunsStore();
    await seedGrants(runs, [
      ['admin', 3],
      ['operator', 2],
      ['viewer', 1],
      ['admin', 31],
    ]);
    const gated = await gateAdminRequest(runs, 'ravi.patel@acme.example');
    expect(gated.counts).toMatchObject({ denied: 0, pendingApproval: 1 });
    expect(gated.pendingApproval[0]?.reasons).toEqual(['admin-needs-security-and-owner']);
  });

  it('is counted per requester: another requester starts from none', async () => {
    const runs = new InMemoryRunsStore();
    await seedGrants(runs, [
      ['admin', 3],
      ['admin', 4],
    ]);
    const gated = await gateAdminRequest(runs, 'maya.chen@acme.example');
    expect(gated.counts).toMatchObject({ denied: 0, pendingApproval: 1 });
  });
});

describe('approvals', () => {
  withPackTester();

  it('ask two people from distinct roles, security and a system owner, for admin', async () => {
    const result = await tester.run({
      ...example('admin-prod-business-hours-approved'),
      // One entry per decision: security approves, then nobody else decides.
      approvals: [{ decision: 'APPROVE', approver: 'sam@acme.example' }, 'no-decision'],
    });
    const requested = recordsOfType(tester.lineage, 'approval.requested');
    expect(requested.map((r) => [r.data.approverRoles, r.data.quorum, r.data.distinctRoles])).toEqual([
      [['security', 'system-owner'], 2, true],
    ]);
    // One approval is not enough: the wait runs to its timeout and nothing is granted.
    expect(recordsOfType(tester.lineage, 'approval.decided')).toHaveLength(1);
    expect(result.actual).toEqual({ outcome: 'REQUIRE_APPROVAL', status: 'ESCALATED', actions: [] });
  });

  it('ask one system owner for operator, and never the requester', async () => {
    const operator = example('operator-staging-owner-approved');
    // dan@acme.example owns systems, and here asks for access himself.
    const own = { ...operator, detail: { ...operator.detail, requesterEmail: 'dan@acme.example' } };
    const refused = await tester.run({
      ...own,
      approvals: [{ decision: 'APPROVE', approver: 'DAN@acme.example' }],
    });
    expect(refused.mismatches[0]).toMatch(/was refused: .*separation of duties/);
    expect(refused.actual.actions).toEqual([]);
    expect(recordsOfType(tester.lineage, 'approval.refused')).toHaveLength(1);
    expect(recordsOfType(tester.lineage, 'approval.requested')[0]?.data.approverRoles).toEqual([
      'system-owner',
    ]);

    // Whoever approves by default is another owner.
    const byDefault = await tester.run({ ...own, approvals: [] });
    expect(byDefault.mismatches).toEqual([]);
    expect(recordsOfType(tester.lineage, 'approval.decided').map((r) => r.actor)).toEqual([
      'human:olivia@acme.example',
    ]);
  });

  it('refuse security for what only a system owner may approve', async () => {
    const result = await tester.run({
      ...example('operator-staging-owner-approved'),
      approvals: [{ decision: 'APPROVE', approver: 'sam@acme.example' }],
    });
    expect(result.mismatches[0]).toMatch(/was refused: .*needs one of system-owner/);
    expect(result.actual.actions).toEqual([]);
  });
});
