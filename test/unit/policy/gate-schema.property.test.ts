/**
 * The gate leaves Cedar's request validation out at run time (it costs the
 * cold start a schema load) because every context it hands Cedar is built to
 * the schema's types. This holds it to that: over generated requests, the
 * gate decides as Cedar does when the schema validates each request, and no
 * context the gate builds is one the schema refuses.
 */
import { isAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import fc from 'fast-check';
import {
  ACTION_ENTITY_TYPE,
  AGENT_ENTITY_TYPE,
  cedarSchemaFor,
  RESOURCE_ENTITY_TYPE,
  toCedarContext,
} from '../../../core/policy/cedar-schema.js';
import { createPolicyGate, type PolicyGate, type PolicyRequest } from '../../../core/policy/gate.js';
import { parsePolicySet } from '../../../core/policy/policy-set.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { aDenyRefundRequest, aRefundRequest, loadRefundTriagePack } from './builders.js';

let pack: WorkflowPack;
let gate: PolicyGate;
let enforcedTexts: Record<string, string>;

beforeAll(async () => {
  pack = await loadRefundTriagePack();
  gate = createPolicyGate(pack);
  const parsed = parsePolicySet(pack.policies);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  enforcedTexts = Object.fromEntries(
    parsed.policySet.policies.filter((p) => p.mode === 'enforce').map((p) => [p.id, p.text]),
  );
});

/** Cedar's own answer with the schema validating the request. */
function cedarWithSchema(request: PolicyRequest) {
  const answer = isAuthorized({
    principal: { type: AGENT_ENTITY_TYPE, id: pack.spec.id },
    action: { type: ACTION_ENTITY_TYPE, id: request.action },
    resource: { type: RESOURCE_ENTITY_TYPE, id: request.entityId },
    context: toCedarContext(pack.spec, request.action, request),
    schema: cedarSchemaFor(pack.spec),
    validateRequest: true,
    policies: { staticPolicies: enforcedTexts },
    entities: [],
  });
  if (answer.type === 'failure') throw new Error(answer.errors.map((e) => e.message).join('; '));
  return answer.response;
}

const cents = (max: number) => fc.integer({ min: 1, max: max * 100 }).map((n) => n / 100);
const confidence = fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000);

const refundRequests = fc
  .record({
    amount: cents(5_000),
    currency: fc.constantFrom('USD', 'EUR'),
    orderCurrency: fc.constantFrom('USD', 'EUR'),
    orderTotal: cents(6_000),
    status: fc.constantFrom('delivered', 'cancelled', 'shipped'),
    confidence,
    autonomy: fc.constantFrom('autonomous' as const, 'supervised' as const, 'shadow' as const),
    refunded: fc.integer({ min: 0, max: 3 }),
    refundedAmount: cents(3_000),
  })
  .map((r) =>
    aRefundRequest({
      input: { amount: r.amount, currency: r.currency },
      confidence: r.confidence,
      autonomy: r.autonomy,
      history: { issueRefund: r.refunded, refundedAmount: r.refundedAmount },
      facts: { order: { total: r.orderTotal, currency: r.orderCurrency, status: r.status } },
    }),
  );

const denyRequests = confidence.map((c) => aDenyRefundRequest(c));

it('decides every generated request as Cedar does with the schema validating it', () => {
  fc.assert(
    fc.property(fc.oneof(refundRequests, denyRequests), (request) => {
      const cedar = cedarWithSchema(request);
      const ours = gate.evaluate(request, { logOnly: false });
      expect(ours.errors).toEqual([]);
      expect(cedar.diagnostics.errors).toEqual([]);
      expect(ours.decision === 'DENY').toBe(cedar.decision === 'deny');
      for (const reason of ours.reasons) expect(cedar.diagnostics.reason).toContain(reason);
    }),
    { numRuns: 300 },
  );
});

it('still denies, naming the field, a value the schema would refuse', () => {
  const wrongType = gate.evaluate(aRefundRequest({ input: { amount: 'forty' } }), { logOnly: false });
  expect(wrongType.decision).toBe('DENY');
  expect(wrongType.errors.join('\n')).toMatch(/context\.input\.amount/);
  const badFact = gate.evaluate(
    aRefundRequest({ facts: { order: { total: '1e9', currency: 'USD', status: 'x' } } }),
    {
      logOnly: false,
    },
  );
  expect(badFact.decision).toBe('DENY');
  expect(badFact.errors.join('\n')).toMatch(/context\.facts\.order\.total/);
});
