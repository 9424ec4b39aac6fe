/**
 * How long one policy decision takes: the decider Gate and Act use
 * (`core/policy/decide.ts`: catalogue, case binding, autonomy, the Cedar
 * policies and the log-only ones), deciding the reference pack's autonomous
 * small refund with the facts its grounding reads, after a warm-up.
 *
 * Runs on its own too: `npx tsx bench/cedar-decision.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createDecider, type DecisionRequest } from '../core/policy/decide.js';
import type { BusEvent } from '../core/steps/contracts.js';
import { loadExampleEvents, loadWorkflowPack, WORKFLOWS_DIR } from '../workflows/discover.js';

const WORKFLOW = 'refund-triage';
const EXAMPLE = 'autonomous-small-refund';
const DEFAULT_DECISIONS = 5000;
const WARMUP_DECISIONS = 500;

/** The figures of {@link benchCedarDecisions}. */
export interface CedarDecisionFigures {
  readonly workflow: string;
  readonly example: string;
  readonly decisions: number;
  /** The decision every call gave (the example's own: ALLOW). */
  readonly decision: string;
  readonly cedarDecisionMs: { readonly p50: number; readonly p99: number };
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 1000) / 1000;
}

/** The example's order, as the pack's grounding table holds it. */
function orderFact(dir: string, orderId: unknown) {
  const orders = JSON.parse(readFileSync(join(dir, 'fixtures', 'orders.json'), 'utf8')) as {
    orderId: string;
  }[];
  const order = orders.find((o) => o.orderId === orderId);
  if (!order) throw new Error(`the ${WORKFLOW} fixtures hold no order ${String(orderId)}`);
  const { orderId: _key, ...attributes } = order;
  return { found: true as const, attributes };
}

/**
 * Decides the reference example `decisions` times (after a warm-up) and
 * returns the median and 99th percentile of one decision, in milliseconds.
 */
export async function benchCedarDecisions(decisions = DEFAULT_DECISIONS): Promise<CedarDecisionFigures> {
  const dir = join(WORKFLOWS_DIR, WORKFLOW);
  const pack = await loadWorkflowPack(dir);
  const example = loadExampleEvents(dir).find((e) => e.name === EXAMPLE);
  if (!example) throw new Error(`expected the ${EXAMPLE} example of ${WORKFLOW}`);
  const { name: _name, expect: _expect, ...source } = example;
  const event: BusEvent = {
    ...source,
    version: '0',
    id: 'bench-decision',
    time: '2026-11-02T14:21:00Z',
    account: '123456789012',
    region: 'us-east-1',
    resources: [],
  };
  const detail = event.detail as Record<string, unknown>;
  const decider = createDecider(pack);
  const request: DecisionRequest = {
    proposal: {
      action: 'issueRefund',
      input: {
        orderId: detail.orderId,
        amount: detail.amount,
        currency: detail.currency,
        reasonCode: 'damaged',
      },
      confidence: 0.9,
    },
    facts: {
      entityId: String(detail.orderId),
      event,
      now: new Date('2026-11-02T14:22:00Z'),
      facts: { order: orderFact(dir, detail.orderId) },
      history: { issueRefund: 0, refundedAmount: 0 },
    },
    storedAutonomy: undefined,
  };
  let decision = '';
  for (let i = 0; i < WARMUP_DECISIONS; i++) decision = decider.decide(request).decision;
  const timings: number[] = [];
  for (let i = 0; i < decisions; i++) {
    const started = performance.now();
    decision = decider.decide(request).decision;
    timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);
  return {
    workflow: WORKFLOW,
    example: EXAMPLE,
    decisions,
    decision,
    cedarDecisionMs: { p50: percentile(timings, 50), p99: percentile(timings, 99) },
  };
}

/** The figures as the bench prints them. */
export function describeCedarDecisions(figures: CedarDecisionFigures): string {
  const { p50, p99 } = figures.cedarDecisionMs;
  return `policy decision (${figures.workflow} ${figures.example}, ${figures.decisions} decisions, ${figures.decision}): p50 ${p50} ms, p99 ${p99} ms`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(describeCedarDecisions(await benchCedarDecisions()));
}
