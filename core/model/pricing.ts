/**
 * What a model call costs, for the `costUsd` of `model.invoked` lineage records.
 *
 * The table holds Amazon Bedrock's on-demand list prices (USD per million
 * tokens, us-east-1) of the models awf is commonly run with. It is an estimate
 * for dashboards and audits, not a bill: batch, provisioned throughput, prompt
 * caching and regional differences are ignored. A model missing from the table
 * gets no cost rather than a wrong one.
 */

/** USD per million input and output tokens. */
export interface ModelPrice {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

/** On-demand prices by foundation-model id (without a cross-region inference prefix). */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'anthropic.claude-3-haiku-20240307-v1:0': { inputPerMillion: 0.25, outputPerMillion: 1.25 },
  'anthropic.claude-3-5-haiku-20241022-v1:0': { inputPerMillion: 0.8, outputPerMillion: 4 },
  'anthropic.claude-haiku-4-5-20251001-v1:0': { inputPerMillion: 1, outputPerMillion: 5 },
  'anthropic.claude-3-5-sonnet-20240620-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-3-5-sonnet-20241022-v2:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-3-7-sonnet-20250219-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-sonnet-4-20250514-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-sonnet-4-5-20250929-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'amazon.nova-micro-v1:0': { inputPerMillion: 0.035, outputPerMillion: 0.14 },
  'amazon.nova-lite-v1:0': { inputPerMillion: 0.06, outputPerMillion: 0.24 },
  'amazon.nova-pro-v1:0': { inputPerMillion: 0.8, outputPerMillion: 3.2 },
};

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
  prices: Readonly<Record<string, ModelPrice>> = MODEL_PRICES,
): number | undefined {
  const price = prices[foundationModelOf(modelId)];
  if (!price) return undefined;
  const usd = (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1e6;
  return Math.round(usd * 1e8) / 1e8;
}
