/**
 * Builders for the policy gate's tests: the refund-triage pack as shipped,
 * small packs with policies written in the test, and gate requests.
 */
import { join } from 'node:path';
import type { PolicyRequest } from '../../../core/policy/gate.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { defineWorkflow, type WorkflowSpecInput } from '../../../core/workflow/spec.js';
import { loadWorkflowPack, WORKFLOWS_DIR } from '../../../workflows/discover.js';
import { aWorkflowSpecInput } from '../../support/workflow-builders.js';

/** The refund-triage pack exactly as `bin/app.ts` loads it. */
export function loadRefundTriagePack(): Promise<WorkflowPack> {
  return loadWorkflowPack(join(WORKFLOWS_DIR, 'refund-triage'));
}

/** A pack of the small ticket workflow (or an override of its spec) with the given policy text. */
export function aPack(policies: string, overrides: Partial<WorkflowSpecInput> = {}): WorkflowPack {
  return { spec: defineWorkflow(aWorkflowSpecInput(overrides)), prompt: 'Route tickets.', policies };
}

/** An issueRefund request of refund-triage: 45.50 USD, confidence 0.9, no earlier refunds. */
export function aRefundRequest(
  overrides: Partial<Omit<PolicyRequest, 'input'>> & { input?: Partial<Record<string, unknown>> } = {},
): PolicyRequest {
  const { input, ...rest } = overrides;
  return {
    entityId: 'ord_4k8m2p',
    action: 'issueRefund',
    confidence: 0.9,
    risk: 'high',
    autonomy: 'autonomous',
    history: { issueRefund: 0 },
    ...rest,
    input: { orderId: 'ord_4k8m2p', amount: 45.5, currency: 'USD', reasonCode: 'damaged', ...input },
  };
}

/** A denyRefund request of refund-triage at the given confidence. */
export function aDenyRefundRequest(confidence: number): PolicyRequest {
  return {
    entityId: 'ord_4k8m2p',
    action: 'denyRefund',
    confidence,
    risk: 'medium',
    autonomy: 'supervised',
    history: { issueRefund: 0 },
    input: {
      orderId: 'ord_4k8m2p',
      reasonCode: 'outside-policy-window',
      customerMessage: 'Your order was delivered more than 90 days ago, outside our refund window.',
    },
  };
}

/** A routeTicket request of the small ticket workflow. */
export function aTicketRequest(overrides: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    entityId: 'T-1',
    action: 'routeTicket',
    input: { ticketId: 'T-1', team: 'billing' },
    confidence: 0.9,
    risk: 'low',
    autonomy: 'supervised',
    history: {},
    ...overrides,
  };
}
