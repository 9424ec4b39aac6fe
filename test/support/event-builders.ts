/**
 * Builders for the EventBridge events that start runs, in tests.
 */
import { join } from 'node:path';
import type { BusEvent } from '../../core/steps/contracts.js';
import { type ExampleEvent, loadExampleEvents, WORKFLOWS_DIR } from '../../workflows/discover.js';

/** The refund-triage pack's example events (`workflows/refund-triage/events/*.json`). */
export function refundTriageExamples(): ExampleEvent[] {
  return loadExampleEvents(join(WORKFLOWS_DIR, 'refund-triage'));
}

/** An example event as EventBridge would deliver it: with an id and a time. */
export function busEventFrom(example: ExampleEvent, id = `evt-${example.name}`): BusEvent {
  return {
    version: '0',
    id,
    'detail-type': example['detail-type'],
    source: example.source,
    account: '123456789012',
    time: '2026-11-02T14:20:59Z',
    region: 'us-east-1',
    resources: [],
    detail: example.detail,
  };
}

/**
 * A valid `RefundRequested` event for 45.50 USD; override detail fields or
 * top-level fields. Its request id follows the event id, so two events with
 * different ids are two requests unless a test gives them one `requestId`.
 */
export function aRefundRequestedEvent(
  detail: Record<string, unknown> = {},
  overrides: Partial<BusEvent> = {},
): BusEvent {
  const requestId = `req_${(overrides.id ?? 'evt-refund-1').replace(/[^A-Za-z0-9_-]/g, '_')}`.padEnd(10, '0');
  return {
    version: '0',
    id: 'evt-refund-1',
    'detail-type': 'RefundRequested',
    source: 'acme.payments',
    account: '123456789012',
    time: '2026-11-02T14:20:59Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      requestId,
      orderId: 'ord_4k8m2p',
      customerId: 'cus_9x2b7d',
      amount: 45.5,
      currency: 'USD',
      orderTotal: 45.5,
      orderDate: '2026-11-02T14:21:00Z',
      reason: 'The ceramic mug arrived damaged: the handle was broken off in the box.',
      customerEmail: 'jordan.lee@example.com',
      customerPhone: '+14155550142',
      requestedBy: 'carol@acme.example',
      ...detail,
    },
    ...overrides,
  };
}
