import { redactDetailWithReport } from '../../../core/redaction.js';
import { carriedHistoryKey, historyKeyFromAdmission } from '../../../core/runs/history-key.js';
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

  it('carries nothing when an enclosing object is pii, whatever the key field itself is classified', () => {
    // Redaction hides the whole object, inner entries notwithstanding; state data must not show more.
    const spec = {
      ...withClassification({ '$.detail.customer': 'pii', '$.detail.customer.id': 'internal' }, 'internal'),
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

describe('historyKeyFromAdmission', () => {
  const refundDetail = () => aRefundRequestedEvent().detail as Record<string, unknown>;
  /** What Admit records of an event in run.started: the redacted detail and what it redacted. */
  const admissionOf = (spec: typeof refundTriage, detail: Record<string, unknown>) => {
    const { detail: redactedDetail, redacted } = redactDetailWithReport(spec, detail);
    return { redactedDetail, redactedFields: redacted };
  };

  it('reads the customer id from the redacted detail, where the refund spec leaves it visible', () => {
    const detail = refundDetail();
    expect(historyKeyFromAdmission(refundTriage, admissionOf(refundTriage, detail))).toBe('cus_9x2b7d');
  });

  it('gives nothing when the key field was redacted, never the placeholder', () => {
    const spec = withClassification({ '$.detail.customerId': 'pii' });
    const admission = admissionOf(spec, refundDetail());
    expect(admission.redactedDetail.customerId).toBe('[REDACTED:pii]');
    expect(historyKeyFromAdmission(spec, admission)).toBeUndefined();
  });

  it('gives nothing when an enclosing object of the key field was redacted', () => {
    const spec = {
      ...withClassification({ '$.detail.customer': 'secret' }, 'internal'),
      grounding: { history: { key: '$.detail.customer.id', window: '30d', actions: ['issueRefund'] } },
    };
    expect(historyKeyFromAdmission(spec, admissionOf(spec, { customer: { id: 'cus_1' } }))).toBeUndefined();
  });

  it('gives nothing when the record does not list what it redacted, so nothing is known to be visible', () => {
    const detail = refundDetail();
    expect(historyKeyFromAdmission(refundTriage, { redactedDetail: detail })).toBeUndefined();
  });

  it('gives nothing for a detail without the key, leaving the failure to the stored event', () => {
    const { customerId: _, ...detail } = refundDetail();
    expect(historyKeyFromAdmission(refundTriage, admissionOf(refundTriage, detail))).toBeUndefined();
  });

  it('gives nothing for a spec that keeps no history', () => {
    const spec = { ...refundTriage, grounding: {} };
    expect(historyKeyFromAdmission(spec, admissionOf(spec, refundDetail()))).toBeUndefined();
  });
});
