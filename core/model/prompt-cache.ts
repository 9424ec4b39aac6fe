/**
 * Whether a prompt prefix is worth a cache checkpoint: long enough for the
 * model to cache it.
 *
 * A planning prompt starts with the same tools and system text on every call
 * of a workflow; only the planning context after them changes. Bedrock can
 * cache that prefix, but only when it reaches the model's minimum (see
 * `prompt-cache-models.ts`); below it, a checkpoint does nothing. Tokens are
 * estimated (`token-estimate.ts`), the same way the local stand-in Bedrock
 * counts them, so what qualifies here is what it caches.
 */
import type { CachePoint, Message, SystemBlock, ToolSpec } from './model.js';
import { promptCachingOf } from './prompt-cache-models.js';
import { estimateTokens } from './token-estimate.js';

/** The cache checkpoint awf sends: Bedrock's default (5-minute) cache. */
export const CACHE_POINT: CachePoint = { cachePoint: { type: 'default' } };

/** Whether a system or content block is a cache checkpoint. */
export function isCachePoint(block: object): block is CachePoint {
  return 'cachePoint' in block;
}

/** The parts of a Converse request before a cache checkpoint, in the order Bedrock caches them. */
export interface PromptPrefix {
  readonly tools: readonly { readonly toolSpec: ToolSpec }[];
  readonly system: readonly SystemBlock[];
  readonly messages: readonly Message[];
}

/** The estimated tokens of a prefix; the checkpoints in it count nothing. */
export function prefixTokens(prefix: PromptPrefix): number {
  return estimateTokens({
    tools: prefix.tools,
    system: prefix.system.filter((block) => !isCachePoint(block)),
    messages: prefix.messages.map((message) => ({
      role: message.role,
      content: message.content.filter((block) => !isCachePoint(block)),
    })),
  });
}

/** The part of a planning prompt that is the same on every call: its system text and tools. */
export interface StablePrefix {
  readonly system: string;
  readonly tools: readonly ToolSpec[];
}

/** Whether a prefix reaches a model's cache minimum, and the figures it was judged on. */
export interface PrefixQualification {
  readonly qualifies: boolean;
  /** The prefix's estimated tokens. */
  readonly prefixTokens: number;
  /** The model's minimum, or `'no caching'` when Bedrock does not cache prompts for it. */
  readonly minimumTokens: number | 'no caching';
}

/** The stable prefix as the start of a request: the tools, then the system text. */
function asRequestPrefix(prefix: StablePrefix): PromptPrefix {
  return {
    tools: prefix.tools.map((toolSpec) => ({ toolSpec })),
    system: [{ text: prefix.system }],
    messages: [],
  };
}

/**
 * Whether a checkpoint after a planning prompt's system text would be cached
 * by `modelId`: the model caches prompts and the tools and system text
 * together reach its minimum.
 *
 * @example
 * qualifyStablePrefix('us.anthropic.claude-haiku-4-5-20251001-v1:0', { system, tools });
 * // refund-triage's prompt: { qualifies: false, prefixTokens: about 1,450, minimumTokens: 4096 }
 */
export function qualifyStablePrefix(modelId: string, prefix: StablePrefix): PrefixQualification {
  const tokens = prefixTokens(asRequestPrefix(prefix));
  const caching = promptCachingOf(modelId);
  if (!caching) return { qualifies: false, prefixTokens: tokens, minimumTokens: 'no caching' };
  return {
    qualifies: caching.fields.includes('system') && tokens >= caching.minimumTokens,
    prefixTokens: tokens,
    minimumTokens: caching.minimumTokens,
  };
}

/**
 * Whether a planning request should carry a checkpoint after its system text:
 * the first model (the one usually answering) would cache the prefix, and
 * every fallback caches prompts at all, so the request, which goes to the
 * fallbacks unchanged, never takes a checkpoint to a model that has no cache.
 *
 * @param models the models Plan may call, in order (`modelsOf(spec.agent)`)
 */
export function cachesStablePrefix(models: readonly string[], prefix: StablePrefix): boolean {
  const [first, ...fallbacks] = models;
  if (first === undefined || !qualifyStablePrefix(first, prefix).qualifies) return false;
  return fallbacks.every((model) => promptCachingOf(model) !== undefined);
}

/** The prompt cache counts of a call's usage. */
export interface CacheTokens {
  readonly cacheReadInputTokens?: number;
  readonly cacheWriteInputTokens?: number;
}

/**
 * The cache counts of a call's usage that say something happened: those
 * reported and above 0, so a record of a call without caching carries none.
 *
 * @example
 * cacheTokensOf({ inputTokens: 90, outputTokens: 40, cacheReadInputTokens: 0, cacheWriteInputTokens: 4200 });
 * // { cacheWriteInputTokens: 4200 }
 */
export function cacheTokensOf(usage: CacheTokens): CacheTokens {
  const { cacheReadInputTokens: read, cacheWriteInputTokens: write } = usage;
  return {
    ...(read ? { cacheReadInputTokens: read } : {}),
    ...(write ? { cacheWriteInputTokens: write } : {}),
  };
}
