/**
 * A property over generated model outputs, run through the state machine's
 * own ASL and the real steps: whatever a model proposes, in whatever order and
 * however often, what reaches the bus is judged against the case itself (its
 * bound order and the order's total), never against `decide`:
 *
 * - no refund for another order;
 * - no refund twice for one intent (the same input) within a run;
 * - never more refunded for the order than its total, across two requests
 *   about the same order (two runs, two customers, an approver who approves
 *   everything asked).
 */
import fc from 'fast-check';
import { canonicalJson } from '../../core/canonical-json.js';
import type { ConverseResponse, ModelPort } from '../../core/model/model.js';
import type { OutboundEvent } from '../../core/ports.js';
import { readPlanningContext } from '../../core/steps/plan/prompt.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { aRefundRequestedEvent } from '../support/event-builders.js';
import { fixedClock, InMemoryLineageStore, InMemoryRunsStore } from '../support/in-memory-stores.js';
import { loadReferencePack } from '../support/packs.js';
import { referenceFacts } from '../support/trusted-ports.js';
import { runGovernedWorkflow } from './support/governed-workflow-harness.js';

/** The case's order, as the reference fixture holds it: 45.50 USD. */
const OWN_ORDER = 'ord_4k8m2p';
const OWN_TOTAL_CENTS = 4550;
/** Another order of the fixture, which no run here is about. */
const OTHER_ORDER = 'ord_7h3n9q';
const REASONS = ['damaged', 'not-delivered', 'not-as-described', 'duplicate-charge', 'goodwill'] as const;

interface GeneratedRefund {
  readonly ownOrder: boolean;
  readonly cents: number;
  readonly reasonCode: (typeof REASONS)[number];
  readonly confidence: number;
}

const refundArbitrary: fc.Arbitrary<GeneratedRefund> = fc.record({
  ownOrder: fc.oneof(
    { arbitrary: fc.constant(true), weight: 3 },
    { arbitrary: fc.constant(false), weight: 1 },
  ),
  cents: fc.oneof(fc.integer({ min: 1, max: 2_500 }), fc.constantFrom(1_500, 4_550, 4_551, 9_999)),
  reasonCode: fc.constantFrom(...REASONS),
  confidence: fc.constantFrom(0.5, 0.95),
});

/** What one run's model answers: proposals per iteration, or the first iteration's again every time. */
interface GeneratedAnswers {
  readonly iterations: readonly (readonly GeneratedRefund[])[];
  readonly repeatFirst: boolean;
}

const answersArbitrary: fc.Arbitrary<GeneratedAnswers> = fc.record({
  iterations: fc.array(fc.array(refundArbitrary, { minLength: 1, maxLength: 4 }), {
    minLength: 1,
    maxLength: 3,
  }),
  repeatFirst: fc.boolean(),
});

/** A model that answers the generated proposals by iteration, then finishes. */
function generatedModel({ iterations, repeatFirst }: GeneratedAnswers): ModelPort {
  let uses = 0;
  return {
    async converse(request): Promise<ConverseResponse> {
      const { iteration } = readPlanningContext(request.messages);
      const proposals = repeatFirst ? iterations[0] : iterations[iteration];
      const content = proposals
        ? proposals.map((refund) => {
            uses += 1;
            return {
              toolUse: {
                toolUseId: `t${uses}`,
                name: 'issueRefund',
                input: {
                  orderId: refund.ownOrder ? OWN_ORDER : OTHER_ORDER,
                  amount: refund.cents / 100,
                  currency: 'USD',
                  reasonCode: refund.reasonCode,
                  rationale: 'generated',
                  confidence: refund.confidence,
                },
              },
            };
          })
        : [{ toolUse: { toolUseId: `t${++uses}`, name: 'finish', input: { summary: 'Done.' } } }];
      return {
        output: { message: { role: 'assistant', content } },
        stopReason: 'tool_use',
        usage: { inputTokens: 100, outputTokens: 20 },
      };
    },
  };
}

let pack: WorkflowPack;
beforeAll(async () => {
  ({ pack } = await loadReferencePack());
});

const refundsOf = (events: readonly OutboundEvent[]) => events.filter((e) => e.detailType === 'RefundIssued');

it('never refunds another order, twice for one intent, or past the order total, whatever the model proposes', async () => {
  await fc.assert(
    fc.asyncProperty(answersArbitrary, answersArbitrary, async (first, second) => {
      // One orders table, runs table and lineage for both requests, as in one deployment.
      const runs = new InMemoryRunsStore();
      const lineage = new InMemoryLineageStore();
      const facts = referenceFacts();
      const clock = fixedClock('2026-11-20T12:00:00.000Z');
      const requests = [
        { answers: first, id: 'evt-property-1', customerId: 'cus_prop0001' },
        { answers: second, id: 'evt-property-2', customerId: 'cus_prop0002' },
      ];
      const issued: OutboundEvent[] = [];
      for (const { answers, id, customerId } of requests) {
        const event = aRefundRequestedEvent({ customerId }, { id });
        const result = await runGovernedWorkflow(event, {
          pack,
          model: generatedModel(answers),
          clock,
          runs,
          lineage,
          facts,
        });
        const refunds = refundsOf(result.events.events);
        // Within a run, one intent has one effect.
        const intents = refunds.map(
          ({ detail: { runId: _r, proposalId: _p, idempotencyKey: _k, ...input } }) => canonicalJson(input),
        );
        expect(new Set(intents).size).toBe(intents.length);
        issued.push(...refunds);
      }
      expect(issued.filter((e) => e.detail.orderId !== OWN_ORDER)).toEqual([]);
      const refundedCents = issued.reduce((sum, e) => sum + Math.round(Number(e.detail.amount) * 100), 0);
      expect(refundedCents).toBeLessThanOrEqual(OWN_TOTAL_CENTS);
    }),
    { numRuns: 30 },
  );
}, 120_000);
