/**
 * Refund triage: decide customer refund requests filed by the support desk.
 *
 * Small, clear-cut refunds are issued by the agent on its own; larger ones wait
 * for a payments approver; anything above the hard limit is forbidden and
 * escalated. Customer contact details are PII and never reach the model.
 *
 * Every decision rests on facts awf trusts: each action is bound to the
 * request's order, the order itself (total, status) is read from the orders
 * table before planning, refunds per order can never add up past the order's
 * total (a ledger kept with each execution), and one refund request, by its
 * request id, starts one run however often it is sent.
 */
import * as z from 'zod';
import { defineWorkflow } from '../../core/workflow/spec.js';

const orderId = z.string().regex(/^ord_[A-Za-z0-9]{6,32}$/, 'expected an order id such as "ord_8f3k2m"');
const currency = z.enum(['USD', 'EUR', 'GBP']);
/** Money in major units with at most two decimals. */
const money = z.number().positive().max(1_000_000).multipleOf(0.01);

/** The `detail` of an `acme.payments` / `RefundRequested` event. */
export const refundRequestedDetail = z.object({
  /** The support desk's id of this refund request: one request, one run. */
  requestId: z.string().regex(/^req_[A-Za-z0-9_-]{6,64}$/, 'expected a request id such as "req_2k9d7f3a"'),
  orderId,
  customerId: z.string().regex(/^cus_[A-Za-z0-9]{6,32}$/, 'expected a customer id such as "cus_7d2k9q"'),
  amount: money,
  currency,
  orderTotal: money,
  orderDate: z.iso.datetime(),
  reason: z.string().min(1).max(2000),
  customerEmail: z.email(),
  customerPhone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 phone number'),
  /** The support agent who filed the request; may not approve it. */
  requestedBy: z.string().min(1),
});

export default defineWorkflow({
  id: 'refund-triage',
  version: '1.0.0',
  owner: { team: 'payments-operations', contact: 'payments-ops@acme.example' },
  objective:
    'Resolve each refund request fairly and within policy: refund what the customer is owed, ' +
    'ask for what is missing, decline what the refund policy excludes, and hand unclear cases to a person.',
  trigger: {
    source: 'acme.payments',
    detailType: 'RefundRequested',
    detail: refundRequestedDetail,
  },
  entityKey: '$.detail.orderId',
  businessKey: { paths: ['$.detail.requestId'] },
  timezone: 'UTC',
  agent: {
    // Active on its Bedrock model card, which names no end-of-life date yet; Claude 3.5 Haiku
    // reached end of life on 2026-06-19. `awf doctor --aws` checks the lifecycle again; a
    // deployment can switch models without editing the pack (docs/OPERATIONS.md#models).
    modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    modelCheckedOn: '2026-12-04',
    prompt: 'prompt.md',
    maxIterations: 3,
    maxTokens: 1024,
    temperature: 0,
    maxRepairs: 2,
  },
  actions: {
    issueRefund: {
      description: 'Refund part or all of an order to the original payment method.',
      input: z.object({
        orderId,
        amount: money,
        currency,
        reasonCode: z.enum(['damaged', 'not-delivered', 'not-as-described', 'duplicate-charge', 'goodwill']),
      }),
      risk: 'high',
      connector: { type: 'eventbridge', detailType: 'RefundIssued' },
      bind: { orderId: '$.detail.orderId' },
    },
    denyRefund: {
      description: 'Decline the refund and tell the customer why, citing the refund policy.',
      input: z.object({
        orderId,
        reasonCode: z.enum([
          'outside-policy-window',
          'insufficient-evidence',
          'already-refunded',
          'suspected-fraud',
        ]),
        customerMessage: z.string().min(20).max(1000),
      }),
      risk: 'medium',
      connector: { type: 'eventbridge', detailType: 'RefundDenied' },
      bind: { orderId: '$.detail.orderId' },
    },
    requestMoreInformation: {
      description: 'Ask the customer for what is missing to decide (photos, tracking number, order details).',
      input: z.object({
        orderId,
        questions: z.array(z.string().min(5).max(300)).min(1).max(5),
      }),
      risk: 'low',
      connector: { type: 'eventbridge', detailType: 'MoreInformationRequested' },
      bind: { orderId: '$.detail.orderId' },
    },
    escalateToHuman: {
      description: 'Hand the case to the payments operations team with a summary of what is known.',
      input: z.object({ orderId, summary: z.string().min(20).max(2000) }),
      risk: 'low',
      connector: { type: 'eventbridge', detailType: 'RefundEscalated' },
      bind: { orderId: '$.detail.orderId' },
    },
  },
  policies: 'policies.cedar',
  grounding: {
    facts: {
      // The order as the order system knows it: policies compare the refund with its total and status.
      order: {
        source: { type: 'dynamodb', table: 'acme-orders', key: { orderId: '$.detail.orderId' } },
        attributes: z.object({
          total: money,
          currency,
          status: z.enum(['placed', 'shipped', 'delivered', 'cancelled']),
        }),
        dataClass: 'internal',
        localFixture: 'fixtures/orders.json',
      },
    },
    history: {
      key: '$.detail.customerId',
      normalize: ['trim', 'case-fold'],
      window: '30d',
      actions: ['issueRefund'],
      measures: { refundedAmount: { action: 'issueRefund', sum: 'amount' } },
    },
  },
  caps: {
    // Refunds of one order never add up past what the order system says it cost.
    refundedPerOrder: {
      action: 'issueRefund',
      sum: 'amount',
      per: 'orderId',
      limit: { fact: 'order.total' },
    },
  },
  autonomy: {
    default: 'autonomous',
    // Declining a customer always gets a human look until the agent has earned trust.
    actions: { denyRefund: 'supervised' },
    promotion: { minDecisions: 50, minAgreement: 0.95 },
    demotion: { maxOverrideRate: 0.1 },
  },
  approvals: {
    approverRoles: ['payments-approver'],
    approvers: {
      'alice@acme.example': ['payments-approver'],
      'bob@acme.example': ['payments-approver', 'payments-lead'],
    },
    timeout: '24h',
    reminderInterval: '4h',
    escalation: ['payments-lead', 'finance-director'],
    separationOfDuties: { excludeEventFields: ['$.detail.requestedBy'] },
  },
  data: {
    classification: {
      '$.detail.customerEmail': 'pii',
      '$.detail.customerPhone': 'pii',
      '$.detail.customerId': 'internal',
      '$.detail.orderId': 'internal',
      '$.detail.reason': 'internal',
    },
    defaultClass: 'internal',
    modelMaySee: ['public', 'internal'],
    policyMaySee: ['public', 'internal'],
    retentionDays: 400,
  },
});
