/**
 * Every price awf estimates costs with, in one place: the orchestration a run
 * uses (Step Functions, Lambda, DynamoDB, EventBridge) and the Bedrock models
 * its agent may call, each with where the price was read and when.
 *
 * All figures are AWS list prices in USD for us-east-1, on demand. Free tiers,
 * volume tiers beyond the first, savings plans, batch inference, long-context
 * tiers and regional premiums (Claude 4.5 models cost about 10% more through
 * a geographic or in-Region endpoint than through a global one) are not in
 * them, so a figure computed from them is an estimate, not a bill. A model
 * missing here gets no cost rather than a wrong one, and a spec may set
 * `agent.budget.maxUsd` only for models listed here. Update an entry by
 * reading its source again and setting `checkedOn` to that day.
 */

/** Where a price was read and when. */
export interface PriceProvenance {
  /** Where the price was read. */
  readonly source: string;
  /** The day it was last read there (YYYY-MM-DD). */
  readonly checkedOn: string;
}

/** A Bedrock model's on-demand token prices, in USD per million tokens. */
export interface ModelPrice extends PriceProvenance {
  /** USD per million input tokens that are neither read from nor written to the prompt cache. */
  readonly inputPerMillion: number;
  /** USD per million output tokens. */
  readonly outputPerMillion: number;
  /**
   * USD per million input tokens read from the prompt cache; absent when
   * Bedrock does not cache prompts for the model.
   */
  readonly cacheReadPerMillion?: number;
  /**
   * USD per million input tokens written to the prompt cache; absent when
   * Bedrock does not cache prompts for the model.
   */
  readonly cacheWritePerMillion?: number;
}

/** Step Functions Standard workflows: billed per state transition, retries included. */
export interface StepFunctionsPrice extends PriceProvenance {
  readonly usdPerStateTransition: number;
}

/** Lambda on Arm (Graviton): billed per request and per GB-second of duration. */
export interface LambdaPrice extends PriceProvenance {
  /** The first volume tier (up to 7.5 billion GB-seconds a month). */
  readonly usdPerGbSecond: number;
  readonly usdPerRequest: number;
}

/** DynamoDB on-demand capacity: billed per request unit. */
export interface DynamoDbPrice extends PriceProvenance {
  /** One standard write of up to 1 KB; a transactional write takes two. */
  readonly usdPerWriteRequestUnit: number;
  /** One strongly consistent read of up to 4 KB; an eventually consistent one takes half. */
  readonly usdPerReadRequestUnit: number;
}

/** EventBridge event buses: billed per custom event published (`PutEvents`). */
export interface EventBridgePrice extends PriceProvenance {
  /** One custom event; each 64 KB chunk of a payload counts as one event. */
  readonly usdPerCustomEvent: number;
}

/** The prices of the services a run goes through besides the model. */
export interface OrchestrationPrices {
  readonly stepFunctions: StepFunctionsPrice;
  readonly lambda: LambdaPrice;
  readonly dynamodb: DynamoDbPrice;
  readonly eventBridge: EventBridgePrice;
}

/** The day the prices below were read. */
const CHECKED_ON = '2026-12-05';

/** The orchestration's list prices, us-east-1. */
export const ORCHESTRATION_PRICES: OrchestrationPrices = {
  stepFunctions: {
    // $0.025 per 1,000 state transitions.
    usdPerStateTransition: 0.025 / 1_000,
    source: 'https://aws.amazon.com/step-functions/pricing/ (Standard workflows, us-east-1)',
    checkedOn: CHECKED_ON,
  },
  lambda: {
    // $0.0000133334 per GB-second (Arm, first tier) and $0.20 per million requests.
    usdPerGbSecond: 0.000_013_333_4,
    usdPerRequest: 0.2 / 1_000_000,
    source: 'https://aws.amazon.com/lambda/pricing/ (Arm, us-east-1)',
    checkedOn: CHECKED_ON,
  },
  dynamodb: {
    // $0.625 per million WRU and $0.125 per million RRU, since the on-demand price cut of November 2024.
    usdPerWriteRequestUnit: 0.625 / 1_000_000,
    usdPerReadRequestUnit: 0.125 / 1_000_000,
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (Standard table class, us-east-1)',
    checkedOn: CHECKED_ON,
  },
  eventBridge: {
    // $1.00 per million custom events published.
    usdPerCustomEvent: 1 / 1_000_000,
    source: 'https://aws.amazon.com/eventbridge/pricing/ (event bus, custom events, us-east-1)',
    checkedOn: CHECKED_ON,
  },
};

/** Amazon Bedrock's pricing page: the source of every model price below. */
export const BEDROCK_PRICING_PAGE = 'https://aws.amazon.com/bedrock/pricing/ (on-demand, us-east-1)';

/** A model Bedrock does not cache prompts for: input and output prices only. */
const uncached = (inputPerMillion: number, outputPerMillion: number, checkedOn: string): ModelPrice => ({
  inputPerMillion,
  outputPerMillion,
  source: BEDROCK_PRICING_PAGE,
  checkedOn,
});

/**
 * A Claude model with prompt caching: a cache write costs 1.25 times the
 * input price (the 5-minute cache), a cache read a tenth of it.
 */
const claudeCached = (inputPerMillion: number, outputPerMillion: number, checkedOn: string): ModelPrice => ({
  ...uncached(inputPerMillion, outputPerMillion, checkedOn),
  cacheWritePerMillion: inputPerMillion * 1.25,
  cacheReadPerMillion: inputPerMillion / 10,
});

/**
 * An Amazon Nova model: a cache read costs a quarter of the input price and a
 * cache write nothing beyond the input price.
 */
const novaCached = (inputPerMillion: number, outputPerMillion: number, checkedOn: string): ModelPrice => ({
  ...uncached(inputPerMillion, outputPerMillion, checkedOn),
  cacheWritePerMillion: inputPerMillion,
  cacheReadPerMillion: inputPerMillion / 4,
});

/** On-demand prices by foundation-model id (without a cross-region inference prefix). */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'anthropic.claude-3-haiku-20240307-v1:0': uncached(0.25, 1.25, CHECKED_ON),
  'anthropic.claude-3-5-haiku-20241022-v1:0': claudeCached(0.8, 4, CHECKED_ON),
  'anthropic.claude-haiku-4-5-20251001-v1:0': claudeCached(1, 5, CHECKED_ON),
  'anthropic.claude-3-5-sonnet-20240620-v1:0': uncached(3, 15, CHECKED_ON),
  // Prompt caching on 3.5 Sonnet v2 stayed a closed preview; new accounts cannot use it.
  'anthropic.claude-3-5-sonnet-20241022-v2:0': uncached(3, 15, CHECKED_ON),
  'anthropic.claude-3-7-sonnet-20250219-v1:0': claudeCached(3, 15, CHECKED_ON),
  'anthropic.claude-sonnet-4-20250514-v1:0': claudeCached(3, 15, CHECKED_ON),
  'anthropic.claude-sonnet-4-5-20250929-v1:0': claudeCached(3, 15, CHECKED_ON),
  'amazon.nova-micro-v1:0': novaCached(0.035, 0.14, CHECKED_ON),
  'amazon.nova-lite-v1:0': novaCached(0.06, 0.24, CHECKED_ON),
  'amazon.nova-pro-v1:0': novaCached(0.8, 3.2, CHECKED_ON),
};
