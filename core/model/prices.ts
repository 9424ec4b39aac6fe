/**
 * The model prices awf estimates costs and budgets with: one entry per
 * foundation model, each with where the price was read and when.
 *
 * Amazon Bedrock's on-demand list prices in USD per million tokens, in
 * us-east-1, for the models awf is commonly run with. Batch, provisioned
 * throughput, prompt caching, long-context tiers and regional premiums are
 * not in them, so a figure computed from them is an estimate, not a bill. A
 * model missing here gets no cost rather than a wrong one, and a spec may set
 * `agent.budget.maxUsd` only for models listed here. Update an entry by
 * reading its source again and setting `checkedOn` to that day.
 */

/** A model's price and its provenance. */
export interface ModelPrice {
  /** USD per million input tokens. */
  readonly inputPerMillion: number;
  /** USD per million output tokens. */
  readonly outputPerMillion: number;
  /** Where the price was read. */
  readonly source: string;
  /** The day it was last read there (YYYY-MM-DD). */
  readonly checkedOn: string;
}

/** Amazon Bedrock's pricing page: the source of every entry below. */
export const BEDROCK_PRICING_PAGE = 'https://aws.amazon.com/bedrock/pricing/ (on-demand, us-east-1)';

const bedrock = (inputPerMillion: number, outputPerMillion: number, checkedOn: string): ModelPrice => ({
  inputPerMillion,
  outputPerMillion,
  source: BEDROCK_PRICING_PAGE,
  checkedOn,
});

/** On-demand prices by foundation-model id (without a cross-region inference prefix). */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'anthropic.claude-3-haiku-20240307-v1:0': bedrock(0.25, 1.25, '2026-11-21'),
  'anthropic.claude-3-5-haiku-20241022-v1:0': bedrock(0.8, 4, '2026-11-21'),
  'anthropic.claude-haiku-4-5-20251001-v1:0': bedrock(1, 5, '2026-11-21'),
  'anthropic.claude-3-5-sonnet-20240620-v1:0': bedrock(3, 15, '2026-11-21'),
  'anthropic.claude-3-5-sonnet-20241022-v2:0': bedrock(3, 15, '2026-11-21'),
  'anthropic.claude-3-7-sonnet-20250219-v1:0': bedrock(3, 15, '2026-11-21'),
  'anthropic.claude-sonnet-4-20250514-v1:0': bedrock(3, 15, '2026-11-21'),
  'anthropic.claude-sonnet-4-5-20250929-v1:0': bedrock(3, 15, '2026-11-21'),
  'amazon.nova-micro-v1:0': bedrock(0.035, 0.14, '2026-11-21'),
  'amazon.nova-lite-v1:0': bedrock(0.06, 0.24, '2026-11-21'),
  'amazon.nova-pro-v1:0': bedrock(0.8, 3.2, '2026-11-21'),
};
