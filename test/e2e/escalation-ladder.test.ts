/**
 * The escalation ladder in the local cloud, on its scaled clock (an hour of
 * the cloud's time passes in two seconds): the template's reminder schedule
 * runs the remind function, which records each rung of a refund approval
 * nobody decides (payments-lead after 4 hours, finance-director after 8) and
 * puts `ApprovalEscalated` on the bus, where the workflow's notification rule
 * sends it to its topic; at 24 hours the approval expires, the refund is
 * denied by default and the run ends ESCALATED. The lineage holds the rungs,
 * then the expiry, in order; the topic's log holds the request, each rung
 * once, then the escalation.
 */
import { runIdFor } from '../../core/ids.js';
import { verifyChain } from '../../core/lineage/verify.js';
import { loadExampleEvents, WORKFLOWS_DIR } from '../../workflows/discover.js';
import { type E2eCloud, startE2eCloud, withIds } from '../support/local-cloud.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';

const WORKFLOW = REFERENCE_WORKFLOW_ID;
const LARGE_REFUND = loadExampleEvents(`${WORKFLOWS_DIR}/${WORKFLOW}`).find(
  (e) => e.name === 'approval-large-refund',
);
/** The cloud's hours per wall-clock second, halved: the 24-hour approval ends in about 48 seconds. */
const SPEED = 1800;
const HOUR = 3_600_000;

let e2e: E2eCloud;

beforeAll(async () => {
  e2e = await startE2eCloud({ speed: SPEED });
}, 240_000);

afterAll(async () => {
  await e2e?.stop();
});

it('records rung 1, rung 2 and the expiry in order, tells the topic of each rung once, and runs nothing', async () => {
  if (!LARGE_REFUND) throw new Error('no approval-large-refund example');
  const event = withIds(LARGE_REFUND, { orderId: 'ord_e2eladder1', customerId: 'cus_e2eladder1' });
  const eventId = await e2e.putCase(event);
  const runId = runIdFor(WORKFLOW, eventId);
  await e2e.waitForRunStatus(runId, 'AWAITING_APPROVAL');

  // Nobody decides: the wait ends at the approval timeout, 24 hours of the cloud's clock.
  await e2e.settledOf(eventId, 150_000);
  await e2e.cloud.eventBridge.eventBridge.whenIdle();

  expect((await e2e.runs.getRun(runId))?.status).toBe('ESCALATED');
  const chain = await e2e.lineage.chain(runId);
  expect(verifyChain(chain, { ended: true })).toEqual({ ok: true, problems: [] });
  expect(chain.map((record) => record.type)).not.toContain('action.executed');
  const requested = chain.find((record) => record.type === 'approval.requested');
  if (!requested) throw new Error('the run holds no approval.requested record');
  const ladder = chain
    .filter((record) => record.seq >= requested.seq && record.type !== 'approval.refused')
    .map((record) => [record.type, record.actor, record.data.rung ?? null]);
  expect(ladder).toEqual([
    ['approval.requested', 'awf:request-approval', null],
    ['approval.escalated', 'awf:remind', 1],
    ['approval.escalated', 'awf:remind', 2],
    ['approval.expired', 'awf:escalate', null],
    ['run.escalated', 'awf:escalate', null],
  ]);
  // Each rung came no earlier than it was due, and before the expiry.
  const rungs = chain.filter((record) => record.type === 'approval.escalated');
  for (const [index, rung] of rungs.entries()) {
    expect(Date.parse(rung.at) - Date.parse(requested.at)).toBeGreaterThanOrEqual((index + 1) * 4 * HOUR);
    expect(Date.parse(rung.at)).toBeLessThan(Date.parse(String(requested.data.expiresAt)));
  }
  expect(chain.at(-1)?.data).toMatchObject({ status: 'ESCALATED', reason: 'APPROVAL_EXPIRED' });

  // What the workflow's topic would have told people, as the local topics log it.
  const told = e2e.cloud.notifications
    .published()
    .map(
      (notification) =>
        JSON.parse(notification.message) as { 'detail-type': string; detail: Record<string, unknown> },
    )
    .filter((message) => message.detail.runId === runId && message['detail-type'] !== 'ApprovalReminder')
    .map((message) => [message['detail-type'], message.detail.rung ?? null, message.detail.role ?? null]);
  expect(told).toEqual([
    ['ApprovalRequested', null, null],
    ['ApprovalEscalated', 1, 'payments-lead'],
    ['ApprovalEscalated', 2, 'finance-director'],
    ['WorkflowEscalated', null, null],
  ]);
  // The same, as `awf events sink --notifications` reads it from the state folder.
  const sink = JSON.parse(await e2e.cli(['events', 'sink', '--notifications', '--json'])) as unknown[];
  expect(JSON.stringify(sink)).toContain('ApprovalEscalated');
}, 200_000);
