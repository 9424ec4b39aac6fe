import { runIdFor } from '../../../core/ids.js';
import { verifyChain } from '../../../core/lineage/verify.js';
import { admitStep } from '../../../core/steps/admit/admit.js';
import type { AdmitInput } from '../../../core/steps/contracts.js';
import { admitInputSchema } from '../../../core/steps/contracts.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';
import { aRefundRequestedEvent, busEventFrom, refundTriageExamples } from '../../support/event-builders.js';
import { fixedClock, InMemoryLineageStore, InMemoryRunsStore } from '../../support/in-memory-stores.js';
import { buildStep, type TestPorts } from '../../support/step-builders.js';

function admit(input: AdmitInput, { spec, ...ports }: TestPorts & { readonly spec: WorkflowSpec }) {
  return buildStep(admitStep, { spec, prompt: '', policies: '' }, ports)(input);
}

const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:awf-refund-triage:exec-1';

function setup() {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const deps = { spec: refundTriage, runs, lineage, clock: fixedClock('2026-11-02T14:21:00.000Z') };
  const run = (input: Partial<AdmitInput> = {}) =>
    admit({ event: aRefundRequestedEvent(), executionId: EXECUTION, ...input }, deps);
  return { runs, lineage, deps, run };
}

describe('admit', () => {
  it('admits a valid refund request as a new RUNNING run', async () => {
    const { runs, run } = setup();
    const runId = runIdFor('refund-triage', 'evt-refund-1');
    const result = await run();
    expect(result).toEqual({
      outcome: 'ADMITTED',
      iteration: 0,
      run: {
        runId,
        workflowId: 'refund-triage',
        workflowVersion: '1.0.0',
        entityId: 'ord_4k8m2p',
        eventId: 'evt-refund-1',
        startedAt: '2026-11-02T14:21:00.000Z',
        maxIterations: 3,
      },
    });
    expect(await runs.getRun(runId)).toMatchObject({
      status: 'RUNNING',
      executionId: EXECUTION,
      event: aRefundRequestedEvent(),
      updatedAt: '2026-11-02T14:21:00.000Z',
    });
  });

  it('leaves the history key out of the run reference when the spec classifies its field pii', async () => {
    const { runs, lineage } = setup();
    const spec = {
      ...refundTriage,
      data: {
        ...refundTriage.data,
        classification: { ...refundTriage.data.classification, '$.detail.customerId': 'pii' as const },
      },
    };
    const deps = { spec, runs, lineage, clock: fixedClock('2026-11-02T14:21:00.000Z') };
    const result = await admit({ event: aRefundRequestedEvent(), executionId: EXECUTION }, deps);
    expect(result.outcome).toBe('ADMITTED');
    expect(JSON.stringify(result)).not.toContain('cus_9x2b7d');
  });

  it('stores the detail the model may see, with pii fields redacted', async () => {
    const { runs, run } = setup();
    await run();
    const stored = await runs.getRun(runIdFor('refund-triage', 'evt-refund-1'));
    expect(stored?.redactedDetail).toMatchObject({
      orderId: 'ord_4k8m2p',
      amount: 45.5,
      customerEmail: '[REDACTED:pii]',
      customerPhone: '[REDACTED:pii]',
    });
  });

  it('opens the lineage chain with run.started naming the redacted fields, and no pii anywhere in it', async () => {
    const { lineage, run } = setup();
    await run();
    const chain = lineage.recordsOf(runIdFor('refund-triage', 'evt-refund-1'));
    expect(chain).toHaveLength(1);
    expect(chain[0]).toMatchObject({
      seq: 0,
      type: 'run.started',
      actor: 'awf:admit',
      entityKey: 'refund-triage#ord_4k8m2p',
      versions: { workflowVersion: '1.0.0' },
      data: {
        eventId: 'evt-refund-1',
        source: 'acme.payments',
        detailType: 'RefundRequested',
        executionId: EXECUTION,
        redactedFields: { '$.detail.customerEmail': 'pii', '$.detail.customerPhone': 'pii' },
      },
    });
    const text = JSON.stringify(chain);
    expect(text).not.toContain('jordan.lee@example.com');
    expect(text).not.toContain('+14155550142');
    expect(verifyChain(chain).ok).toBe(true);
  });

  it('answers DUPLICATE to another execution of the same event, writing nothing', async () => {
    const { runs, lineage, run } = setup();
    await run();
    const result = await run({ executionId: `${EXECUTION}-again` });
    expect(result).toEqual({ outcome: 'DUPLICATE', runId: runIdFor('refund-triage', 'evt-refund-1') });
    expect(lineage.all()).toHaveLength(1);
    expect((await runs.getRun(runIdFor('refund-triage', 'evt-refund-1')))?.executionId).toBe(EXECUTION);
  });

  it('finishes a retried admission of the same execution instead of calling it a duplicate', async () => {
    const { runs, lineage, deps } = setup();
    const first = await admit({ event: aRefundRequestedEvent(), executionId: EXECUTION }, deps);
    // The retry comes later; it must report the run as first stored and not write run.started twice.
    const retried = await admit(
      { event: aRefundRequestedEvent(), executionId: EXECUTION },
      { ...deps, clock: fixedClock('2026-11-02T14:21:05.000Z') },
    );
    expect(retried).toEqual(first);
    expect(lineage.ofType('run.started')).toHaveLength(1);
    expect((await runs.listRuns({ workflowId: 'refund-triage' })).length).toBe(1);
  });

  it('writes run.started on retry when the first attempt stopped after creating the run', async () => {
    const { lineage, deps } = setup();
    const throwingLineage = {
      head: lineage.head.bind(lineage),
      chain: lineage.chain.bind(lineage),
      putIfAbsent: async () => {
        throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      },
    };
    await expect(
      admit(
        { event: aRefundRequestedEvent(), executionId: EXECUTION },
        { ...deps, lineage: throwingLineage },
      ),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    const retried = await admit({ event: aRefundRequestedEvent(), executionId: EXECUTION }, deps);
    expect(retried.outcome).toBe('ADMITTED');
    expect(lineage.ofType('run.started')).toHaveLength(1);
  });

  it('rejects a detail that fails the trigger schema, naming each bad field, and opens no run', async () => {
    const { runs, lineage, run } = setup();
    const invalid = refundTriageExamples().find((e) => e.name === 'invalid-negative-amount');
    if (!invalid) throw new Error('example invalid-negative-amount is missing');
    const result = await run({ event: busEventFrom(invalid, 'evt-bad') });

    expect(result.outcome).toBe('REJECTED');
    const problems = result.outcome === 'REJECTED' ? result.problems : [];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^detail\.customerId: /),
        expect.stringMatching(/^detail\.amount: /),
        expect.stringMatching(/^detail\.customerEmail: /),
      ]),
    );
    expect(problems).toHaveLength(3);
    expect(await runs.listRuns({})).toEqual([]);
    const [rejected] = lineage.ofType('event.rejected');
    expect(rejected).toMatchObject({
      chainId: runIdFor('refund-triage', 'evt-bad'),
      seq: 0,
      entityId: 'ord_9z9z9z',
      data: { eventId: 'evt-bad', problems },
    });
    expect(JSON.stringify(rejected)).not.toContain('not-an-email');
  });

  it('records a rejected event once, however often it is delivered', async () => {
    const { lineage, run } = setup();
    const bad = aRefundRequestedEvent({ amount: -1 });
    await run({ event: bad });
    await run({ event: bad, executionId: `${EXECUTION}-again` });
    expect(lineage.ofType('event.rejected')).toHaveLength(1);
  });

  it('rejects an event holding values no record can hold, recorded with the field named, and opens no run', async () => {
    const { runs, lineage, run } = setup();
    const event = aRefundRequestedEvent();
    const hostile = {
      ...event,
      id: 'evt-hostile',
      detail: {
        ...JSON.parse('{"constructor":{"admin":true}}'),
        ...(event.detail as object),
        amount: 2 ** 60,
      },
    };

    const result = await run({ event: hostile });

    expect(result.outcome).toBe('REJECTED');
    expect(result.outcome === 'REJECTED' ? result.problems : []).toEqual([
      'event.detail.constructor: the key "constructor" is not allowed (it names an object\'s prototype, not data)',
      `event.detail.amount: ${2 ** 60} is beyond the integers a record can hold exactly (±${Number.MAX_SAFE_INTEGER})`,
    ]);
    expect(await runs.listRuns({})).toEqual([]);
    expect(lineage.ofType('event.rejected')[0]?.data.problems).toHaveLength(2);
  });

  it("keeps the customer's email out of run.started even where it is written into free text", async () => {
    const { lineage, run } = setup();
    const event = aRefundRequestedEvent();
    const detail = event.detail as Record<string, unknown>;
    const email = String(detail.customerEmail);
    const shouted = email.toUpperCase().replace('@', ' @ ');

    const result = await run({
      event: { ...event, detail: { ...detail, reason: `Reply to ${shouted} please.` } },
    });

    expect(result.outcome).toBe('ADMITTED');
    const [started] = lineage.ofType('run.started');
    const recorded = JSON.stringify(started?.data).toLowerCase().replace(/\s/g, '');
    expect(recorded).not.toContain(email.toLowerCase());
    expect(started?.data).toMatchObject({
      redactedDetail: { reason: 'Reply to [REDACTED:pii] please.' },
      redactedFields: { '$.detail.reason': 'pii' },
    });
  });

  it('rejects an event of another source or detail-type, naming what was expected', async () => {
    const { run } = setup();
    const result = await run({
      event: aRefundRequestedEvent({}, { source: 'acme.shipping', 'detail-type': 'ParcelLost' }),
    });
    expect(result).toMatchObject({
      outcome: 'REJECTED',
      problems: [
        'source: expected "acme.payments", got "acme.shipping"',
        'detail-type: expected "RefundRequested", got "ParcelLost"',
      ],
    });
  });

  it('rejects an event without the entity id, naming the entity key path', async () => {
    const { lineage, run } = setup();
    const result = await run({ event: aRefundRequestedEvent({ orderId: undefined }) });
    expect(result.outcome === 'REJECTED' && result.problems).toContain(
      '$.detail.orderId: expected the entity id (a non-empty string or a number), got nothing',
    );
    expect(lineage.ofType('event.rejected')[0]?.entityId).toBe('unknown');
  });

  it.each(refundTriageExamples().map((example) => [example.name, example] as const))(
    'treats the example event %s as its author expects',
    async (_name, example) => {
      const { run } = setup();
      const result = await run({ event: busEventFrom(example) });
      expect(result.outcome).toBe(example.expect.outcome === 'REJECT' ? 'REJECTED' : 'ADMITTED');
    },
  );
});

describe('admitInputSchema', () => {
  it('fails an input without an event id, naming the field', () => {
    const { id: _id, ...withoutId } = aRefundRequestedEvent();
    const parsed = admitInputSchema.safeParse({ event: withoutId, executionId: EXECUTION });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['event.id']);
  });

  it('keeps event fields it does not know', () => {
    const parsed = admitInputSchema.parse({
      event: { ...aRefundRequestedEvent(), 'replay-name': 'r1' },
      executionId: EXECUTION,
    });
    expect(parsed.event['replay-name']).toBe('r1');
  });
});
