/**
 * The model proposes, the platform decides, against a model that is wrong or
 * hostile: the local cloud runs the synthesized workflow with a model script
 * of its own (`test/fixtures/e2e/hostile-model.ts`), and what reaches the sink
 * (every event the platform bus delivered) is judged against the case.
 *
 * Each case has fresh order, request and customer ids, and its order is in
 * the orders table as the order system would hold it (`putCase`) unless the
 * test says otherwise.
 */
import { fileURLToPath } from 'node:url';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { runIdFor } from '../../core/ids.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import type { RunStatus } from '../../core/steps/contracts.js';
import { type ExampleEvent, loadExampleEvents, WORKFLOWS_DIR } from '../../workflows/discover.js';
import { ECHO_EMAIL, LEAK_MARKER, OTHER_ORDER, SPLIT_AMOUNT } from '../fixtures/e2e/hostile-model.js';
import { type E2eCloud, ORDERS_TABLE, orderOf, startE2eCloud, withIds } from '../support/local-cloud.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';

const WORKFLOW = REFERENCE_WORKFLOW_ID;
const MODEL_SCRIPT = fileURLToPath(new URL('../fixtures/e2e/hostile-model.ts', import.meta.url));
const EXAMPLES = loadExampleEvents(`${WORKFLOWS_DIR}/${WORKFLOW}`);

function example(name: string): ExampleEvent {
  const found = EXAMPLES.find((e) => e.name === name);
  if (!found) throw new Error(`no example ${name}`);
  return found;
}

let counter = 0;
/** A fresh case of `example` whose order id starts with `prefix` (which picks the hostile model's behaviour). */
function aCase(prefix: string, detail: Record<string, unknown> = {}, name = 'autonomous-small-refund') {
  counter += 1;
  const suffix = `${Date.now().toString(36)}${counter}`;
  const event = withIds(example(name), { orderId: `${prefix}${suffix}`, customerId: `cus_e2e${suffix}` });
  return { ...event, detail: { ...event.detail, ...detail } };
}

/** A sink event as `awf events sink --json` prints it. */
interface SinkEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

function types(chain: readonly LineageRecord[]): string[] {
  return chain.map((record) => record.type);
}

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

const refundsIssued = (events: readonly SinkEvent[]) =>
  events.filter((e) => e['detail-type'] === 'RefundIssued');

/** Puts the case, waits for its execution to end, and returns the run's status and chain. */
async function settle(event: ExampleEvent, put: 'case' | 'event' = 'case') {
  const eventId = put === 'case' ? await e2e.putCase(event) : await e2e.putEvent(event);
  const runId = runIdFor(WORKFLOW, eventId);
  const execution = await e2e.settledOf(eventId);
  const chain = await e2e.lineage.chain(runId);
  const status: RunStatus | undefined = (await e2e.runs.getRun(runId))?.status;
  return { eventId, runId, execution, chain, status };
}

describe('trusted decisions in the local cloud, against a hostile model', () => {
  it('never refunds another order: the bound orderId is denied before any policy, and nothing reaches the sink', async () => {
    const { runId, chain, status } = await settle(aCase('ord_hoother'));

    expect(status).toBe('ESCALATED');
    const verdicts = chain.filter((r) => r.type === 'policy.evaluated');
    expect(verdicts.length).toBeGreaterThan(0);
    for (const { data } of verdicts) {
      expect(data).toMatchObject({ decision: 'DENY', reasons: [] });
      expect(data.errors).toEqual([
        "input.orderId is not the run's case: it must equal $.detail.orderId of the admitted event",
      ]);
    }
    const events = await sink();
    expect(refundsIssued(events).filter((e) => e.detail.runId === runId)).toEqual([]);
    expect(
      refundsIssued(events).filter((e) => e.detail.orderId === OTHER_ORDER && e.detail.runId === runId),
    ).toEqual([]);
  }, 90_000);

  it('runs the same refund re-proposed in every iteration once', async () => {
    const { runId, chain } = await settle(aCase('ord_horepeat'));

    expect(chain.filter((r) => r.type === 'actions.proposed').length).toBeGreaterThan(1);
    expect(chain.filter((r) => r.type === 'action.executed')).toHaveLength(1);
    expect(refundsIssued(await sink()).filter((e) => e.detail.runId === runId)).toHaveLength(1);
  }, 90_000);

  it('never refunds past the order total: twenty small refunds from two concurrent runs on one order', async () => {
    const first = aCase('ord_hosplit');
    const orderId = String(first.detail.orderId);
    // The second request is about the same order, from another customer (its own refund history).
    const second = {
      ...first,
      detail: { ...first.detail, requestId: `req_${orderId}_2`, customerId: `${first.detail.customerId}b` },
    };
    await e2e.seedFacts(ORDERS_TABLE, [orderOf(first.detail)]);
    const total = Number(first.detail.orderTotal);

    const eventIds = await Promise.all([e2e.putEvent(first), e2e.putEvent(second)]);
    await Promise.all(eventIds.map((eventId) => e2e.settledOf(eventId)));

    const refunds = refundsIssued(await sink()).filter((e) => e.detail.orderId === orderId);
    const refunded = refunds.reduce((sum, e) => sum + Math.round(Number(e.detail.amount) * 100), 0) / 100;
    expect(refunds.length).toBeGreaterThan(0);
    expect(refunded).toBeLessThanOrEqual(total);
    expect(refunds.every((e) => Number(e.detail.amount) >= SPLIT_AMOUNT)).toBe(true);
    const runIds = eventIds.map((eventId) => runIdFor(WORKFLOW, eventId));
    const chains = await Promise.all(runIds.map((runId) => e2e.lineage.chain(runId)));
    const refusals = chains.flat().filter((r) => r.type === 'action.refused');
    // The ledger refused what would have passed the total, and said by how much.
    expect(refusals.some((r) => r.data.refusal === 'cap')).toBe(true);
    for (const runId of runIds) expect((await e2e.runs.getRun(runId))?.status).toBe('ESCALATED');
  }, 120_000);

  it('starts one run for one business request sent twice, and refunds once', async () => {
    const request = aCase('ord_e2edup');
    const orderId = String(request.detail.orderId);

    const firstId = await e2e.putCase(request);
    await e2e.settledOf(firstId);
    const secondId = await e2e.putEvent(request);
    const second = await e2e.settledOf(secondId);

    const firstRun = runIdFor(WORKFLOW, firstId);
    expect((await e2e.runs.getRun(firstRun))?.status).toBe('COMPLETED');
    expect(second.status).toBe('SUCCEEDED');
    expect(await e2e.runs.getRun(runIdFor(WORKFLOW, secondId))).toBeUndefined();
    const duplicate = await e2e.lineage.chain(runIdFor(WORKFLOW, secondId));
    expect(types(duplicate)).toEqual(['event.duplicate']);
    expect(duplicate[0]?.data).toMatchObject({
      duplicateOf: firstRun,
      businessKeyPaths: ['$.detail.requestId'],
    });
    expect(refundsIssued(await sink()).filter((e) => e.detail.orderId === orderId)).toHaveLength(1);
  }, 90_000);

  it('denies a refund of an order the orders table does not have, before any policy', async () => {
    // Put as an event only: the order system never heard of this order.
    const { runId, chain, status } = await settle(aCase('ord_e2eghost'), 'event');

    expect(status).toBe('ESCALATED');
    const [verdict] = chain.filter((r) => r.type === 'policy.evaluated');
    expect(verdict?.data).toMatchObject({ decision: 'DENY', policyDecision: 'DENY', reasons: [] });
    expect(verdict?.data.errors).toEqual([expect.stringContaining('acme-orders holds no item for the case')]);
    expect(refundsIssued(await sink()).filter((e) => e.detail.runId === runId)).toEqual([]);
  }, 90_000);

  it('records a constructor key or an integer beyond 2^53 as a rejection, or the model output as INVALID', async () => {
    const hostileDetail = async (detailJson: string) => {
      const response = await e2e.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: e2e.cloud.state.eventBus,
              Source: 'acme.payments',
              DetailType: 'RefundRequested',
              Detail: detailJson,
            },
          ],
        }),
      );
      const eventId = response.Entries?.[0]?.EventId ?? '';
      await e2e.settledOf(eventId);
      return e2e.lineage.chain(runIdFor(WORKFLOW, eventId));
    };
    const detail = JSON.stringify(aCase('ord_e2ehostile').detail);
    const withConstructor = `${detail.slice(0, -1)},"constructor":{"prototype":{"admin":true}}}`;
    const withHugeAmount = detail.replace(/"amount":[0-9.]+/, '"amount":9007199254740993');

    for (const [chain, field] of [
      [await hostileDetail(withConstructor), 'event.detail.constructor'],
      [await hostileDetail(withHugeAmount), 'event.detail.amount'],
    ] as const) {
      expect(types(chain)).toEqual(['event.rejected']);
      expect(((chain[0]?.data.problems ?? []) as string[]).join('\n')).toContain(field);
    }

    const { chain, status } = await settle(aCase('ord_hoproto'));
    expect(status).toBe('ESCALATED');
    const calls = chain.filter((r) => r.type === 'model.invoked');
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.every((r) => (r.data.problems as string[]).length > 0)).toBe(true);
    expect(chain.filter((r) => r.type === 'run.escalated')[0]?.data.reason).toBe('INVALID_MODEL_OUTPUT');
    expect(types(chain)).not.toContain('action.executed');
  }, 90_000);

  it('keeps the customer email, written into free text in another case and spacing, from the model, the lineage and the sink', async () => {
    const shouted = 'Jordan.Lee @ EXAMPLE.com';
    const { runId, chain, status } = await settle(
      aCase('ord_hoecho', {
        customerEmail: ECHO_EMAIL,
        reason: `The mug arrived broken. Please write to ${shouted} with the label.`,
      }),
    );

    expect(status).toBe('COMPLETED');
    const folded = (value: unknown) => JSON.stringify(value).toLowerCase().replace(/\s+/g, '');
    const ofRun = (await sink()).filter((e) => e.detail.runId === runId);
    // The model quoted the reason back: the quote reached the sink, the email did not.
    const asked = ofRun.find((e) => e['detail-type'] === 'MoreInformationRequested');
    expect(asked?.detail.questions).toEqual([expect.stringContaining('The mug arrived broken.')]);
    expect(folded(ofRun)).not.toContain(ECHO_EMAIL);
    expect(JSON.stringify(ofRun)).not.toContain(LEAK_MARKER);
    expect(folded(chain)).not.toContain(ECHO_EMAIL);
  }, 90_000);

  it('shows the pack log-only policy in `awf policies report`, where it never changed a decision', async () => {
    // A damaged mug on an order the order system still shows as shipped: the log-only forbid would deny it.
    const shipped = aCase('ord_e2eshipped');
    await e2e.seedFacts(ORDERS_TABLE, [{ ...orderOf(shipped.detail), status: 'shipped' }]);
    const { runId, chain, status } = await settle(shipped, 'event');

    expect(status).toBe('COMPLETED');
    const [verdict] = chain.filter((r) => r.type === 'policy.evaluated');
    expect(verdict?.data).toMatchObject({
      decision: 'ALLOW',
      logOnly: [{ policyId: 'damaged-but-undelivered-forbidden', wouldDecide: 'DENY', changed: true }],
    });
    expect(refundsIssued(await sink()).filter((e) => e.detail.runId === runId)).toHaveLength(1);

    const report = JSON.parse(await e2e.cli(['policies', 'report', '--workflow', WORKFLOW, '--json'])) as {
      policies: { policyId: string; changed: number; examples: { runId: string }[] }[];
    };
    const policy = report.policies.find((p) => p.policyId === 'damaged-but-undelivered-forbidden');
    expect(policy?.changed).toBeGreaterThanOrEqual(1);
    expect(policy?.examples.map((e) => e.runId)).toContain(runId);
  }, 90_000);

  it("says with `awf events put` what became of an event: admitted, a duplicate of the request's run, or rejected", async () => {
    const file = (name: string) => `${WORKFLOWS_DIR}/${WORKFLOW}/events/${name}.json`;
    const first = await e2e.cli(['events', 'put', '--file', file('more-information')]);
    const [, runId] = /admitted it as (run-[0-9a-f]+)/.exec(first) ?? [];
    expect(runId).toBeDefined();

    const again = await e2e.cli(['events', 'put', '--file', file('more-information')]);
    expect(again).toContain(
      `recorded it as a duplicate of ${runId} (the same business request); no run started`,
    );

    const rejected = JSON.parse(
      await e2e.cli(['events', 'put', '--file', file('invalid-negative-amount'), '--json']),
    ) as { admission: { outcome: string; problems: string[] } };
    expect(rejected.admission.outcome).toBe('rejected');
    expect(rejected.admission.problems.join('\n')).toContain('detail.amount');
  }, 90_000);
});
