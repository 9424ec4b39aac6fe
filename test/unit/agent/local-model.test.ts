import type { ConverseRequest } from '../../../core/model/model.js';
import { redactDetail } from '../../../core/redaction.js';
import { createPlanningPrompt, type PlanningContext } from '../../../core/steps/plan/prompt.js';
import { parseModelOutput } from '../../../core/steps/plan/proposals.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import localModel from '../../../workflows/refund-triage/local-model.js';
import { aRefundDetail, loadRefundTriagePack, NOW } from './fixtures.js';

let pack: WorkflowPack;
beforeAll(async () => {
  pack = await loadRefundTriagePack();
});

function requestFor(
  detail: Record<string, unknown>,
  overrides: Partial<PlanningContext> = {},
): ConverseRequest {
  return createPlanningPrompt(pack).requestFor(
    {
      objective: pack.spec.objective,
      workflowId: pack.spec.id,
      entityId: String(detail.orderId),
      iteration: 0,
      requestedAt: NOW,
      event: redactDetail(pack.spec, detail),
      facts: { history: { issueRefund: 0 } },
      observations: [],
      ...overrides,
    },
    'run-1',
  );
}

async function decide(detail: Record<string, unknown>, overrides: Partial<PlanningContext> = {}) {
  const { modelId, ...body } = requestFor(detail, overrides);
  const response = await localModel(body, modelId);
  return { response, parsed: parseModelOutput(pack.spec, response) };
}

describe('refund-triage local model', () => {
  it('refunds a damaged item in full with reason code damaged and confidence 0.9', async () => {
    const { parsed } = await decide(aRefundDetail());
    expect(parsed).toMatchObject({
      outcome: 'PROPOSED',
      actions: [
        {
          action: 'issueRefund',
          input: { orderId: 'ord_4k8m2p', amount: 45.5, currency: 'USD', reasonCode: 'damaged' },
          confidence: 0.9,
        },
      ],
    });
  });

  it('caps the refund at the order total', async () => {
    const { parsed } = await decide(
      aRefundDetail({ amount: 80, orderTotal: 60, reason: 'The parcel never arrived.' }),
    );
    expect(parsed).toMatchObject({
      outcome: 'PROPOSED',
      actions: [{ action: 'issueRefund', input: { amount: 60, reasonCode: 'not-delivered' } }],
    });
  });

  it.each([
    ['The lamp is not as described: it is blue, not white.', 'not-as-described'],
    ['I was charged twice for the same order.', 'duplicate-charge'],
    ['Tracking says returned to sender; it was never delivered.', 'not-delivered'],
  ])('maps "%s" to reason code %s', async (reason, reasonCode) => {
    const { parsed } = await decide(aRefundDetail({ reason }));
    expect(parsed).toMatchObject({ outcome: 'PROPOSED', actions: [{ input: { reasonCode } }] });
  });

  it('asks for more information when the reason does not say what went wrong', async () => {
    const { parsed } = await decide(aRefundDetail({ reason: 'Not happy with it.' }));
    expect(parsed).toMatchObject({ outcome: 'PROPOSED', actions: [{ action: 'requestMoreInformation' }] });
  });

  it('hands fraud and chargeback wording to a person', async () => {
    const { parsed } = await decide(
      aRefundDetail({ reason: 'Damaged, and my bank opened a chargeback already.' }),
    );
    expect(parsed).toMatchObject({ outcome: 'PROPOSED', actions: [{ action: 'escalateToHuman' }] });
  });

  it('hands a customer with several recent refunds to a person', async () => {
    const { parsed } = await decide(aRefundDetail(), { facts: { history: { issueRefund: 3 } } });
    expect(parsed).toMatchObject({ outcome: 'PROPOSED', actions: [{ action: 'escalateToHuman' }] });
  });

  it('declines a refund requested more than 60 days after the order', async () => {
    const { parsed } = await decide(aRefundDetail({ orderDate: '2026-08-01T10:00:00Z' }));
    expect(parsed).toMatchObject({
      outcome: 'PROPOSED',
      actions: [{ action: 'denyRefund', input: { reasonCode: 'outside-policy-window' } }],
    });
  });

  it('still refunds a duplicate charge outside the window', async () => {
    const { parsed } = await decide(
      aRefundDetail({ orderDate: '2026-01-01T10:00:00Z', reason: 'Duplicate charge on my card.' }),
    );
    expect(parsed).toMatchObject({ outcome: 'PROPOSED', actions: [{ action: 'issueRefund' }] });
  });

  it('finishes with a summary once an action ran', async () => {
    const { parsed } = await decide(aRefundDetail(), {
      iteration: 1,
      observations: [{ proposalId: 'prop-1', action: 'issueRefund', status: 'EXECUTED', result: {} }],
    });
    expect(parsed).toMatchObject({ outcome: 'FINISHED' });
    expect(parsed.outcome === 'FINISHED' && parsed.summary).toContain('issueRefund');
  });

  it('answers like Converse: a tool_use stop, tool use ids and token counts from the text length', async () => {
    const first = await decide(aRefundDetail());
    const again = await decide(aRefundDetail());
    const longer = await decide(aRefundDetail({ reason: `${'The mug arrived damaged. '.repeat(40)}` }));
    expect(first.response.stopReason).toBe('tool_use');
    expect(first.response).toEqual(again.response);
    const block = first.response.output.message.content[0];
    expect(block && 'toolUse' in block && block.toolUse.toolUseId).toMatch(/^tooluse_[0-9a-f]{22}$/);
    expect(first.response.usage.inputTokens).toBeGreaterThan(100);
    expect(longer.response.usage.inputTokens).toBeGreaterThan(first.response.usage.inputTokens);
  });

  it('fails clearly when the request holds no planning context', () => {
    const { modelId, ...body } = requestFor(aRefundDetail());
    expect(() =>
      localModel({ ...body, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }, modelId),
    ).toThrow(/expected a ```json block/);
  });
});
