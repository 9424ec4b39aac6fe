/**
 * Builders for the policy gate's tests: the refund-triage pack as shipped,
 * small packs with policies written in the test, and gate requests.
 */
import { join } from 'node:path';
import type { RunFacts } from '../../../core/policy/decide.js';
import type { PolicyRequest } from '../../../core/policy/gate.js';
import { policyNow } from '../../../core/policy/now.js';
import { parsePolicySet } from '../../../core/policy/policy-set.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { defineWorkflow, type WorkflowSpecInput } from '../../../core/workflow/spec.js';
import { loadWorkflowPack, WORKFLOWS_DIR } from '../../../workflows/discover.js';
import { aRefundRequestedEvent } from '../../support/event-builders.js';
import { aWorkflowSpecInput } from '../../support/workflow-builders.js';

/** The refund-triage pack exactly as `bin/app.ts` loads it. */
export function loadRefundTriagePack(): Promise<WorkflowPack> {
  return loadWorkflowPack(join(WORKFLOWS_DIR, 'refund-triage'));
}

/**
 * The pack with its log-only policies left out: for tests of log-only
 * mechanics that add policies of their own and expect only theirs reported.
 */
export function withoutLogOnlyPolicies(pack: WorkflowPack): WorkflowPack {
  const parsed = parsePolicySet(pack.policies);
  if (!parsed.ok) throw new Error(`the pack's policies do not parse: ${parsed.problems.join('; ')}`);
  const enforced = parsed.policySet.policies
    .filter((policy) => policy.mode === 'enforce')
    .map((policy) => policy.text);
  return { ...pack, policies: `${enforced.join('\n\n')}\n` };
}

/** A pack of the small ticket workflow (or an override of its spec) with the given policy text. */
export function aPack(policies: string, overrides: Partial<WorkflowSpecInput> = {}): WorkflowPack {
  return { spec: defineWorkflow(aWorkflowSpecInput(overrides)), prompt: 'Route tickets.', policies };
}

/** The time the policy builders decide at: a Monday, 14:22 UTC. */
export const DECISION_TIME = new Date('2026-11-02T14:22:00Z');

/**
 * The trusted context of refund-triage requests: the time, the event, and an
 * order fact larger than any refund the schema allows (2,000,000 USD,
 * delivered), so only the amount thresholds under test decide.
 */
export function refundContext(): Pick<PolicyRequest, 'now' | 'event' | 'facts'> {
  return {
    now: policyNow(DECISION_TIME, 'UTC'),
    event: aRefundRequestedEvent(),
    facts: { order: { total: 2_000_000, currency: 'USD', status: 'delivered' } },
  };
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
    history: { issueRefund: 0, refundedAmount: 0 },
    ...refundContext(),
    // The order is in the refund's currency unless a test says otherwise.
    facts: { order: { total: 2_000_000, currency: input?.currency ?? 'USD', status: 'delivered' } },
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
    history: { issueRefund: 0, refundedAmount: 0 },
    ...refundContext(),
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
    now: policyNow(DECISION_TIME, 'UTC'),
    event: { detail: { ticketId: 'T-1', subject: 'Invoice is wrong', email: 'jo@example.com' } },
    facts: {},
    ...overrides,
  };
}

/** The trusted facts of a refund-triage run about order ord_4k8m2p (45.50 USD, delivered). */
export function aRefundRunFacts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    entityId: 'ord_4k8m2p',
    event: aRefundRequestedEvent(),
    now: DECISION_TIME,
    facts: { order: { found: true, attributes: { total: 45.5, currency: 'USD', status: 'delivered' } } },
    history: { issueRefund: 0, refundedAmount: 0 },
    ...overrides,
  };
}
