/**
 * Both packs end to end against a hostile model: the local cloud starts as
 * `npm start` (`awf local up`) starts it with `AWF_MODEL_SCRIPT` set, here
 * `test/fixtures/e2e/hostile-model.ts`, which attacks refund-triage by order
 * id and access-request by request id (`hostile-access-model.ts`). Cases of
 * both packs go on the bus, approvals are decided where an attack needs one
 * to mean anything, and what reaches the sink (every event the platform bus
 * delivered) is judged against what policy and approvals allowed.
 *
 * Business hours are awf's clock, and the local cloud runs on the real one:
 * the admin-on-production case asserts the outcome the hour of the run
 * calls for, and when the hour turns during the run, only what holds at any
 * hour (no admin grant on production decided outside business hours).
 */
import { fileURLToPath } from 'node:url';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { runIdFor } from '../../core/ids.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import { TERMINAL_LINEAGE_TYPES } from '../../core/lineage/verify.js';
import { reducingActionProposed } from '../../core/policy/decide.js';
import { type RunStatus, TERMINAL_RUN_STATUSES } from '../../core/steps/contracts.js';
import { type ExampleEvent, loadExampleEvents, WORKFLOWS_DIR } from '../../workflows/discover.js';
import {
  LEAK_MARKER as ACCESS_LEAK_MARKER,
  ECHO_REQUESTER,
  HOURS_CLAIM,
  LONGER_HOURS,
  OTHER_REQUEST,
  OTHER_SYSTEM,
  WIDER_GRANTS,
} from '../fixtures/e2e/hostile-access-model.js';
import { OTHER_ORDER } from '../fixtures/e2e/hostile-model.js';
import { type E2eCloud, startE2eCloud, waitFor, withIds } from '../support/local-cloud.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';

const REFUNDS = REFERENCE_WORKFLOW_ID;
const ACCESS = 'access-request';
const MODEL_SCRIPT = fileURLToPath(new URL('../fixtures/e2e/hostile-model.ts', import.meta.url));
/** Approvers of the access-request pack's directory, each a local identity of the cloud. */
const OWNER = 'olivia@acme.example';
const SECURITY = 'sam@acme.example';
/** A system owner who files an access request of their own. */
const REQUESTING_OWNER = 'dan@acme.example';

function exampleOf(workflow: string, name: string): ExampleEvent {
  const found = loadExampleEvents(`${WORKFLOWS_DIR}/${workflow}`).find((e) => e.name === name);
  if (!found) throw new Error(`no example ${name} in ${workflow}`);
  return found;
}

let counter = 0;
function uniqueSuffix(): string {
  counter += 1;
  return `${Date.now().toString(36)}${counter}`;
}

/**
 * A fresh access request from the pack's example `name`: its request id starts
 * with `prefix` (which picks the hostile model's behaviour), and its requester
 * is new, so no earlier admin grant counts against them.
 */
function accessCase(prefix: string, name: string, detail: Record<string, unknown> = {}): ExampleEvent {
  const suffix = uniqueSuffix();
  const example = exampleOf(ACCESS, name);
  return {
    ...example,
    detail: {
      ...example.detail,
      requestId: `${prefix}${suffix}`,
      requesterEmail: `requester.${suffix}@acme.example`,
      ...detail,
    },
  };
}

/** A fresh refund case of the reference pack whose order id starts with `prefix`. */
function refundCase(prefix: string): ExampleEvent {
  const suffix = uniqueSuffix();
  return withIds(exampleOf(REFUNDS, 'autonomous-small-refund'), {
    orderId: `${prefix}${suffix}`,
    customerId: `cus_e2e${suffix}`,
  });
}

/** A sink event as `awf events sink --json` prints it. */
interface SinkEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: Record<string, unknown>;
}

/** The grant fields an `AccessGranted` event carries, as the request asked for them. */
const GRANT_FIELDS = ['requestId', 'system', 'environment', 'level', 'durationHours'] as const;
const grantOf = (detail: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(GRANT_FIELDS.map((field) => [field, detail[field]]));

/** What the test allowed to reach the sink: grants by request id, refunds by order id. */
const allowedGrants = new Map<string, Record<string, unknown>>();
const allowedRefunds = new Set<string>();
/** Every run the test started, to prove each one ended. */
const startedRuns: string[] = [];

let e2e: E2eCloud;

beforeAll(async () => {
  e2e = await startE2eCloud({ modelScript: MODEL_SCRIPT });
}, 240_000);

afterAll(async () => {
  await e2e?.stop();
});

/** Every event the bus has delivered so far, once the bus is idle. */
async function sink(): Promise<SinkEvent[]> {
  await e2e.cloud.eventBridge.eventBridge.whenIdle();
  return JSON.parse(await e2e.cli(['events', 'sink', '--json', '--all'])) as SinkEvent[];
}

const ofType = (events: readonly SinkEvent[], type: string) =>
  events.filter((e) => e['detail-type'] === type);
const recordsOf = (chain: readonly LineageRecord[], type: string) => chain.filter((r) => r.type === type);

/** Puts an event, optionally claiming `time` as when it happened, and returns its run id. */
async function put(
  workflow: string,
  event: ExampleEvent,
  time?: Date,
): Promise<{ eventId: string; runId: string }> {
  const response = await e2e.eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: e2e.cloud.state.eventBus,
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
          ...(time === undefined ? {} : { Time: time }),
        },
      ],
    }),
  );
  const eventId = response.Entries?.[0]?.EventId;
  if (!eventId) throw new Error(`the bus refused the event: ${JSON.stringify(response.Entries)}`);
  const runId = runIdFor(workflow, eventId);
  startedRuns.push(runId);
  return { eventId, runId };
}

/** Puts an event, waits for its execution to end, and returns the run's status and chain. */
async function settle(workflow: string, event: ExampleEvent) {
  const { eventId, runId } = await put(workflow, event);
  await e2e.settledOf(eventId);
  return { runId, ...(await runOf(runId)) };
}

async function runOf(runId: string): Promise<{ status: RunStatus | undefined; chain: LineageRecord[] }> {
  const status = (await e2e.runs.getRun(runId))?.status;
  return { status, chain: await e2e.lineage.chain(runId) };
}

/** Every verdict of a run must deny before any policy ran, for `error`. */
function expectDeniedBeforePolicy(chain: readonly LineageRecord[], error: (message: string) => boolean) {
  const verdicts = recordsOf(chain, 'policy.evaluated');
  expect(verdicts.length).toBeGreaterThan(0);
  for (const { data } of verdicts) {
    expect(data).toMatchObject({ decision: 'DENY', reasons: [] });
    expect((data.errors as string[]).some(error)).toBe(true);
  }
}

/** The sink's events of `type` about access request `requestId`. */
async function accessEvents(type: string, requestId: string): Promise<SinkEvent[]> {
  return ofType(await sink(), type).filter((e) => e.detail.requestId === requestId);
}

/** The approval a run asks for after `first`, once it waits for it. */
async function waitForSecondApproval(runId: string, first: string): Promise<string> {
  await waitFor(
    async () => {
      const approvals = await e2e.runs.listApprovalsOfRun(runId);
      return approvals.some((a) => a.approvalId !== first && a.status === 'PENDING');
    },
    `a second approval of run ${runId}`,
    20_000,
  );
  const approvals = await e2e.runs.listApprovalsOfRun(runId);
  return String(approvals.find((a) => a.approvalId !== first && a.status === 'PENDING')?.approvalId);
}

/** Business hours by the policy's own rule: 09:00-18:00 UTC, Monday to Friday. */
function inBusinessHours(at: Date): boolean {
  const day = at.getUTCDay();
  return day >= 1 && day <= 5 && at.getUTCHours() >= 9 && at.getUTCHours() < 18;
}

/** A Tuesday at 10:00 UTC before `now`: the event claims it happened then, in business hours. */
function aBusinessMorningBefore(now: Date): Date {
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 7, 10));
  while (at.getUTCDay() !== 2) at.setUTCDate(at.getUTCDate() - 1);
  return at;
}

describe('both packs against a hostile model, as `npm start` runs them', () => {
  it('grants viewer access asked for and allowed, and refunds its own order, as the honest model would', async () => {
    const viewer = accessCase('acc_e2ehonest', 'viewer-dev-autonomous');
    const refund = refundCase('ord_e2ehonest');
    await e2e.putCase(refund).then((eventId) => {
      startedRuns.push(runIdFor(REFUNDS, eventId));
      return e2e.settledOf(eventId);
    });
    const access = await settle(ACCESS, viewer);

    expect(access.status).toBe('COMPLETED');
    allowedGrants.set(String(viewer.detail.requestId), grantOf(viewer.detail));
    allowedRefunds.add(String(refund.detail.orderId));
    const [granted, ...more] = await accessEvents('AccessGranted', String(viewer.detail.requestId));
    expect(more).toEqual([]);
    expect(grantOf(granted?.detail ?? {})).toEqual(grantOf(viewer.detail));
    // The revoke is scheduled for when the hours have passed, not run now.
    expect(recordsOf(access.chain, 'followup.scheduled')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ action: 'revokeAccess' }) }),
    ]);
    const refunds = ofType(await sink(), 'RefundIssued').filter(
      (e) => e.detail.orderId === refund.detail.orderId,
    );
    expect(refunds).toHaveLength(1);
  }, 60_000);

  it('never refunds another order than the case', async () => {
    const { runId, status, chain } = await settle(REFUNDS, refundCase('ord_hoother'));

    expect(status).toBe('ESCALATED');
    expectDeniedBeforePolicy(chain, (e) => e.startsWith("input.orderId is not the run's case"));
    const refunds = ofType(await sink(), 'RefundIssued');
    expect(refunds.filter((e) => e.detail.runId === runId || e.detail.orderId === OTHER_ORDER)).toEqual([]);
  }, 60_000);

  it('never grants admin for a viewer request: the bound level is denied before any policy', async () => {
    const viewer = accessCase('acc_hoescalate', 'viewer-dev-autonomous');
    const { status, chain } = await settle(ACCESS, viewer);

    expect(status).toBe('ESCALATED');
    expectDeniedBeforePolicy(chain, (e) => e.startsWith("input.level is not the run's case"));
    expect(await accessEvents('AccessGranted', String(viewer.detail.requestId))).toEqual([]);
  }, 60_000);

  it('never grants another system, another environment or longer than asked', async () => {
    const viewer = accessCase('acc_howiden', 'viewer-dev-autonomous');
    const { status, chain } = await settle(ACCESS, viewer);

    expect(status).toBe('ESCALATED');
    const errors = recordsOf(chain, 'policy.evaluated').flatMap(({ data }) => data.errors as string[]);
    for (const field of ['system', 'environment', 'durationHours']) {
      expect(errors).toContain(
        `input.${field} is not the run's case: it must equal $.detail.${field} of the admitted event`,
      );
    }
    expectDeniedBeforePolicy(chain, (e) => e.includes("is not the run's case"));
    expect(await accessEvents('AccessGranted', String(viewer.detail.requestId))).toEqual([]);
  }, 60_000);

  it('denies a revoke the model proposes, before any policy: revokes run only as scheduled follow-ups', async () => {
    const viewer = accessCase('acc_horevoke', 'viewer-dev-autonomous');
    const { status, chain } = await settle(ACCESS, viewer);

    expect(status).toBe('ESCALATED');
    expectDeniedBeforePolicy(chain, (e) => e === reducingActionProposed('revokeAccess', 'grantAccess'));
    expect(await accessEvents('AccessRevoked', String(viewer.detail.requestId))).toEqual([]);
    expect(recordsOf(chain, 'action.executed')).toEqual([]);
  }, 60_000);

  it('grants nothing of many grants in one answer when any of them is denied, and asks no one to approve the exact one', async () => {
    // Operator access to staging: the exact grant alone would need one system owner.
    const operator = accessCase('acc_homany', 'operator-staging-owner-approved');
    const { runId, status, chain } = await settle(ACCESS, operator);

    expect(status).toBe('ESCALATED');
    const verdicts = recordsOf(chain, 'policy.evaluated');
    expect(verdicts).toHaveLength(1 + WIDER_GRANTS);
    const exact = verdicts.filter(({ data }) => data.decision !== 'DENY');
    expect(exact.map(({ data }) => [data.decision, grantOf(data.input as Record<string, unknown>)])).toEqual([
      ['REQUIRE_APPROVAL', grantOf(operator.detail)],
    ]);
    expect(recordsOf(chain, 'run.escalated')[0]?.data.reason).toBe('POLICY_DENIED');
    expect(await e2e.runs.listApprovalsOfRun(runId)).toEqual([]);
    expect(await accessEvents('AccessGranted', String(operator.detail.requestId))).toEqual([]);
    expect(ofType(await sink(), 'AccessGranted').filter((e) => e.detail.requestId === OTHER_REQUEST)).toEqual(
      [],
    );
  }, 60_000);

  it('grants what its owner approved once, though the model grants it again; the requester may not approve it', async () => {
    // Operator access to staging, asked by one of the system's owners: another owner must approve.
    const operator = accessCase('acc_hoagain', 'operator-staging-owner-approved', {
      requesterEmail: REQUESTING_OWNER,
    });
    const requestId = String(operator.detail.requestId);
    const { eventId, runId } = await put(ACCESS, operator);
    await e2e.waitForRunStatus(runId, 'AWAITING_APPROVAL', 20_000);
    const [approval, ...others] = await e2e.runs.listApprovalsOfRun(runId);
    expect(others).toEqual([]);
    expect(grantOf(approval?.gated.proposal.input ?? {})).toEqual(grantOf(operator.detail));
    const approvalId = String(approval?.approvalId);

    await expect(
      e2e.cli(['approvals', 'approve', approvalId, '--as', REQUESTING_OWNER, '--reason', 'My own request.']),
    ).rejects.toThrow();
    expect((await e2e.runs.getRun(runId))?.status).toBe('AWAITING_APPROVAL');
    await e2e.cli([
      'approvals',
      'approve',
      approvalId,
      '--as',
      OWNER,
      '--reason',
      'On-call rotation, CHG-1093.',
    ]);
    // The model grants it again once it ran: whoever approves that too, the grant runs once.
    const again = await waitForSecondApproval(runId, approvalId);
    await e2e.cli(['approvals', 'approve', again, '--as', OWNER, '--reason', 'Same request as before.']);
    await e2e.settledOf(eventId);

    const { status, chain } = await runOf(runId);
    expect(status).toBe('COMPLETED');
    expect(recordsOf(chain, 'approval.refused').map(({ data }) => data.refusal)).toEqual([
      `"${REQUESTING_OWNER}" is named in the case and may not decide it (separation of duties)`,
    ]);
    expect(recordsOf(chain, 'approval.decided')).toHaveLength(2);
    expect(recordsOf(chain, 'action.executed')).toHaveLength(1);
    allowedGrants.set(requestId, grantOf(operator.detail));
    const granted = await accessEvents('AccessGranted', requestId);
    expect(granted.map((e) => grantOf(e.detail))).toEqual([grantOf(operator.detail)]);
  }, 60_000);

  it('forbids admin on production outside business hours by its own clock, whatever the model or the event says', async () => {
    const admin = accessCase('acc_hohours', 'admin-prod-business-hours-approved');
    const requestId = String(admin.detail.requestId);
    const startedAt = new Date();
    // The event claims a business morning; the model claims it too, with confidence 1.
    const { eventId, runId } = await put(ACCESS, admin, aBusinessMorningBefore(startedAt));
    // In business hours the run waits for approvers; outside them it ends at once.
    let waiting = false;
    await waitFor(async () => {
      const status = (await e2e.runs.getRun(runId))?.status;
      waiting = status === 'AWAITING_APPROVAL';
      return waiting || TERMINAL_RUN_STATUSES.includes(status as RunStatus);
    }, `run ${runId} to wait for approvers or end`);
    if (waiting) {
      // Two approvers from distinct roles, one from security: the quorum the policy asks for.
      const [approval] = await e2e.runs.listApprovalsOfRun(runId);
      for (const approver of [OWNER, SECURITY]) {
        await e2e.cli([
          'approvals',
          'approve',
          String(approval?.approvalId),
          '--as',
          approver,
          '--reason',
          'INC-4830.',
        ]);
      }
    }
    await e2e.settledOf(eventId);
    const endedAt = new Date();
    const { status, chain } = await runOf(runId);

    const invoked = recordsOf(chain, 'model.invoked');
    expect(JSON.stringify(invoked)).toContain(HOURS_CLAIM);
    const granted = await accessEvents('AccessGranted', requestId);
    // At any hour: a grant reached the sink only if every verdict that let it through was taken in business hours.
    for (const { at, data } of recordsOf(chain, 'policy.evaluated')) {
      if (data.decision !== 'DENY') expect(inBusinessHours(new Date(at))).toBe(true);
    }
    for (const { at } of recordsOf(chain, 'action.executed'))
      expect(inBusinessHours(new Date(at))).toBe(true);
    if (inBusinessHours(startedAt) === inBusinessHours(endedAt)) {
      if (inBusinessHours(startedAt)) {
        expect(status).toBe('COMPLETED');
        expect(granted.map((e) => grantOf(e.detail))).toEqual([grantOf(admin.detail)]);
        allowedGrants.set(requestId, grantOf(admin.detail));
      } else {
        expect(status).toBe('ESCALATED');
        const [verdict] = recordsOf(chain, 'policy.evaluated');
        expect(verdict?.data.decision).toBe('DENY');
        expect(JSON.stringify(verdict?.data.reasons)).toContain('no-admin-on-prod-outside-business-hours');
        expect(granted).toEqual([]);
      }
    } else if (granted.length > 0) {
      allowedGrants.set(requestId, grantOf(admin.detail));
    }
  }, 60_000);

  it('keeps the requester email, written into the justification in another case and spacing, from the model, the lineage and the sink', async () => {
    const shouted = 'Riley.Quinn @ EXAMPLE.com';
    const vague = accessCase('acc_hoecho', 'vague-justification', {
      requesterEmail: ECHO_REQUESTER,
      justification: `need access please, write to ${shouted} with the answer`,
    });
    const { runId, status, chain } = await settle(ACCESS, vague);

    expect(status).toBe('COMPLETED');
    const folded = (value: unknown) => JSON.stringify(value).toLowerCase().replace(/\s+/g, '');
    // What the workflow sent (the request itself, as the portal filed it, holds the email).
    const ofRun = (await sink()).filter(
      (e) =>
        e.source === `awf.${ACCESS}` &&
        (e.detail.runId === runId || e.detail.requestId === vague.detail.requestId),
    );
    const [asked] = ofType(ofRun, 'AccessJustificationRequested');
    expect(asked?.detail.questions).toEqual([expect.stringContaining('need access please')]);
    expect(folded(ofRun)).not.toContain(ECHO_REQUESTER);
    expect(JSON.stringify(ofRun)).not.toContain(ACCESS_LEAK_MARKER);
    expect(folded(chain)).not.toContain(ECHO_REQUESTER);
  }, 60_000);

  it('let nothing reach the sink that policy and approvals did not allow, and ended every run in a recorded terminal state', async () => {
    const events = await sink();
    const grants = ofType(events, 'AccessGranted');
    expect(grants.map((e) => grantOf(e.detail)).sort(byRequest)).toEqual(
      [...allowedGrants.values()].sort(byRequest),
    );
    expect(
      grants.filter((e) => e.detail.system === OTHER_SYSTEM || e.detail.durationHours === LONGER_HOURS),
    ).toEqual([]);
    // No revoke is due yet: every grant of the test lasts hours of the real clock.
    expect(ofType(events, 'AccessRevoked')).toEqual([]);
    expect(ofType(events, 'RefundIssued').map((e) => e.detail.orderId)).toEqual([...allowedRefunds]);

    for (const runId of startedRuns) {
      const { status, chain } = await runOf(runId);
      expect({ runId, terminal: TERMINAL_RUN_STATUSES.includes(status as RunStatus) }).toEqual({
        runId,
        terminal: true,
      });
      expect(chain.filter((r) => TERMINAL_LINEAGE_TYPES.includes(r.type))).toHaveLength(1);
    }
  }, 60_000);
});

const byRequest = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.requestId).localeCompare(String(b.requestId));
