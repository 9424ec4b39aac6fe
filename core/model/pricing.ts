/**
 * What a model call costs, for the `costUsd` of `model.invoked` lineage records
 * and for run budgets.
 *
 * The prices, with their source and date, live in `prices.ts`. A cost is an
 * estimate for dashboards, audits and budgets, not a bill; a model missing
 * from the table gets no cost rather than a wrong one.
 */
import { MODEL_PRICES, type ModelPrice } from './prices.js';

/** Prefixes of cross-region inference profiles (`us.anthropic...`); they bill as the model itself. */
const INFERENCE_PROFILE_PREFIX = /^(?:us|eu|apac|us-gov|ca|jp|au|global)\./;

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
 * @example
 * costUsd('us.anthropic.claude-3-5-haiku-20241022-v1:0', { inputTokens: 1000, outputTokens: 200 }); // 0.0016
 */
export function costUsd(
  modelId: string,
  usage: { readonly inputTokens: number; readonly outputTokens: number },
  prices: Readonly<Record<string, Pick<ModelPrice, 'inputPerMillion' | 'outputPerMillion'>>> = MODEL_PRICES,
): number | undefined {
  const price = prices[foundationModelOf(modelId)];
  if (!price) return undefined;
  const usd = (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1e6;
  return Math.round(usd * 1e8) / 1e8;
}

/**
 * Whether the price table has a price for a model id, inference-profile id or
 * ARN: a budget in USD can only be kept for such a model.
 */
export function isPriced(modelId: string): boolean {
  return Object.hasOwn(MODEL_PRICES, foundationModelOf(modelId));
}
