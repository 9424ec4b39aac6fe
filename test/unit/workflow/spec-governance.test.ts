/**
 * The parts of a spec that tie decisions to trusted facts (bindings, grounding
 * facts, history measures, caps, the business key, the time zone) fail synth
 * naming the field and what was expected.
 */
import * as z from 'zod';
import { WorkflowSpecError } from '../../../core/errors.js';
import { defineWorkflow, type WorkflowSpecInput } from '../../../core/workflow/spec.js';
import { aWorkflowSpecInput } from '../../support/workflow-builders.js';

function problemsOf(spec: WorkflowSpecInput): string {
  try {
    defineWorkflow(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowSpecError);
    return (error as Error).message;
  }
  throw new Error('expected a WorkflowSpecError');
}

/** The ticket workflow with a `refundTicket` action (ticketId bound, amount a number) and a `customer` fact. */
function withRefunds(overrides: Partial<WorkflowSpecInput> = {}, refundTicket: Record<string, unknown> = {}) {
  const base = aWorkflowSpecInput();
  return aWorkflowSpecInput({
    actions: {
      ...base.actions,
      refundTicket: {
        description: 'Refund the ticket purchase.',
        input: z.object({ ticketId: z.string(), amount: z.number().positive(), note: z.string().optional() }),
        risk: 'high',
        connector: { type: 'eventbridge', detailType: 'TicketRefunded' },
        bind: { ticketId: '$.detail.ticketId' },
        ...refundTicket,
      },
    },
    grounding: {
      facts: {
        customer: {
          source: { type: 'dynamodb', table: 'acme-customers', key: { ticketId: '$.detail.ticketId' } },
          attributes: z.object({ credit: z.number(), tier: z.string() }),
        },
      },
    },
    ...overrides,
  });
}

describe('action bindings', () => {
  it('fails for an action with neither bind nor unbound, saying how to fix it', () => {
    const message = problemsOf(withRefunds({}, { bind: undefined }));
    expect(message).toContain(
      "actions.refundTicket.bind: expected the input fields that name the run's case bound to event paths",
    );
    expect(message).toContain('or unbound: { reason }');
  });

  it('accepts an unbound action that says why, and refuses both at once or a short reason', () => {
    expect(() =>
      defineWorkflow(
        withRefunds({}, { bind: undefined, unbound: { reason: 'a goodwill credit for no one ticket' } }),
      ),
    ).not.toThrow();
    expect(problemsOf(withRefunds({}, { unbound: { reason: 'a goodwill credit' } }))).toContain(
      'actions.refundTicket.unbound: expected either bind or unbound, not both',
    );
    expect(problemsOf(withRefunds({}, { bind: undefined, unbound: { reason: 'no' } }))).toContain(
      'actions.refundTicket.unbound.reason: expected a reason of at least 10 characters',
    );
  });

  it('fails for a binding of a field the input does not have, or of an optional one', () => {
    const message = problemsOf(
      withRefunds({}, { bind: { orderId: '$.detail.ticketId', note: '$.detail.subject' } }),
    );
    expect(message).toContain(
      'actions.refundTicket.bind.orderId: expected a field of the action\'s input (ticketId, amount, note), got "orderId"',
    );
    expect(message).toContain(
      'actions.refundTicket.bind.note: expected a required field of the action\'s input, got optional "note"',
    );
  });

  it('fails for a binding that is not an event path', () => {
    expect(problemsOf(withRefunds({}, { bind: { ticketId: 'detail.ticketId' } }))).toContain(
      'actions.refundTicket.bind.ticketId: expected a JSONPath of member names such as "$.detail.orderId"',
    );
  });
});

describe('grounding facts, measures and caps', () => {
  it('fails for a fact table that is neither a table name nor a table ARN', () => {
    const spec = withRefunds({
      grounding: {
        facts: {
          customer: {
            source: {
              type: 'dynamodb',
              table: 'arn:aws:s3:::a-bucket',
              key: { ticketId: '$.detail.ticketId' },
            },
            attributes: z.object({ credit: z.number() }),
          },
        },
      },
    });
    expect(problemsOf(spec)).toContain(
      'grounding.facts.customer.source.table: expected a DynamoDB table name or a table ARN',
    );
  });

  it('accepts a fact table by ARN in another account', () => {
    const arn = 'arn:aws:dynamodb:eu-west-1:210987654321:table/acme-customers';
    const spec = withRefunds({
      grounding: {
        facts: {
          customer: {
            source: { type: 'dynamodb', table: arn, key: { ticketId: '$.detail.ticketId' } },
            attributes: z.object({ credit: z.number() }),
          },
        },
      },
    });
    expect(defineWorkflow(spec).grounding.facts.customer?.source.table).toBe(arn);
  });

  it('fails for a measure of an unknown action, a sum of a field that is not a number, or a filter on no field', () => {
    const spec = withRefunds({
      grounding: {
        facts: {},
        history: {
          key: '$.detail.email',
          window: '30d',
          actions: ['refundTicket'],
          measures: {
            refunded: { action: 'refundTicket', sum: 'ticketId' },
            wired: { action: 'wireMoney' },
            vip: { action: 'refundTicket', where: { tier: 'vip' } },
            refundTicket: { action: 'refundTicket' },
          },
        },
      },
    });
    const message = problemsOf(spec);
    expect(message).toContain(
      'grounding.history.measures.refunded.sum: expected a number field of refundTicket\'s input, got "ticketId"',
    );
    expect(message).toContain(
      "grounding.history.measures.wired.action: expected one of the catalogue's actions",
    );
    expect(message).toContain(
      'grounding.history.measures.vip.where.tier: expected a field of refundTicket\'s input, got "tier"',
    );
    expect(message).toContain(
      'grounding.history.measures.refundTicket: "refundTicket" is an action\'s name; a measure needs a name of its own',
    );
  });

  it('fails for a cap per a field the action does not bind, of a field that is not a number, or limited by an unknown fact', () => {
    const spec = withRefunds({
      caps: {
        byNote: { action: 'refundTicket', sum: 'amount', per: 'note', limit: 100 },
        byTicket: {
          action: 'refundTicket',
          sum: 'ticketId',
          per: 'ticketId',
          limit: { fact: 'order.total' },
        },
        byCredit: {
          action: 'refundTicket',
          sum: 'amount',
          per: 'ticketId',
          limit: { fact: 'customer.tier' },
        },
      },
    });
    const message = problemsOf(spec);
    expect(message).toContain(
      'caps.byNote.per: expected a field refundTicket binds to the case (ticketId), got "note"',
    );
    expect(message).toContain(
      'caps.byTicket.sum: expected a required number field of refundTicket\'s input, got "ticketId"',
    );
    expect(message).toContain(
      'caps.byTicket.limit.fact: expected one of the grounding facts (customer), got "order"',
    );
    expect(message).toContain(
      'caps.byCredit.limit.fact: expected a required number attribute of fact "customer", got "tier"',
    );
  });

  it('accepts a cap limited by a numeric fact attribute', () => {
    const spec = withRefunds({
      caps: {
        creditUsed: {
          action: 'refundTicket',
          sum: 'amount',
          per: 'ticketId',
          limit: { fact: 'customer.credit' },
        },
      },
    });
    expect(defineWorkflow(spec).caps.creditUsed?.limit).toEqual({ fact: 'customer.credit' });
  });
});

describe('business key and time zone', () => {
  it('fails for an unknown time zone and accepts an IANA one', () => {
    expect(problemsOf(aWorkflowSpecInput({ timezone: 'Mars/Olympus' }))).toContain(
      'timezone: expected an IANA time zone such as "UTC" or "Europe/Paris"',
    );
    expect(defineWorkflow(aWorkflowSpecInput({ timezone: 'Asia/Kolkata' })).timezone).toBe('Asia/Kolkata');
  });

  it('fails for a business key with no paths or a path that is not an event path', () => {
    expect(problemsOf(aWorkflowSpecInput({ businessKey: { paths: [] } }))).toContain('businessKey.paths');
    expect(problemsOf(aWorkflowSpecInput({ businessKey: { paths: ['requestId'] } }))).toContain(
      'businessKey.paths.0: expected a JSONPath of member names',
    );
  });
});
