/**
 * Refund triage: decide customer refund requests filed by the support desk.
 *
 * Small, clear-cut refunds are issued by the agent on its own; larger ones wait
 * for a payments approver; anything above the hard limit is forbidden and
 * escalated. Customer contact details are PII and never reach the model.
 */
import { z } from 'zod';
import { defineWorkflow } from '../../core/workflow/spec.js';

const orderId = z.string().regex(/^ord_[A-Za-z0-9]{6,32}$/, 'expected an order id such as "ord_8f3k2m"');
const currency = z.enum(['USD', 'EUR', 'GBP']);
/** Money in major units with at most two decimals. */
const money = z.number().positive().max(1_000_000).multipleOf(0.01);

/** The `detail` of an `acme.payments` / `RefundRequested` event. */
export const refundRequestedDetail = z.object({
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
  agent: {
    modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
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
    },
    requestMoreInformation: {
      description: 'Ask the customer for what is missing to decide (photos, tracking number, order details).',
      input: z.object({
        orderId,
        questions: z.array(z.string().min(5).max(300)).min(1).max(5),
      }),
      risk: 'low',
      connector: { type: 'eventbridge', detailType: 'MoreInformationRequested' },
    },
    escalateToHuman: {
      description: 'Hand the case to the payments operations team with a summary of what is known.',
      input: z.object({ orderId, summary: z.string().min(20).max(2000) }),
      risk: 'low',
      connector: { type: 'eventbridge', detailType: 'RefundEscalated' },
    },
  },
  policies: 'policies.cedar',
  grounding: {
    history: { key: '$.detail.customerId', window: '30d', actions: ['issueRefund'] },
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
    retentionDays: 400,
  },
});
