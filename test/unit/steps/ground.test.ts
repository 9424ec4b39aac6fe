import * as z from 'zod';
import { InMemoryFactReader } from '../../../adapters/memory-fact-reader.js';
import type { RunStepInput } from '../../../core/steps/contracts.js';
import { groundStep } from '../../../core/steps/ground/ground.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import { defineWorkflow } from '../../../core/workflow/spec.js';
import { buildStep, type TestPorts } from '../../support/step-builders.js';

function ground(input: RunStepInput, { spec, ...ports }: TestPorts & { readonly spec: WorkflowSpec }) {
  return buildStep(groundStep, { spec, prompt: '', policies: '' }, ports)(input);
}

import refundTriage from '../../../workflows/refund-triage/workflow.js';
import { aRefundRequestedEvent } from '../../support/event-builders.js';
import { fixedClock, InMemoryLineageStore, InMemoryRunsStore } from '../../support/in-memory-stores.js';
import { REFERENCE_WORKFLOW_ID } from '../../support/packs.js';
import { aRunRecord, aRunRef } from '../../support/run-builders.js';
import { storedKeyOf } from '../../support/trusted-ports.js';
import { aWorkflowSpecInput } from '../../support/workflow-builders.js';

const NOW = '2026-11-02T14:22:00.000Z';

async function setup(spec = refundTriage, event: unknown = aRefundRequestedEvent()) {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const run = aRunRef();
  await runs.createRun(aRunRecord({ ...run, event }));
  return { runs, lineage, run, deps: { spec, runs, lineage, clock: fixedClock(NOW) } };
}

/** The order fact of ord_4k8m2p, as the reference fixture holds it. */
const ORDER = { total: 45.5, currency: 'USD', status: 'delivered' };

describe('ground', () => {
  it('counts and sums the customer refunds executed within the 30-day window, under the hashed key', async () => {
    const { runs, run, deps } = await setup();
    const customer = await storedKeyOf('cus_9x2b7d');
    await runs.recordHistory(REFERENCE_WORKFLOW_ID, customer, 'issueRefund', '2026-10-03T14:22:00.000Z', {
      amount: 10.1,
    }); // exactly 30d ago
    await runs.recordHistory(REFERENCE_WORKFLOW_ID, customer, 'issueRefund', '2026-10-20T09:00:00.000Z', {
      amount: 20.2,
    });
    await runs.recordHistory(REFERENCE_WORKFLOW_ID, customer, 'issueRefund', '2026-09-01T09:00:00.000Z', {
      amount: 99,
    }); // outside
    await runs.recordHistory(
      REFERENCE_WORKFLOW_ID,
      await storedKeyOf('cus_other'),
      'issueRefund',
      '2026-10-20T09:00:00.000Z',
    );
    await runs.recordHistory(REFERENCE_WORKFLOW_ID, customer, 'denyRefund', '2026-10-20T09:00:00.000Z');
    await runs.recordHistory('ticket-triage', customer, 'issueRefund', '2026-10-20T09:00:00.000Z');
    // Stored in clear, as before keyed hashes: never counted.
    await runs.recordHistory(REFERENCE_WORKFLOW_ID, 'cus_9x2b7d', 'issueRefund', '2026-10-20T09:00:00.000Z');

    expect(await ground({ run }, deps)).toEqual({
      facts: { history: { issueRefund: 2, refundedAmount: 30.3 }, order: ORDER },
    });
  });

  it('counts one customer under one key whatever the case and spacing of the key value', async () => {
    const { runs, run, deps } = await setup(
      refundTriage,
      aRefundRequestedEvent({ customerId: ' CUS_9X2B7D ' }),
    );
    await runs.recordHistory(
      REFERENCE_WORKFLOW_ID,
      await storedKeyOf('cus_9x2b7d'),
      'issueRefund',
      '2026-10-20T09:00:00.000Z',
      {
        amount: 5,
      },
    );
    expect(await ground({ run }, deps)).toMatchObject({
      facts: { history: { issueRefund: 1, refundedAmount: 5 } },
    });
  });

  it('gives zero figures to a customer without history, and the order as the orders table holds it', async () => {
    const { run, deps } = await setup();
    expect(await ground({ run }, deps)).toEqual({
      facts: { history: { issueRefund: 0, refundedAmount: 0 }, order: ORDER },
    });
  });

  it('tells the model why a fact is unavailable instead of inventing it', async () => {
    const { run, deps } = await setup(refundTriage, aRefundRequestedEvent({ orderId: 'ord_unknown1' }));
    const { facts } = await ground({ run }, deps);
    expect(facts.order).toEqual({ unavailable: expect.stringContaining('acme-orders holds no item') });
  });

  it('keeps a fact of a class the model may not see out of the facts it is given', async () => {
    const spec = defineWorkflow({
      ...aWorkflowSpecInput(),
      grounding: {
        facts: {
          customer: {
            source: { type: 'dynamodb', table: 'acme-customers', key: { ticketId: '$.detail.ticketId' } },
            attributes: z.object({ phone: z.string() }),
            dataClass: 'pii',
          },
        },
      },
    });
    const facts = new InMemoryFactReader().seed('acme-customers', [
      { ticketId: 'T-1', phone: '+14155550142' },
    ]);
    const { lineage, run, deps } = await setup(spec, { detail: { ticketId: 'T-1' } });
    expect(await ground({ run }, { ...deps, facts })).toEqual({
      facts: { history: {}, customer: '[REDACTED:pii]' },
    });
    expect(JSON.stringify(lineage.all())).not.toContain('4155550142');
  });

  it('records context.grounded with the facts and the key path, never the key value', async () => {
    const { lineage, run, deps } = await setup();
    await ground({ run }, deps);
    const [record] = lineage.recordsOf(run.runId);
    expect(record).toMatchObject({
      type: 'context.grounded',
      actor: 'awf:ground',
      entityKey: 'refund-triage#ord_4k8m2p',
      data: {
        facts: { history: { issueRefund: 0, refundedAmount: 0 }, order: ORDER },
        history: { keyPath: '$.detail.customerId', window: '30d', since: '2026-10-03T14:22:00.000Z' },
      },
    });
    expect(JSON.stringify(record)).not.toContain('cus_9x2b7d');
  });

  it('returns empty history facts for a workflow that keeps no history', async () => {
    const spec = defineWorkflow(aWorkflowSpecInput());
    const { lineage, run, deps } = await setup(spec);
    expect(await ground({ run }, deps)).toEqual({ facts: { history: {} } });
    expect(lineage.recordsOf(run.runId)[0]?.data).toEqual({ facts: { history: {} } });
  });

  it('returns the recorded facts on retry, without a second record, even if history moved on', async () => {
    const { runs, lineage, run, deps } = await setup();
    const first = await ground({ run }, deps);
    await runs.recordHistory(
      REFERENCE_WORKFLOW_ID,
      await storedKeyOf('cus_9x2b7d'),
      'issueRefund',
      '2026-11-02T14:21:30.000Z',
    );
    expect(await ground({ run }, deps)).toEqual(first);
    expect(lineage.ofType('context.grounded')).toHaveLength(1);
  });

  it('fails naming the history key path when the event has no customer id', async () => {
    const event = aRefundRequestedEvent({ customerId: undefined });
    const { lineage, run, deps } = await setup(refundTriage, event);
    await expect(ground({ run }, deps)).rejects.toMatchObject({
      name: 'MissingHistoryKeyError',
      message: 'history key $.detail.customerId must be a non-empty string or a number, got nothing',
    });
    expect(lineage.all()).toEqual([]);
  });

  it('fails naming the run when it is not in the runs table', async () => {
    const { deps } = await setup();
    await expect(ground({ run: aRunRef({ runId: 'run-missing' }) }, deps)).rejects.toMatchObject({
      name: 'RunNotFoundError',
      message: 'ground: run "run-missing" is not in the runs table',
    });
  });
});
