/**
 * The `cost` a closing record (`run.completed`, `run.escalated`) carries: what
 * the run used, counted from its chain (`run-usage.ts`), and its USD at the
 * list prices of `prices.ts` (`runCost`).
 *
 * The USD covers the model's tokens, the Step Functions transitions and the
 * Lambda requests. Not in it: Lambda duration (GB-seconds are not known to the
 * run, and the price file models no duration), DynamoDB request units and
 * EventBridge events (not counted per run). An estimate, not a bill.
 */
import * as z from 'zod';
import {
  type CountedRunUsage,
  LIST_PRICES,
  RunCostError,
  type RunPrices,
  type RunUsage,
  runCost,
} from './run-cost.js';

const count = z.number().min(0);

/** The shape of a closing record's `cost`. */
export const recordedRunCostSchema = z.object({
  usage: z.object({
    stateTransitions: count,
    lambdaInvocations: count,
    tokens: z.record(
      z.string(),
      z.object({ input: count, output: count, cacheRead: count, cacheWrite: count }),
    ),
  }),
  /** Absent when the usage could not be priced (see `unpriced`). */
  usd: z
    .object({
      tokens: z.number(),
      stepFunctions: z.number(),
      lambdaRequests: z.number(),
      /** The three above together. */
      total: z.number(),
    })
    .optional(),
  /** Why there is no `usd`: a model the price file has no price for. */
  unpriced: z.string().optional(),
});

/** A closing record's `cost`. */
export type RecordedRunCost = z.infer<typeof recordedRunCostSchema>;

/**
 * The counted usage as `runCost` takes it: Lambda requests without duration,
 * no DynamoDB request units or EventBridge events (see the module notes).
 */
export function asRunUsage(counted: CountedRunUsage): RunUsage {
  return {
    transitions: counted.stateTransitions,
    lambda: { invocations: counted.lambdaInvocations, gbSeconds: 0 },
    dynamodb: { wru: 0, rru: 0 },
    events: 0,
    tokens: counted.tokens,
  };
}

/**
 * USD to a hundred-millionth of a cent (10 decimal places): far below any
 * price in the file, and it keeps float noise (`0.0000012000000000000002`)
 * out of the record, whose size is billed per KB.
 */
function toMicrocents(usd: number): number {
  return Math.round(usd * 1e10) / 1e10;
}

/**
 * The counted usage with its USD, to 10 decimal places. A model without a price leaves
 * the USD out and says why, rather than record a figure that leaves its
 * tokens out: closing a run never fails on its cost.
 *
 * @example
 * recordedRunCost(runUsageOf(chain, { kind: 'completed' })).usd?.total; // ≈ 0.0021
 */
export function recordedRunCost(usage: CountedRunUsage, prices: RunPrices = LIST_PRICES): RecordedRunCost {
  const counted = {
    stateTransitions: usage.stateTransitions,
    lambdaInvocations: usage.lambdaInvocations,
    tokens: usage.tokens,
  };
  try {
    const cost = runCost(asRunUsage(usage), prices);
    const { stepFunctions, lambda } = cost.orchestrationUsd;
    return {
      usage: counted,
      usd: {
        tokens: toMicrocents(cost.tokensUsd),
        stepFunctions: toMicrocents(stepFunctions),
        lambdaRequests: toMicrocents(lambda),
        total: toMicrocents(cost.tokensUsd + stepFunctions + lambda),
      },
    };
  } catch (error) {
    if (!(error instanceof RunCostError)) throw error;
    return { usage: counted, unpriced: error.message };
  }
}
