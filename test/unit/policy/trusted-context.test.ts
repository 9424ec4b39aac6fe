/**
 * The trusted context a decision sees: the time in the spec's zone, the event
 * fields policies may see, grounding facts (a missing one denies before
 * Cedar), bindings to the case and history measures.
 */
import * as z from 'zod';
import { InMemoryFactReader } from '../../../adapters/memory-fact-reader.js';
import { WorkflowSpecError } from '../../../core/errors.js';
import { bindingProblems } from '../../../core/policy/bindings.js';
import { createDecider } from '../../../core/policy/decide.js';
import { missingFactProblems, readGroundingFacts } from '../../../core/policy/facts.js';
import { createPolicyGate } from '../../../core/policy/gate.js';
import { historyFigures, historyValuesOf } from '../../../core/policy/history.js';
import { policyNow } from '../../../core/policy/now.js';
import { validatePolicies } from '../../../core/policy/validate-pack.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import { defineWorkflow } from '../../../core/workflow/spec.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';
import { aRefundRequestedEvent } from '../../support/event-builders.js';
import { aWorkflowSpecInput } from '../../support/workflow-builders.js';
import { aPack, aRefundRunFacts, aTicketRequest, loadRefundTriagePack } from './builders.js';

describe('context.now', () => {
  it('gives the date, hour, minute and weekday in the named zone, and the instant in UTC', () => {
    // Friday 22:58 in UTC is already Saturday in Tokyo and still Friday afternoon in Los Angeles.
    const instant = new Date('2026-12-04T22:58:12Z');
    expect(policyNow(instant, 'UTC')).toEqual({
      datetime: instant,
      date: '2026-12-04',
      hour: 22,
      minute: 58,
      weekday: 'friday',
      timezone: 'UTC',
    });
    expect(policyNow(instant, 'Asia/Tokyo')).toMatchObject({
      date: '2026-12-05',
      hour: 7,
      weekday: 'saturday',
    });
    expect(policyNow(instant, 'America/Los_Angeles')).toMatchObject({
      date: '2026-12-04',
      hour: 14,
      weekday: 'friday',
    });
  });

  it('follows daylight saving time: 08:30 UTC is 09:30 in Paris in winter and 10:30 in summer', () => {
    expect(policyNow(new Date('2026-01-15T08:30:00Z'), 'Europe/Paris').hour).toBe(9);
    expect(policyNow(new Date('2026-07-15T08:30:00Z'), 'Europe/Paris').hour).toBe(10);
  });

  it('decides "outside business hours" by the spec zone, from the clock and never from the input', () => {
    const pack = aPack(
      [
        '@id("route")',
        'permit (principal, action == Awf::Action::"routeTicket", resource);',
        '@id("no-routing-at-night")',
        'forbid (principal, action == Awf::Action::"routeTicket", resource)',
        'when { context.now.hour < 9 || context.now.hour >= 18 || context.now.weekday == "sunday" };',
      ].join('\n'),
      { timezone: 'Europe/Paris' },
    );
    const gate = createPolicyGate(pack);
    const at = (iso: string) =>
      gate.evaluate(aTicketRequest({ now: policyNow(new Date(iso), 'Europe/Paris') }));
    // 08:30 UTC on a Friday in July is 10:30 in Paris: inside hours.
    expect(at('2026-07-17T08:30:00Z').decision).toBe('ALLOW');
    // 16:30 UTC is 18:30 in Paris: outside.
    expect(at('2026-07-17T16:30:00Z')).toMatchObject({ decision: 'DENY', reasons: ['no-routing-at-night'] });
    // A Sunday.
    expect(at('2026-07-19T10:00:00Z').decision).toBe('DENY');
  });

  it('compares the instant as a Cedar datetime', () => {
    const pack = aPack(
      [
        '@id("route-until-cutover")',
        'permit (principal, action == Awf::Action::"routeTicket", resource)',
        'when { context.now.datetime < datetime("2027-01-01T00:00:00Z") };',
      ].join('\n'),
    );
    const gate = createPolicyGate(pack);
    const at = (iso: string) =>
      gate.evaluate(aTicketRequest({ now: policyNow(new Date(iso), 'UTC') })).decision;
    expect(at('2026-12-31T23:59:59Z')).toBe('ALLOW');
    expect(at('2027-01-01T00:00:00Z')).toBe('DENY');
  });
});

describe('context.event and policyMaySee', () => {
  const routeWhenVip = (field: string) =>
    [
      '@id("vip")',
      'permit (principal, action == Awf::Action::"routeTicket", resource)',
      `when { context.event.detail.${field} == "vip@example.com" };`,
    ].join('\n');

  it('lets a policy read an event field of a class the spec lets policies see', () => {
    const pack = aPack(routeWhenVip('subject'), {
      data: { ...aWorkflowSpecInput().data, policyMaySee: ['internal'] },
    });
    const gate = createPolicyGate(pack);
    const request = (subject: string) =>
      aTicketRequest({ event: { detail: { ticketId: 'T-1', subject, email: 'jo@example.com' } } });
    expect(gate.evaluate(request('vip@example.com')).decision).toBe('ALLOW');
    expect(gate.evaluate(request('other')).decision).toBe('DENY');
  });

  it('fails synth for a policy reading a pii field when policies may not see pii, however the model is set', () => {
    const pack = aPack(routeWhenVip('email'), {
      data: { ...aWorkflowSpecInput().data, modelMaySee: ['public', 'internal'], policyMaySee: ['internal'] },
    });
    expect(() => validatePolicies(pack)).toThrow(WorkflowSpecError);
    expect(() => validatePolicies(pack)).toThrow(/policy "vip"/);
    // Deployed anyway, the policy still cannot see the field: the context has none, and the gate denies.
    const evaluation = createPolicyGate(pack).evaluate(
      aTicketRequest({ event: { detail: { ticketId: 'T-1', subject: 'Hi', email: 'vip@example.com' } } }),
    );
    expect(evaluation.decision).toBe('DENY');
    expect(evaluation.errors).toEqual([expect.stringContaining('policy "vip"')]);
  });

  it('gives policies the pii field once policyMaySee lists pii, separately from what the model sees', () => {
    const pack = aPack(routeWhenVip('email'), {
      data: {
        ...aWorkflowSpecInput().data,
        modelMaySee: ['public', 'internal'],
        policyMaySee: ['internal', 'pii'],
      },
    });
    const gate = createPolicyGate(pack);
    const request = aTicketRequest({
      event: { detail: { ticketId: 'T-1', subject: 'Hi', email: 'vip@example.com' } },
    });
    expect(gate.evaluate(request).decision).toBe('ALLOW');
  });
});

describe('grounding facts', () => {
  const order = { orderId: 'ord_4k8m2p', total: 45.5, currency: 'USD', status: 'delivered' };

  it('reads the item by the key the event gives, parsed with its attributes', async () => {
    const reader = new InMemoryFactReader().seed('acme-orders', [order]);
    expect(await readGroundingFacts(refundTriage, aRefundRequestedEvent(), reader)).toEqual({
      order: { found: true, attributes: { total: 45.5, currency: 'USD', status: 'delivered' } },
    });
  });

  it('says why a fact is missing: no item, an unreadable table, an item that does not match, no key in the event', async () => {
    const empty = new InMemoryFactReader();
    const failing = new InMemoryFactReader().failReadsOf(
      'acme-orders',
      Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }),
    );
    const malformed = new InMemoryFactReader().seed('acme-orders', [{ ...order, total: 'lots' }]);
    const read = async (reader: InMemoryFactReader, event = aRefundRequestedEvent()) =>
      missingFactProblems(refundTriage, await readGroundingFacts(refundTriage, event, reader));

    expect(await read(empty)).toEqual(["fact order: acme-orders holds no item for the case's orderId"]);
    expect(await read(failing)).toEqual([
      'fact order could not be read from acme-orders (AccessDeniedException: not authorized)',
    ]);
    expect(await read(malformed)).toEqual([
      expect.stringMatching(/^fact order: the item does not match its attributes \(total: /),
    ]);
    expect(await read(empty, aRefundRequestedEvent({ orderId: undefined }))).toEqual([
      'fact order: its key orderId comes from $.detail.orderId, which the admitted event does not have',
    ]);
  });

  it('denies every action before Cedar runs when a fact is missing, recording why', async () => {
    const decider = createDecider(await loadRefundTriagePack());
    const verdict = decider.decide({
      proposal: {
        action: 'escalateToHuman',
        input: { orderId: 'ord_4k8m2p', summary: 'The order cannot be found in the order system.' },
        confidence: 0.9,
      },
      facts: aRefundRunFacts({
        facts: { order: { found: false, problem: 'fact order: acme-orders holds no item' } },
      }),
      storedAutonomy: undefined,
    });
    expect(verdict).toMatchObject({ decision: 'DENY', policyDecision: 'DENY', reasons: [] });
    expect(verdict.errors).toEqual(['fact order: acme-orders holds no item']);
    expect(verdict).not.toHaveProperty('logOnly');
  });
});

describe('bindings', () => {
  const issueRefund = refundTriage.actions.issueRefund;
  if (!issueRefund) throw new Error('refund-triage has no issueRefund');

  it('holds when every bound field equals the event value, and names the field when not, never the values', () => {
    const event = aRefundRequestedEvent();
    expect(bindingProblems(issueRefund, { orderId: 'ord_4k8m2p' }, event)).toEqual([]);
    const problems = bindingProblems(issueRefund, { orderId: 'ord_7h3n9q' }, event);
    expect(problems).toEqual([
      "input.orderId is not the run's case: it must equal $.detail.orderId of the admitted event",
    ]);
    expect(problems.join()).not.toContain('ord_');
  });

  it('fails closed when the event lacks the bound path, or the value differs only in type or case', () => {
    expect(bindingProblems(issueRefund, { orderId: 'ord_4k8m2p' }, { detail: {} })).toEqual([
      'input.orderId is bound to $.detail.orderId, which the admitted event does not have',
    ]);
    expect(bindingProblems(issueRefund, { orderId: 'ORD_4K8M2P' }, aRefundRequestedEvent())).toHaveLength(1);
    expect(bindingProblems({ bind: { n: '$.detail.n' } }, { n: '7' }, { detail: { n: 7 } })).toHaveLength(1);
  });

  it('denies a refund for another order in decide, before any policy runs', async () => {
    const decider = createDecider(await loadRefundTriagePack());
    const verdict = decider.decide({
      proposal: {
        action: 'issueRefund',
        input: { orderId: 'ord_7h3n9q', amount: 10, currency: 'USD', reasonCode: 'goodwill' },
        confidence: 0.95,
      },
      facts: aRefundRunFacts(),
      storedAutonomy: undefined,
    });
    expect(verdict).toMatchObject({ decision: 'DENY', policyDecision: 'DENY', reasons: [] });
    expect(verdict.errors).toEqual([
      "input.orderId is not the run's case: it must equal $.detail.orderId of the admitted event",
    ]);
  });
});

describe('history measures', () => {
  const spec: Pick<WorkflowSpec, 'grounding'> = defineWorkflow(
    aWorkflowSpecInput({
      actions: {
        grantAccess: {
          description: 'Grant a level of access to a system.',
          input: z.object({
            ticketId: z.string(),
            level: z.enum(['viewer', 'admin']),
            hours: z.number().int(),
          }),
          risk: 'high',
          connector: { type: 'eventbridge', detailType: 'AccessGranted' },
          bind: { ticketId: '$.detail.ticketId' },
        },
      },
      grounding: {
        facts: {},
        history: {
          key: '$.detail.email',
          normalize: ['trim', 'case-fold'],
          window: '30d',
          actions: ['grantAccess'],
          measures: {
            adminGrants: { action: 'grantAccess', where: { level: 'admin' } },
            adminHours: { action: 'grantAccess', sum: 'hours', where: { level: 'admin' } },
          },
        },
      },
    }),
  );
  const entry = (level: string, hours: number) => ({ at: '2026-11-01T00:00:00Z', values: { level, hours } });

  it('counts and sums only the entries whose input matches the filter', () => {
    expect(
      historyFigures(spec, { grantAccess: [entry('admin', 4), entry('viewer', 72), entry('admin', 8)] }),
    ).toEqual({ grantAccess: 3, adminGrants: 2, adminHours: 12 });
  });

  it('sums decimals exactly, in ten-thousandths', () => {
    const refunds = [0.1, 0.2, 45.5].map((amount) => ({ at: '2026-11-01T00:00:00Z', values: { amount } }));
    expect(historyFigures(refundTriage, { issueRefund: refunds })).toEqual({
      issueRefund: 3,
      refundedAmount: 45.8,
    });
  });

  it('keeps in an entry only the input fields the measures read', () => {
    expect(historyValuesOf(spec, 'grantAccess', { ticketId: 'T-1', level: 'admin', hours: 4 })).toEqual({
      level: 'admin',
      hours: 4,
    });
    expect(
      historyValuesOf(refundTriage, 'issueRefund', { orderId: 'ord_1', amount: 5, reasonCode: 'goodwill' }),
    ).toEqual({
      amount: 5,
    });
  });
});
