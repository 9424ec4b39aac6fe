/**
 * What a run costs: its counted usage of the orchestration (Step Functions
 * transitions, Lambda invocations and GB-seconds, DynamoDB request units,
 * EventBridge events) and of the model (tokens by model), priced with
 * `prices.ts`.
 *
 * Pure arithmetic over counts someone else measured (the bench, an operator
 * reading Cost Explorer's usage types), so the figures are as good as the
 * counts and the list prices: an estimate, not a bill. Free tiers are not
 * subtracted: at any volume worth estimating they are used up.
 */
import { AwfError } from '../errors.js';
import { foundationModelOf } from '../model/pricing.js';
import { MODEL_PRICES, type ModelPrice, ORCHESTRATION_PRICES, type OrchestrationPrices } from './prices.js';

/** The tokens one model spent in a run. */
export interface ModelTokens {
  /** Input tokens neither read from nor written to the prompt cache. */
  readonly input: number;
  readonly output: number;
  /** Input tokens read from the prompt cache. */
  readonly cacheRead: number;
  /** Input tokens written to the prompt cache. */
  readonly cacheWrite: number;
}

/**
 * What one run used that its own lineage counts (`core/cost/run-usage.ts`):
 * states entered, Lambda invocations and model tokens, without retries.
 */
export interface CountedRunUsage {
  /** States its execution entered, without retries. */
  readonly stateTransitions: number;
  /** Lambda invocations its execution and its approvers' decisions caused, without retries. */
  readonly lambdaInvocations: number;
  /** Model tokens by model id, as `model.invoked` names it. */
  readonly tokens: Readonly<Record<string, ModelTokens>>;
}

/** What one run used, counted. */
export interface RunUsage {
  /** Step Functions state transitions, retries included. */
  readonly transitions: number;
  readonly lambda: {
    readonly invocations: number;
    /** Configured memory in GB times billed duration in seconds, summed over the invocations. */
    readonly gbSeconds: number;
  };
  readonly dynamodb: {
    /** Write request units. */
    readonly wru: number;
    /** Read request units. */
    readonly rru: number;
  };
  /** Custom events published to EventBridge, counted in 64 KB chunks. */
  readonly events: number;
  /** Tokens by model id (foundation model, inference profile or ARN). */
  readonly tokens: Readonly<Record<string, ModelTokens>>;
}

/** What one run (or a number of runs) costs, in USD. */
export interface RunCost {
  readonly orchestrationUsd: {
    readonly stepFunctions: number;
    readonly lambda: number;
    readonly dynamodb: number;
    readonly eventBridge: number;
    /** The four above together. */
    readonly total: number;
  };
  /** The model's tokens, all models together. */
  readonly tokensUsd: number;
  /** Orchestration and tokens. */
  readonly totalUsd: number;
}

/** The prices a run is costed with. */
export interface RunPrices {
  readonly orchestration: OrchestrationPrices;
  /** By foundation-model id. */
  readonly models: Readonly<Record<string, ModelPrice>>;
}

/** The list prices of `prices.ts`. */
export const LIST_PRICES: RunPrices = { orchestration: ORCHESTRATION_PRICES, models: MODEL_PRICES };

/** A run's usage cannot be costed: a count is not a non-negative number, or a model has no price. */
export class RunCostError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'RunCostError';
  }
}

function count(value: number, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RunCostError(`${path}: expected a finite count of 0 or more, got ${String(value)}`);
  }
  return value;
}

function tokensUsd(modelId: string, tokens: ModelTokens, models: RunPrices['models']): number {
  const path = `tokens["${modelId}"]`;
  const input = count(tokens.input, `${path}.input`);
  const output = count(tokens.output, `${path}.output`);
  const cacheRead = count(tokens.cacheRead, `${path}.cacheRead`);
  const cacheWrite = count(tokens.cacheWrite, `${path}.cacheWrite`);
  const price = models[foundationModelOf(modelId)];
  if (!price) {
    // Leaving the model out would understate the run; no figure is better than a wrong one.
    throw new RunCostError(`${path}: no price for this model in core/cost/prices.ts`);
  }
  // Bedrock reports cache tokens only for models it caches for; any others count at the input price.
  const perMillion =
    input * price.inputPerMillion +
    output * price.outputPerMillion +
    cacheRead * (price.cacheReadPerMillion ?? price.inputPerMillion) +
    cacheWrite * (price.cacheWritePerMillion ?? price.inputPerMillion);
  return perMillion / 1_000_000;
}

/**
 * What a run costs at list prices, unrounded (round when displaying).
 *
 * @throws RunCostError naming the count that is negative, NaN or infinite, or the model without a price.
 * @example
 * runCost({
 *   transitions: 16,
 *   lambda: { invocations: 8, gbSeconds: 0.4 },
 *   dynamodb: { wru: 30, rru: 20 },
 *   events: 2,
 *   tokens: { 'us.anthropic.claude-haiku-4-5-20251001-v1:0': { input: 2000, output: 150, cacheRead: 0, cacheWrite: 0 } },
 * }).totalUsd; // ≈ 0.00318
 */
export function runCost(usage: RunUsage, prices: RunPrices = LIST_PRICES): RunCost {
  const { stepFunctions, lambda, dynamodb, eventBridge } = prices.orchestration;
  const orchestration = {
    stepFunctions: count(usage.transitions, 'transitions') * stepFunctions.usdPerStateTransition,
    lambda:
      count(usage.lambda.invocations, 'lambda.invocations') * lambda.usdPerRequest +
      count(usage.lambda.gbSeconds, 'lambda.gbSeconds') * lambda.usdPerGbSecond,
    dynamodb:
      count(usage.dynamodb.wru, 'dynamodb.wru') * dynamodb.usdPerWriteRequestUnit +
      count(usage.dynamodb.rru, 'dynamodb.rru') * dynamodb.usdPerReadRequestUnit,
    eventBridge: count(usage.events, 'events') * eventBridge.usdPerCustomEvent,
  };
  const orchestrationTotal =
    orchestration.stepFunctions + orchestration.lambda + orchestration.dynamodb + orchestration.eventBridge;
  const tokens = Object.entries(usage.tokens).reduce(
    (sum, [modelId, spent]) => sum + tokensUsd(modelId, spent, prices.models),
    0,
  );
  return {
    orchestrationUsd: { ...orchestration, total: orchestrationTotal },
    tokensUsd: tokens,
    totalUsd: orchestrationTotal + tokens,
  };
}

/**
 * The cost of `runs` runs like the one costed: every figure times `runs`.
 * @throws RunCostError when `runs` is not a finite number of 0 or more.
 */
export function costOfRuns(cost: RunCost, runs: number): RunCost {
  count(runs, 'runs');
  const o = cost.orchestrationUsd;
  return {
    orchestrationUsd: {
      stepFunctions: o.stepFunctions * runs,
      lambda: o.lambda * runs,
      dynamodb: o.dynamodb * runs,
      eventBridge: o.eventBridge * runs,
      total: o.total * runs,
    },
    tokensUsd: cost.tokensUsd * runs,
    totalUsd: cost.totalUsd * runs,
  };
}

/** The cost of 1,000 runs like the one costed, the figure the bench reports. */
export function perThousandRuns(cost: RunCost): RunCost {
  return costOfRuns(cost, 1_000);
}
