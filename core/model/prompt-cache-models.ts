/**
 * Which models Bedrock caches prompts for, and from how long a prefix.
 *
 * A cache checkpoint only takes effect when the prompt up to it holds at
 * least the model's minimum number of tokens; below it, Bedrock answers as if
 * there were no checkpoint. From Bedrock's prompt caching guide
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html)
 * and the model cards, read on 2026-12-05. A model missing here is treated as
 * one Bedrock does not cache for.
 */
import { foundationModelOf } from './pricing.js';

/** The parts of a Converse request that may hold a cache checkpoint. */
export type CacheableField = 'system' | 'messages' | 'tools';

/** How Bedrock caches a model's prompts. */
export interface PromptCaching {
  /** The fewest tokens a prefix must hold for a checkpoint after it to be cached. */
  readonly minimumTokens: number;
  /** Where checkpoints may go. */
  readonly fields: readonly CacheableField[];
}

const CLAUDE_FIELDS: readonly CacheableField[] = ['system', 'messages', 'tools'];
/** Nova caches system prompts and messages, not tool definitions. */
const NOVA_FIELDS: readonly CacheableField[] = ['system', 'messages'];

/**
 * Prompt caching by foundation-model id; `'no caching'` for a model Bedrock
 * does not cache prompts for.
 */
export const PROMPT_CACHING: Readonly<Record<string, PromptCaching | 'no caching'>> = {
  'anthropic.claude-3-haiku-20240307-v1:0': 'no caching',
  'anthropic.claude-3-5-haiku-20241022-v1:0': { minimumTokens: 2_048, fields: CLAUDE_FIELDS },
  'anthropic.claude-haiku-4-5-20251001-v1:0': { minimumTokens: 4_096, fields: CLAUDE_FIELDS },
  'anthropic.claude-3-5-sonnet-20240620-v1:0': 'no caching',
  // Its caching stayed a closed preview: accounts outside it get none.
  'anthropic.claude-3-5-sonnet-20241022-v2:0': 'no caching',
  'anthropic.claude-3-7-sonnet-20250219-v1:0': { minimumTokens: 1_024, fields: CLAUDE_FIELDS },
  'anthropic.claude-sonnet-4-20250514-v1:0': { minimumTokens: 1_024, fields: CLAUDE_FIELDS },
  'anthropic.claude-sonnet-4-5-20250929-v1:0': { minimumTokens: 1_024, fields: CLAUDE_FIELDS },
  'amazon.nova-micro-v1:0': { minimumTokens: 1_000, fields: NOVA_FIELDS },
  'amazon.nova-lite-v1:0': { minimumTokens: 1_000, fields: NOVA_FIELDS },
  'amazon.nova-pro-v1:0': { minimumTokens: 1_000, fields: NOVA_FIELDS },
};

/**
 * How Bedrock caches prompts for a model id, inference-profile id or ARN, or
 * undefined when it does not (or the model is not in the table).
 *
 * @example
 * promptCachingOf('us.anthropic.claude-haiku-4-5-20251001-v1:0')?.minimumTokens; // 4096
 */
export function promptCachingOf(modelId: string): PromptCaching | undefined {
  const caching = PROMPT_CACHING[foundationModelOf(modelId)];
  return caching === undefined || caching === 'no caching' ? undefined : caching;
}
