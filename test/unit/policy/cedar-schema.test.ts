import { validate } from '@cedar-policy/cedar-wasm/nodejs';
import * as z from 'zod';
import { WorkflowSpecError } from '../../../core/errors.js';
import { cedarSchemaFor, toCedarContext } from '../../../core/policy/cedar-schema.js';
import { toCedarDecimal } from '../../../core/policy/cedar-values.js';
import { PolicyInputError } from '../../../core/policy/errors.js';
import { policyNow } from '../../../core/policy/now.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import { defineWorkflow } from '../../../core/workflow/spec.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';
import { aRefundRequestedEvent } from '../../support/event-builders.js';
import { aWorkflowSpecInput } from '../../support/workflow-builders.js';

const decimal = { type: 'Extension', name: 'decimal' };

function aTicketSpecWithInput(input: z.ZodObject): WorkflowSpec {
  return defineWorkflow(
    aWorkflowSpecInput({
      actions: {
        routeTicket: {
          description: 'Assign the ticket to a team queue.',
          input,
          risk: 'low',
          connector: { type: 'eventbridge', detailType: 'TicketRouted' },
          bind: { ticketId: '$.detail.ticketId' },
        },
      },
    }),
  );
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected an error');
}

describe('cedarSchemaFor', () => {
  const schema = cedarSchemaFor(refundTriage);
  const actions = schema.Awf?.actions ?? {};

  it('declares the agent and entity types and one action per catalogue entry', () => {
    expect(schema.Awf?.entityTypes).toEqual({ Agent: {}, Entity: {} });
    expect(Object.keys(actions)).toEqual([
      'issueRefund',
      'denyRefund',
      'requestMoreInformation',
      'escalateToHuman',
    ]);
    for (const action of Object.values(actions)) {
      expect(action.appliesTo?.principalTypes).toEqual(['Agent']);
      expect(action.appliesTo?.resourceTypes).toEqual(['Entity']);
    }
  });

  it('types issueRefund amounts as decimals and enums as strings', () => {
    expect(actions.issueRefund?.appliesTo?.context).toEqual({
      type: 'Record',
      attributes: {
        input: {
          type: 'Record',
          attributes: {
            orderId: { type: 'String' },
            amount: decimal,
            currency: { type: 'String' },
            reasonCode: { type: 'String' },
          },
        },
        confidence: decimal,
        risk: { type: 'String' },
        autonomy: { type: 'String' },
        history: { type: 'Record', attributes: { issueRefund: { type: 'Long' }, refundedAmount: decimal } },
        now: {
          type: 'Record',
          attributes: {
            datetime: { type: 'Extension', name: 'datetime' },
            date: { type: 'String' },
            hour: { type: 'Long' },
            minute: { type: 'Long' },
            weekday: { type: 'String' },
            timezone: { type: 'String' },
          },
        },
        event: {
          type: 'Record',
          attributes: {
            detail: {
              type: 'Record',
              // policyMaySee is public and internal: customerEmail and customerPhone (pii) are absent.
              attributes: {
                requestId: { type: 'String' },
                orderId: { type: 'String' },
                customerId: { type: 'String' },
                amount: decimal,
                currency: { type: 'String' },
                orderTotal: decimal,
                orderDate: { type: 'String' },
                reason: { type: 'String' },
                requestedBy: { type: 'String' },
              },
            },
          },
        },
        facts: {
          type: 'Record',
          attributes: {
            order: {
              type: 'Record',
              attributes: { total: decimal, currency: { type: 'String' }, status: { type: 'String' } },
            },
          },
        },
      },
    });
  });

  it('types an array of strings as a Set of String', () => {
    const context = actions.requestMoreInformation?.appliesTo?.context as {
      attributes: Record<string, unknown>;
    };
    expect(context.attributes.input).toEqual({
      type: 'Record',
      attributes: { orderId: { type: 'String' }, questions: { type: 'Set', element: { type: 'String' } } },
    });
  });

  it('is a schema Cedar accepts for the refund-triage policies', () => {
    const answer = validate({
      schema,
      policies: { staticPolicies: 'permit (principal, action == Awf::Action::"issueRefund", resource);' },
      validationSettings: { mode: 'strict' },
    });
    expect(answer).toMatchObject({ type: 'success', validationErrors: [] });
  });

  it('gives an empty history record when the spec has no history grounding', () => {
    const context = cedarSchemaFor(defineWorkflow(aWorkflowSpecInput())).Awf?.actions.routeTicket?.appliesTo
      ?.context as { attributes: Record<string, unknown> };
    expect(context.attributes.history).toEqual({ type: 'Record', attributes: {} });
  });

  it('maps integers to Long, booleans, literals, emails, nested objects and optional fields', () => {
    const spec = aTicketSpecWithInput(
      z.object({
        ticketId: z.literal('T-1'),
        count: z.number().int(),
        priority: z.int(),
        urgent: z.boolean(),
        reporter: z.email(),
        sla: z.object({ hours: z.number(), note: z.string().optional() }),
        tags: z.array(z.object({ name: z.string() })),
      }),
    );
    const context = cedarSchemaFor(spec).Awf?.actions.routeTicket?.appliesTo?.context as {
      attributes: Record<string, unknown>;
    };
    expect(context.attributes.input).toEqual({
      type: 'Record',
      attributes: {
        ticketId: { type: 'String' },
        count: { type: 'Long' },
        priority: { type: 'Long' },
        urgent: { type: 'Boolean' },
        reporter: { type: 'String' },
        sla: { type: 'Record', attributes: { hours: decimal, note: { type: 'String', required: false } } },
        tags: { type: 'Set', element: { type: 'Record', attributes: { name: { type: 'String' } } } },
      },
    });
  });

  it('fails naming the action and every field that has no Cedar type', () => {
    const spec = aTicketSpecWithInput(
      z.object({
        ticketId: z.string(),
        openedAt: z.date(),
        team: z.union([z.literal('billing'), z.literal('tech')]),
        owner: z.string().nullable(),
        level: z.literal(3),
        notes: z.array(z.string().optional()),
      }),
    );
    const error = errorOf(() => cedarSchemaFor(spec));
    expect(error).toBeInstanceOf(WorkflowSpecError);
    expect((error as WorkflowSpecError).problems).toEqual([
      expect.stringMatching(/^actions\.routeTicket\.input\.openedAt: a zod "date" schema has no Cedar type/),
      expect.stringMatching(/^actions\.routeTicket\.input\.team: a zod "union" schema has no Cedar type/),
      expect.stringMatching(/^actions\.routeTicket\.input\.owner: a zod "nullable" schema has no Cedar type/),
      'actions.routeTicket.input.level: expected a string literal, got 3',
      expect.stringMatching(
        /^actions\.routeTicket\.input\.notes\[\]: optional is only supported on an object's fields/,
      ),
    ]);
  });
});

describe('toCedarContext', () => {
  const values = {
    input: { orderId: 'ord_4k8m2p', amount: 45.5, currency: 'USD', reasonCode: 'damaged' },
    confidence: 0.9,
    risk: 'high' as const,
    autonomy: 'autonomous' as const,
    history: { issueRefund: 2, refundedAmount: 80.25 },
    now: policyNow(new Date('2026-11-02T14:22:00Z'), 'Europe/Paris'),
    event: aRefundRequestedEvent(),
    facts: { order: { total: 45.5, currency: 'USD', status: 'delivered' } },
  };

  it('turns amounts and confidence into decimals and counts into Longs', () => {
    expect(toCedarContext(refundTriage, 'issueRefund', values)).toEqual({
      input: {
        orderId: 'ord_4k8m2p',
        amount: { __extn: { fn: 'decimal', arg: '45.5' } },
        currency: 'USD',
        reasonCode: 'damaged',
      },
      confidence: { __extn: { fn: 'decimal', arg: '0.9' } },
      risk: 'high',
      autonomy: 'autonomous',
      history: { issueRefund: 2, refundedAmount: { __extn: { fn: 'decimal', arg: '80.25' } } },
      now: {
        datetime: { __extn: { fn: 'datetime', arg: '2026-11-02T14:22:00.000Z' } },
        date: '2026-11-02',
        hour: 15,
        minute: 22,
        weekday: 'monday',
        timezone: 'Europe/Paris',
      },
      // Every detail field refund-triage classifies public or internal, and no PII.
      event: {
        detail: {
          requestId: 'req_evt-refund-1',
          orderId: 'ord_4k8m2p',
          customerId: 'cus_9x2b7d',
          amount: { __extn: { fn: 'decimal', arg: '45.5' } },
          currency: 'USD',
          orderTotal: { __extn: { fn: 'decimal', arg: '45.5' } },
          orderDate: '2026-11-02T14:21:00Z',
          reason: 'The ceramic mug arrived damaged: the handle was broken off in the box.',
          requestedBy: 'carol@acme.example',
        },
      },
      facts: {
        order: { total: { __extn: { fn: 'decimal', arg: '45.5' } }, currency: 'USD', status: 'delivered' },
      },
    });
  });

  it('writes whole numbers as decimals with a fractional digit', () => {
    const context = toCedarContext(refundTriage, 'issueRefund', {
      ...values,
      input: { ...values.input, amount: 1249 },
    });
    expect(context.input).toMatchObject({ amount: { __extn: { fn: 'decimal', arg: '1249.0' } } });
  });

  it('turns arrays into sets and leaves out absent optional fields and undeclared keys', () => {
    const spec = aTicketSpecWithInput(
      z.object({ ticketId: z.string(), note: z.string().optional(), tags: z.array(z.string()) }),
    );
    const context = toCedarContext(spec, 'routeTicket', {
      ...values,
      risk: 'low',
      history: {},
      facts: {},
      input: { ticketId: 'T-1', tags: ['vip', 'eu'], extra: 'ignored' },
    });
    expect(context.input).toEqual({ ticketId: 'T-1', tags: ['vip', 'eu'] });
  });

  it('fails on an action outside the catalogue, listing the catalogue', () => {
    const error = errorOf(() => toCedarContext(refundTriage, 'wireTransfer', values));
    expect(error).toBeInstanceOf(PolicyInputError);
    expect(error.message).toContain('action "wireTransfer" is not in the catalogue of refund-triage');
    expect(error.message).toContain('issueRefund');
  });

  it('fails on a decimal with more than four fractional digits instead of rounding it', () => {
    const error = errorOf(() =>
      toCedarContext(refundTriage, 'issueRefund', {
        ...values,
        input: { ...values.input, amount: 45.12345 },
      }),
    );
    expect(error).toBeInstanceOf(PolicyInputError);
    expect(error.message).toBe(
      'context.input.amount: expected a decimal with at most 4 fractional digits, got 45.12345',
    );
  });

  it('fails on a missing required field, naming its path', () => {
    const { currency: _, ...withoutCurrency } = values.input;
    const error = errorOf(() =>
      toCedarContext(refundTriage, 'issueRefund', { ...values, input: withoutCurrency }),
    );
    expect(error.message).toBe('context.input.currency: expected a value, got none');
  });

  it('fails on a fractional count where the schema says Long', () => {
    const error = errorOf(() =>
      toCedarContext(refundTriage, 'issueRefund', { ...values, history: { issueRefund: 1.5 } }),
    );
    expect(error.message).toBe('context.history.issueRefund: expected an integer, got 1.5');
  });

  it('fails on a string where the schema says decimal', () => {
    const error = errorOf(() =>
      toCedarContext(refundTriage, 'issueRefund', { ...values, input: { ...values.input, amount: '45.50' } }),
    );
    expect(error.message).toBe(
      'context.input.amount: expected a finite number for a Cedar decimal, got "45.50"',
    );
  });
});

describe('toCedarDecimal', () => {
  it.each([
    [0, '0.0'],
    [-0, '0.0'],
    [45.5, '45.5'],
    [-12.25, '-12.25'],
    [0.0001, '0.0001'],
    [922337203685477, '922337203685477.0'],
  ])('writes %p as decimal("%s")', (value, arg) => {
    expect(toCedarDecimal(value, 'x')).toEqual({ __extn: { fn: 'decimal', arg } });
  });

  it.each([
    [0.00001, 'at most 4 fractional digits'],
    [1e-7, 'at most 4 fractional digits'],
    [922337203685478, "within Cedar's decimal range"],
    [1e21, "within Cedar's decimal range"],
    [Number.NaN, 'finite number'],
    [Number.POSITIVE_INFINITY, 'finite number'],
  ])('fails on %p', (value, expected) => {
    expect(() => toCedarDecimal(value, 'x')).toThrow(expected);
  });
});
