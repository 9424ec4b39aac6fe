/**
 * Builders for lineage drafts and valid chains in tests.
 */
import { computeRecordHash } from '../../core/lineage/chain.js';
import {
  GENESIS_HASH,
  type LineageDraft,
  type LineageRecord,
  type LineageRecordType,
} from '../../core/lineage/record.js';
import { LINEAGE_REGISTRY, type LineageData } from '../../core/lineage/registry.js';
import { testRecordKeys } from './trusted-ports.js';

/** Data of each record type with the shape the lineage registry gives it. */
const SAMPLE_DATA: { readonly [T in LineageRecordType]: LineageData<T> } = {
  'event.rejected': {
    eventId: 'evt-1',
    source: 'acme.orders',
    detailType: 'RefundRequested',
    executionId: 'exec-1',
    problems: ['detail.amount: expected number'],
  },
  'run.parked': { haltedSince: '2026-11-20T11:00:00.000Z', haltReason: 'refund fraud under investigation' },
  'event.duplicate': {
    eventId: 'evt-2',
    source: 'acme.orders',
    detailType: 'RefundRequested',
    executionId: 'exec-2',
    duplicateOf: 'run-1',
    businessKeyPaths: ['$.detail.requestId'],
  },
  'run.started': {
    eventId: 'evt-1',
    source: 'acme.orders',
    detailType: 'RefundRequested',
    eventTime: '2026-11-02T14:20:00.000Z',
    executionId: 'exec-1',
    redactedDetail: { orderId: 'ord_4k8m2p', customerEmail: '[REDACTED:pii]' },
    redactedFields: { '$.detail.customerEmail': 'pii' },
  },
  'context.grounded': { facts: { history: { issueRefund: 1 } } },
  'model.invoked': { iteration: 0, attempt: 0, answer: { stopReason: 'tool_use', calls: [] }, problems: [] },
  'actions.proposed': { iteration: 0, outcome: 'FINISHED', summary: 'Done.', proposals: [] },
  'policy.evaluated': {
    iteration: 0,
    proposalId: 'p-1',
    action: 'issueRefund',
    input: { orderId: 'ord_4k8m2p', amount: 45.5 },
    confidence: 0.9,
    policyDecision: 'ALLOW',
    decision: 'ALLOW',
    reasons: ['refund-small-autonomous'],
    errors: [],
    autonomy: 'autonomous',
    shadow: false,
  },
  'approval.requested': {
    approvalId: 'appr-1',
    proposalId: 'p-1',
    action: 'issueRefund',
    input: { orderId: 'ord_4k8m2p', amount: 1249 },
    risk: 'high',
    reasons: ['refund-up-to-limit-needs-approval'],
    bindingHash: 'b'.repeat(64),
    approverRoles: ['payments-approver'],
    excludedApprovers: [],
    expiresAt: '2026-11-03T14:21:00.000Z',
  },
  'approval.decided': {
    approvalId: 'appr-1',
    proposalId: 'p-1',
    action: 'issueRefund',
    decision: 'APPROVED',
    reason: 'Checked.',
    bindingHash: 'b'.repeat(64),
  },
  'approval.refused': {
    approvalId: 'appr-1',
    proposalId: 'p-1',
    principal: 'carol@acme.example',
    decision: 'APPROVE',
    refusal: '"carol@acme.example" is named in the case and may not decide it (separation of duties)',
  },
  'approval.escalated': {
    approvalId: 'appr-1',
    proposalId: 'p-1',
    action: 'issueRefund',
    rung: 1,
    role: 'payments-lead',
    approverRoles: ['payments-approver', 'payments-lead'],
    dueAt: '2026-11-02T18:21:00.000Z',
    expiresAt: '2026-11-03T14:21:00.000Z',
  },
  'approval.expired': {
    approvalId: 'appr-1',
    proposalId: 'p-1',
    action: 'issueRefund',
    bindingHash: 'b'.repeat(64),
    requestedAt: '2026-11-02T14:21:00.000Z',
    expiresAt: '2026-11-03T14:21:00.000Z',
  },
  'action.executed': {
    iteration: 0,
    proposalId: 'p-1',
    action: 'issueRefund',
    input: { orderId: 'ord_4k8m2p', amount: 45.5 },
    connector: { type: 'eventbridge', detailType: 'RefundIssued' },
    result: { eventId: 'evt-9' },
    decision: 'ALLOW',
  },
  'action.refused': {
    iteration: 0,
    proposalId: 'p-1',
    action: 'issueRefund',
    input: { orderId: 'ord_4k8m2p', amount: 45.5, currency: 'USD', reasonCode: 'damaged' },
    refusal: 'cap',
    reasons: ['cap refundedPerOrder has no room: 40 entered, 45.5 more would pass 45.5'],
    cap: { name: 'refundedPerOrder', total: 400_000, amount: 455_000, limit: 455_000 },
  },
  'run.completed': {
    status: 'COMPLETED',
    summary: 'Done.',
    endedAt: '2026-11-02T14:30:00.000Z',
    cycleTimeMs: 540_000,
    shadow: false,
  },
  'run.escalated': {
    status: 'ESCALATED',
    endedAt: '2026-11-02T14:30:00.000Z',
    cycleTimeMs: 540_000,
    reason: 'POLICY_DENIED',
    detail: null,
    notify: ['payments-oncall'],
  },
  'run.closed': {
    status: 'TIMED_OUT',
    endedAt: '2026-11-02T14:30:00.000Z',
    cycleTimeMs: 540_000,
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:refund-triage:e-1',
    executionStatus: 'TIMED_OUT',
    expiredApprovals: [],
    detectedBy: 'status-change',
    notify: ['payments-oncall'],
  },
  'workflow.switched': { mode: 'halt', previous: 'run', reason: 'refund fraud under investigation' },
  'followup.scheduled': {
    followUpId: 'fu-1',
    action: 'revokeAccess',
    after: 'grantAccess',
    proposalId: 'prop-1',
    input: { requestId: 'req-1', system: 'billing', level: 'read' },
    dueAt: '2026-11-02T22:22:00.000Z',
    scheduleName: 'fu-1',
  },
  'cancellation.requested': {
    followUpId: 'fu-1',
    approvalId: 'appr-fu-1',
    proposalId: 'fu-1',
    action: 'revokeAccess',
    input: { requestId: 'req-1', system: 'billing', level: 'read' },
    risk: 'high',
    reason: 'the grant is extended by the change board',
    bindingHash: 'f'.repeat(64),
    approverRoles: ['access-admin'],
    quorum: 1,
    distinctRoles: false,
    excludedApproverHashes: [],
    expiresAt: '2026-11-02T18:22:00.000Z',
  },
  'followup.cancelled': {
    followUpId: 'fu-1',
    action: 'revokeAccess',
    approvalId: 'appr-fu-1',
    approvers: ['ada@example.com'],
    dueAt: '2026-11-02T22:22:00.000Z',
  },
  'followup.executed': {
    followUpId: 'fu-1',
    action: 'revokeAccess',
    input: { requestId: 'req-1', system: 'billing', level: 'read' },
    connector: { type: 'eventbridge', detailType: 'AccessRevoked' },
    result: { eventId: 'evt-2' },
    dueAt: '2026-11-02T22:22:00.000Z',
    switchMode: 'halt',
  },
};

/**
 * Registry-valid data for a record type, with `overrides` merged over it.
 * @example
 * aRecordData('action.executed', { proposalId: 'p-2', result: { n: 1 } })
 */
export function aRecordData<T extends LineageRecordType>(
  type: T,
  overrides: Partial<LineageData<T>> & Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...SAMPLE_DATA[type], ...overrides };
}

/** A valid draft (its data registry-valid for its type); override any field. */
export function aLineageDraft(overrides: Partial<LineageDraft> = {}): LineageDraft {
  const type = overrides.type ?? 'context.grounded';
  return {
    type,
    actor: 'awf:ground',
    workflowId: 'refund-triage',
    entityId: 'ord_4k8m2p',
    versions: { workflowVersion: '1.0.0' },
    data: aRecordData(type),
    ...overrides,
  };
}

/**
 * A valid, correctly hashed chain of the given record types (the default is a
 * short completed run), one second apart from 2026-11-02T14:21:00Z, each
 * record carrying the MAC its registry writer makes with the tests' record
 * keys (`testRecordKeys()`).
 */
export function aValidChain(
  chainId = 'run-000000000000000000000001',
  types: readonly LineageRecordType[] = [
    'run.started',
    'context.grounded',
    'actions.proposed',
    'run.completed',
  ],
  dataOf: (index: number) => Readonly<Record<string, unknown>> = (index) => ({ index }),
): LineageRecord[] {
  const start = Date.parse('2026-11-02T14:21:00Z');
  const keys = testRecordKeys();
  const records: LineageRecord[] = [];
  types.forEach((type, seq) => {
    const draft = aLineageDraft({ type, data: dataOf(seq) });
    const unhashed = {
      ...draft,
      chainId,
      seq,
      at: new Date(start + seq * 1000).toISOString(),
      entityKey: `${draft.workflowId}#${draft.entityId}`,
      prevHash: records[seq - 1]?.hash ?? GENESIS_HASH,
    };
    const hash = computeRecordHash(unhashed);
    records.push({ ...unhashed, hash, mac: keys.macOf(LINEAGE_REGISTRY[type].writer, hash) });
  });
  return records;
}
