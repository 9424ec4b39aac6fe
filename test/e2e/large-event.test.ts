/**
 * An event near EventBridge's 256 KB limit is never lost silently: put on
 * the local bus through the real client, it ends as a run in a recorded
 * state or as a recorded rejection (`event.rejected`), judged by the runs
 * table and the lineage.
 */
import { runIdFor } from '../../core/ids.js';
import { verifyChain } from '../../core/lineage/verify.js';
import { loadExampleEvents, WORKFLOWS_DIR } from '../../workflows/discover.js';
import { type E2eCloud, startE2eCloud, withIds } from '../support/local-cloud.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';

const WORKFLOW = REFERENCE_WORKFLOW_ID;
const SMALL_REFUND = loadExampleEvents(`${WORKFLOWS_DIR}/${WORKFLOW}`).find(
  (e) => e.name === 'autonomous-small-refund',
);
/** What a run may end in (or wait in) once its execution settled: each is a recorded state. */
const RECORDED_STATUSES = ['COMPLETED', 'ESCALATED', 'AWAITING_APPROVAL', 'FAILED', 'TIMED_OUT', 'ABORTED'];

let e2e: E2eCloud;

beforeAll(async () => {
  e2e = await startE2eCloud();
}, 240_000);

afterAll(async () => {
  await e2e?.stop();
});

it('ends a 250 KB event as a recorded run or a recorded rejection, never silently', async () => {
  if (!SMALL_REFUND) throw new Error('no autonomous-small-refund example');
  const event = withIds(SMALL_REFUND, { orderId: 'ord_e2ebig1', customerId: 'cus_e2ebig1' });
  // A customer's note of 250 KB: the whole entry stays under PutEvents' 256 KB.
  Object.assign(event.detail, { note: 'x'.repeat(250 * 1024) });
  expect(Buffer.byteLength(JSON.stringify(event.detail))).toBeGreaterThan(250 * 1024);

  const eventId = await e2e.putCase(event);
  await e2e.settledOf(eventId, 90_000).catch(() => undefined);
  await e2e.cloud.eventBridge.eventBridge.whenIdle();
  const runId = runIdFor(WORKFLOW, eventId);
  const run = await e2e.runs.getRun(runId);
  const chain = await e2e.lineage.chain(runId);
  const rejected = chain.some((record) => record.type === 'event.rejected');

  expect({ recorded: rejected || RECORDED_STATUSES.includes(run?.status ?? 'none') }).toEqual({
    recorded: true,
  });
  expect(chain.length).toBeGreaterThan(0);
  expect(verifyChain(chain, { ended: rejected || run?.status !== 'AWAITING_APPROVAL' }).problems).toEqual([]);
}, 180_000);
