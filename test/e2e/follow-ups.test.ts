/**
 * Follow-ups end to end in the local cloud, on its clock (run fast: an hour
 * of the cloud's time passes in a second): the fixture pack
 * `test/fixtures/follow-ups/access-grants` grants access for `durationHours`,
 * and its revoke follow-up is scheduled through the local EventBridge
 * Scheduler by the real Act, fired by it through the Lambda host, and run by
 * the real follow-up step.
 *
 * - the revoke fires after durationHours and not before, recorded in the run's chain;
 * - it fires while the workflow is halted (`awf workflows pause`);
 * - `awf runs show` lists it while pending;
 * - cancelling it waits for an approval: before approval it still fires, after approval it does not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import type { FollowUpRecord } from '../../core/followup/follow-up.js';
import { runIdFor } from '../../core/ids.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import { addAwfStacks } from '../../lib/awf-app.js';
import { discoverWorkflowPacks } from '../../workflows/discover.js';
import { cdkJsonContext, TEST_ENV } from '../infra/support/synth.js';
import { type E2eCloud, startE2eCloud } from '../support/local-cloud.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/follow-ups', import.meta.url));
const WORKFLOW = 'access-grants';
const OPERATOR = 'ops@acme.example';
const APPROVER = 'ada@acme.example';
/** An hour of the cloud's time per second. */
const SPEED = 3600;
const HOUR_MS = 3_600_000;

let e2e: E2eCloud;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'awf-follow-ups-e2e-'));
  const cdkOut = join(root, 'cdk.out');
  // The fixture pack alone, synthesized and bundled as `cdk synth` would.
  const app = new App({
    outdir: cdkOut,
    // As the CDK CLI sets them: the local cloud finds each step's function by its construct path.
    context: {
      ...cdkJsonContext(),
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
    },
  });
  addAwfStacks(app, { env: TEST_ENV, packs: await discoverWorkflowPacks(FIXTURES) });
  app.synth();
  e2e = await startE2eCloud({ cdkOut, synth: false, workflowsDir: FIXTURES, speed: SPEED });
}, 600_000);

afterAll(async () => {
  await e2e?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

let counter = 0;
/** Puts an access request, waits for its run to complete, and returns its run and its follow-up. */
async function granted(durationHours: number) {
  counter += 1;
  const requestId = `req-${Date.now().toString(36)}-${counter}`;
  const eventId = await e2e.putEvent({
    source: 'acme.fixture',
    'detail-type': 'AccessRequested',
    detail: { requestId, system: 'billing', level: 'admin', durationHours, requester: 'eve@acme.example' },
  });
  const runId = runIdFor(WORKFLOW, eventId);
  await e2e.waitForRunStatus(runId, 'COMPLETED');
  const [followUp] = await e2e.runs.listFollowUpsOfRun(runId);
  if (!followUp) throw new Error(`run ${runId} scheduled no follow-up`);
  return { requestId, runId, followUp };
}

/** Polls the follow-up until it has `status`, within `timeoutMs` of wall time. */
async function followUpReaches(followUpId: string, status: FollowUpRecord['status'], timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await e2e.runs.getFollowUp(followUpId);
    if (current?.status === status) return current;
    if (Date.now() > deadline) {
      throw new Error(
        `follow-up ${followUpId} did not become ${status} (it is ${current?.status ?? 'missing'})`,
      );
    }
    await sleep(200);
  }
}

/** The revokes the bus delivered for a request. */
async function revokesOf(requestId: string): Promise<unknown[]> {
  await e2e.cloud.eventBridge.eventBridge.whenIdle();
  const sink = JSON.parse(await e2e.cli(['events', 'sink', '--json', '--all'])) as {
    'detail-type': string;
    detail: Record<string, unknown>;
  }[];
  return sink.filter(
    (event) => event['detail-type'] === 'AccessRevoked' && event.detail.requestId === requestId,
  );
}

const ofType = (chain: readonly LineageRecord[], type: string) =>
  chain.filter((record) => record.type === type);

describe('follow-ups in the local cloud', () => {
  it('schedules the revoke with the grant, lists it while pending, and runs it after durationHours, not before', async () => {
    const { requestId, runId, followUp } = await granted(12);
    const chain = await e2e.lineage.chain(runId);
    const [executed] = ofType(chain, 'action.executed');
    const [scheduled] = ofType(chain, 'followup.scheduled');
    expect(scheduled?.data).toMatchObject({
      followUpId: followUp.followUpId,
      action: 'revokeAccess',
      dueAt: followUp.dueAt,
    });
    const dueMs = Date.parse(followUp.dueAt);
    expect(dueMs - Date.parse(executed?.at ?? '')).toBeGreaterThanOrEqual(12 * HOUR_MS);
    expect(dueMs - Date.parse(executed?.at ?? '')).toBeLessThan(12 * HOUR_MS + 1000);

    // Pending: listed by `awf runs show`, in its schedule, and nothing revoked yet.
    const shown = JSON.parse(await e2e.cli(['runs', 'show', runId, '--json'])) as { followUps: unknown[] };
    expect(shown.followUps).toEqual([
      expect.objectContaining({
        followUpId: followUp.followUpId,
        action: 'revokeAccess',
        status: 'PENDING',
        dueAt: followUp.dueAt,
      }),
    ]);
    expect(e2e.cloud.scheduler.scheduler.list().map((schedule) => schedule.name)).toContain(
      followUp.scheduleName,
    );
    expect(await revokesOf(requestId)).toEqual([]);

    const done = await followUpReaches(followUp.followUpId, 'DONE');
    const [ran] = ofType(await e2e.lineage.chain(runId), 'followup.executed');
    expect(Date.parse(ran?.at ?? '')).toBeGreaterThanOrEqual(dueMs);
    expect(ran).toMatchObject({
      actor: 'awf:follow-up',
      data: { action: 'revokeAccess', switchMode: 'run' },
    });
    expect(await revokesOf(requestId)).toHaveLength(1);
    expect(done.endedAt).toBeDefined();
    // One-time schedules are gone once they fired.
    expect(e2e.cloud.scheduler.scheduler.list().map((schedule) => schedule.name)).not.toContain(
      followUp.scheduleName,
    );
  }, 120_000);

  it('runs the revoke while the workflow is halted; cancelling one waits for an approval', async () => {
    const halted = await granted(20);
    const unapproved = await granted(24);
    const cancelled = await granted(30);

    await e2e.cli([
      'workflows',
      'pause',
      WORKFLOW,
      '--reason',
      'incident under investigation',
      '--as',
      OPERATOR,
    ]);
    try {
      // Both cancellations are asked; only one is approved.
      for (const { followUp } of [unapproved, cancelled]) {
        await e2e.cli([
          'runs',
          'cancel-follow-up',
          followUp.followUpId,
          '--reason',
          'extended by the change board',
          '--as',
          OPERATOR,
        ]);
      }
      const asked = await e2e.runs.getFollowUp(cancelled.followUp.followUpId);
      expect(asked).toMatchObject({ status: 'PENDING', cancellationApprovalId: expect.any(String) });
      const approvalId = String(asked?.cancellationApprovalId);
      expect(await e2e.runs.getApproval(approvalId)).toMatchObject({
        status: 'PENDING',
        gated: { proposal: { action: 'cancel revokeAccess' } },
      });
      // Until approved, it stays due.
      expect(e2e.cloud.scheduler.scheduler.list().map((s) => s.name)).toContain(
        cancelled.followUp.scheduleName,
      );
      await e2e.cli([
        'approvals',
        'approve',
        approvalId,
        '--as',
        APPROVER,
        '--reason',
        'Extension approved.',
      ]);
      await followUpReaches(cancelled.followUp.followUpId, 'CANCELLED', 10_000);
      expect(e2e.cloud.scheduler.scheduler.list().map((s) => s.name)).not.toContain(
        cancelled.followUp.scheduleName,
      );

      // Halted, the revoke still runs, and says so.
      await followUpReaches(halted.followUp.followUpId, 'DONE');
      const [ranHalted] = ofType(await e2e.lineage.chain(halted.runId), 'followup.executed');
      expect(ranHalted?.data).toMatchObject({ switchMode: 'halt' });
      expect(await revokesOf(halted.requestId)).toHaveLength(1);

      // The cancellation nobody approved did not stop it.
      await followUpReaches(unapproved.followUp.followUpId, 'DONE');
      expect(await revokesOf(unapproved.requestId)).toHaveLength(1);

      // The approved cancellation: once its due time has passed (it was due 6 hours after the one above), nothing ran.
      await sleep(((30 - 24) * HOUR_MS) / SPEED + 2_000);
      expect(await e2e.runs.getFollowUp(cancelled.followUp.followUpId)).toMatchObject({
        status: 'CANCELLED',
      });
      expect(await revokesOf(cancelled.requestId)).toEqual([]);
      const chain = await e2e.lineage.chain(cancelled.runId);
      expect(ofType(chain, 'followup.executed')).toEqual([]);
      expect(ofType(chain, 'followup.cancelled')).toEqual([
        expect.objectContaining({
          actor: 'awf:decide-approval',
          data: expect.objectContaining({ approvers: [APPROVER] }),
        }),
      ]);
    } finally {
      await e2e.cli(['workflows', 'resume', WORKFLOW, '--reason', 'incident closed', '--as', OPERATOR]);
    }
  }, 180_000);
});
