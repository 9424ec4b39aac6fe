/**
 * Builders for runs-table records in tests: valid defaults, override what matters.
 */

import type { ApprovalRecord, RunRecord } from '../../core/runs/records.js';
import type { GatedProposal, Proposal, RunRef } from '../../core/steps/contracts.js';

/** A run reference of the refund-triage workflow. */
export function aRunRef(overrides: Partial<RunRef> = {}): RunRef {
  return {
    runId: 'run-0123456789abcdef01234567',
    workflowId: 'refund-triage',
    workflowVersion: '1.0.0',
    entityId: 'ord_4k8m2p',
    eventId: 'evt-1',
    startedAt: '2026-11-02T14:21:00.000Z',
    maxIterations: 3,
    ...overrides,
  };
}

/** A RUNNING run with a small refund event. */
export function aRunRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  const ref = aRunRef(overrides);
  return {
    ...ref,
    status: 'RUNNING',
    executionId: `arn:aws:states:us-east-1:123456789012:execution:awf-refund-triage:${ref.runId}`,
    event: {
      id: ref.eventId,
      source: 'acme.payments',
      'detail-type': 'RefundRequested',
      time: ref.startedAt,
      detail: {
        orderId: ref.entityId,
        customerId: 'cus_9x2b7d',
        amount: 45.5,
        customerEmail: 'jordan.lee@example.com',
      },
    },
    redactedDetail: {
      orderId: ref.entityId,
      customerId: 'cus_9x2b7d',
      amount: 45.5,
      customerEmail: '[REDACTED:pii]',
    },
    updatedAt: ref.startedAt,
    ...overrides,
  };
}

/** A proposal to refund 45.50 USD. */
export function aProposal(overrides: Partial<Proposal> = {}): Proposal {
  return {
    proposalId: 'prop-0123456789abcdef01234567',
    action: 'issueRefund',
    input: { orderId: 'ord_4k8m2p', amount: 45.5, currency: 'USD', reasonCode: 'damaged' },
    rationale: 'The item arrived damaged and the photos confirm it.',
    confidence: 0.93,
    ...overrides,
  };
}

/** A proposal the gate sent to an approver. */
export function aGatedProposal(overrides: Partial<GatedProposal> = {}): GatedProposal {
  return {
    proposal: aProposal(),
    decision: 'REQUIRE_APPROVAL',
    reasons: ['refund-up-to-limit-needs-approval'],
    ...overrides,
  };
}

/** A PENDING approval requested at 14:21 that expires 24 hours later. */
export function anApprovalRecord(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  const gated = overrides.gated ?? aGatedProposal();
  return {
    approvalId: 'appr-0123456789abcdef01234567',
    runId: 'run-0123456789abcdef01234567',
    workflowId: 'refund-triage',
    entityId: 'ord_4k8m2p',
    proposalId: gated.proposal.proposalId,
    gated,
    bindingHash: 'b'.repeat(64),
    taskToken: 'token-1',
    status: 'PENDING',
    approverRoles: ['payments-approver'],
    excludedApprovers: ['carol@acme.example'],
    requestedAt: '2026-11-02T14:21:00.000Z',
    expiresAt: '2026-11-03T14:21:00.000Z',
    ...overrides,
  };
}
