import { carriedHistoryKey } from '../../../core/run/history-key.js';
import type { DataClass } from '../../../core/workflow/spec.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';
import { aRefundRequestedEvent } from '../../support/event-builders.js';

function withClassification(classification: Record<string, DataClass>, defaultClass?: DataClass) {
  return {
    ...refundTriage,
    data: {
      ...refundTriage.data,
      classification,
      defaultClass: defaultClass ?? refundTriage.data.defaultClass,
    },
  };
}

describe('carriedHistoryKey', () => {
  it('carries the customer id, which the refund spec classifies internal', () => {
    expect(carriedHistoryKey(refundTriage, aRefundRequestedEvent())).toBe('cus_9x2b7d');
  });

  it('carries nothing when the key field is classified pii', () => {
    const spec = withClassification({ '$.detail.customerId': 'pii' });
    expect(carriedHistoryKey(spec, aRefundRequestedEvent())).toBeUndefined();
  });

  it('carries nothing when the key field is classified secret', () => {
    const spec = withClassification({ '$.detail.customerId': 'secret' });
    expect(carriedHistoryKey(spec, aRefundRequestedEvent())).toBeUndefined();
  });

  it('carries nothing when an enclosing object of the key field is classified pii', () => {
    const spec = {
      ...withClassification({ '$.detail.customer': 'pii' }, 'internal'),
      grounding: { history: { key: '$.detail.customer.id', window: '30d', actions: ['issueRefund'] } },
    };
    const event = { detail: { customer: { id: 'cus_1' } } };
    expect(carriedHistoryKey(spec, event)).toBeUndefined();
  });

  it('carries nothing when the key field is unclassified and the default class is pii', () => {
    const spec = withClassification({}, 'pii');
    expect(carriedHistoryKey(spec, aRefundRequestedEvent())).toBeUndefined();
  });

  it('carries nothing when the event has no value at the key, leaving the failure to the steps', () => {
    expect(carriedHistoryKey(refundTriage, aRefundRequestedEvent({ customerId: undefined }))).toBeUndefined();
  });

  it('carries nothing for a spec that keeps no history', () => {
    expect(carriedHistoryKey({ ...refundTriage, grounding: {} }, aRefundRequestedEvent())).toBeUndefined();
  });
});
