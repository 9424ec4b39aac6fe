/**
 * What a model call costs, for the `costUsd` of `model.invoked` lineage records
 * and for run budgets.
 *
 * The prices, with their source and date, live in `core/cost/prices.ts`. A
 * cost is an estimate for dashboards, audits and budgets, not a bill; a model
 * missing from the table gets no cost rather than a wrong one.
 */
import { MODEL_PRICES, type ModelPrice } from '../cost/prices.js';

/** Prefixes of cross-region inference profiles (`us.anthropic...`); they bill as the model itself. */
const INFERENCE_PROFILE_PREFIX = /^(?:us|eu|apac|us-gov|ca|jp|au|global)\./;

/** The tokens of one call, as Bedrock's Converse API counts them. */
export interface TokenUsage {
  /** Input tokens neither read from nor written to the prompt cache. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Input tokens read from the prompt cache. */
  readonly cacheReadInputTokens?: number | undefined;
  /** Input tokens written to the prompt cache. */
  readonly cacheWriteInputTokens?: number | undefined;
}

/** The parts of a {@link ModelPrice} a cost is computed from. */
export type TokenPrices = Pick<
  ModelPrice,
  'inputPerMillion' | 'outputPerMillion' | 'cacheReadPerMillion' | 'cacheWritePerMillion'
>;

/**
 * The foundation-model id behind a model id, inference-profile id or ARN:
 * `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-...` and
 * `us.anthropic.claude-...` both give `anthropic.claude-...`.
 */
export function foundationModelOf(modelId: string): string {
  const lastSegment = modelId.startsWith('arn:') ? (modelId.split('/').pop() ?? modelId) : modelId;
  return lastSegment.replace(INFERENCE_PROFILE_PREFIX, '');
}

/**
 * The estimated cost of a call in USD, rounded to a millionth of a cent, or
 * undefined when the model's price is unknown.
 *
 * Cache tokens are priced at the model's cache read and write prices. Bedrock
 * reports them only for models it caches for; should a model without cache
 * prices report some, they count at its input price, which is what Bedrock
 * charges for input it does not cache.
 *
 * @example
 * costUsd('us.anthropic.claude-3-5-haiku-20241022-v1:0', { inputTokens: 1000, outputTokens: 200 }); // 0.0016
 */
export function costUsd(
  modelId: string,
  usage: TokenUsage,
  prices: Readonly<Record<string, TokenPrices>> = MODEL_PRICES,
): number | undefined {
  const price = prices[foundationModelOf(modelId)];
  if (!price) return undefined;
  const perMillion =
    usage.inputTokens * price.inputPerMillion +
    usage.outputTokens * price.outputPerMillion +
    (usage.cacheReadInputTokens ?? 0) * (price.cacheReadPerMillion ?? price.inputPerMillion) +
    (usage.cacheWriteInputTokens ?? 0) * (price.cacheWritePerMillion ?? price.inputPerMillion);
  return Math.round((perMillion / 1e6) * 1e8) / 1e8;
}

/**
 * Whether the price table has a price for a model id, inference-profile id or
 * ARN: a budget in USD can only be kept for such a model.
 */
export function isPriced(modelId: string): boolean {
  return Object.hasOwn(MODEL_PRICES, foundationModelOf(modelId));
}
