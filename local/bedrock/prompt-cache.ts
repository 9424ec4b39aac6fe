/**
 * Bedrock's prompt cache, as the stand-in Bedrock keeps it: which prompt
 * prefixes a request's cache checkpoints would write or read, on the local
 * clock.
 *
 * As in Bedrock, a checkpoint takes effect only when the model caches prompts
 * (`core/model/prompt-cache-models.ts`) and the prompt up to it (tools, then
 * system, then messages) holds at least the model's minimum number of tokens,
 * estimated as the stand-in models estimate their input (`prefixTokens`). The
 * first request with such a prefix writes it; a request with the same prefix
 * for the same model within five minutes reads it, and each read keeps it five
 * more minutes. The usage it reports follows Bedrock's: `inputTokens` counts
 * only what was neither read nor written.
 */
import { sha256Hex } from '../../core/hash.js';
import type { ConverseRequest, ConverseResponse } from '../../core/model/model.js';
import { foundationModelOf } from '../../core/model/pricing.js';
import { isCachePoint, type PromptPrefix, prefixTokens } from '../../core/model/prompt-cache.js';
import { type CacheableField, promptCachingOf } from '../../core/model/prompt-cache-models.js';

/** How long a cached prefix lives after its last write or read: Bedrock's default cache. */
export const PROMPT_CACHE_TTL_MS = 5 * 60_000;

/** Bedrock's limit on cache checkpoints in one request. */
export const MAX_CACHE_POINTS = 4;

/** A request's cache checkpoint: where it is and the prompt before it. */
interface Checkpoint {
  readonly field: CacheableField;
  readonly prefix: PromptPrefix;
}

/** Usage, as the stand-in Bedrock reports it. */
export type ConverseUsage = ConverseResponse['usage'];

/** A Converse request body (the model id is in the URL). */
type ConverseBody = Omit<ConverseRequest, 'modelId'>;

/** The checkpoints of a request, in prompt order, each with the prompt before it. */
function checkpointsOf(body: ConverseBody): Checkpoint[] {
  const tools = body.toolConfig.tools;
  const checkpoints: Checkpoint[] = [];
  body.system.forEach((block, index) => {
    if (isCachePoint(block)) {
      checkpoints.push({
        field: 'system',
        prefix: { tools, system: body.system.slice(0, index), messages: [] },
      });
    }
  });
  body.messages.forEach((message, messageIndex) => {
    message.content.forEach((block, blockIndex) => {
      if (!isCachePoint(block)) return;
      const messages = [
        ...body.messages.slice(0, messageIndex),
        { role: message.role, content: message.content.slice(0, blockIndex) },
      ];
      checkpoints.push({ field: 'messages', prefix: { tools, system: body.system, messages } });
    });
  });
  return checkpoints;
}

/** How many cache checkpoints a request carries; Bedrock refuses more than {@link MAX_CACHE_POINTS}. */
export function cachePointCount(body: ConverseBody): number {
  return checkpointsOf(body).length;
}

/**
 * The prompt cache of one stand-in Bedrock endpoint.
 *
 * @example
 * const cache = new LocalPromptCache(() => time.now());
 * const usage = cache.usageFor(modelId, body, answer.usage);
 */
export class LocalPromptCache {
  /** Expiry time (ms) of each cached prefix, by model and prefix hash. */
  private readonly expiries = new Map<string, number>();

  /** @param now the local clock */
  constructor(private readonly now: () => Date) {}

  /**
   * The usage of a request as Bedrock would report it: the stand-in model's
   * own count, with the cached and newly cached prefixes moved out of
   * `inputTokens` into `cacheReadInputTokens` and `cacheWriteInputTokens`.
   * Without a checkpoint that takes effect the usage is returned unchanged.
   */
  usageFor(modelId: string, body: ConverseBody, usage: ConverseUsage): ConverseUsage {
    const checkpoints = checkpointsOf(body);
    const caching = promptCachingOf(modelId);
    if (!caching || checkpoints.length === 0) return usage;
    const effective = checkpoints
      .filter((checkpoint) => caching.fields.includes(checkpoint.field))
      .map((checkpoint) => ({
        key: `${foundationModelOf(modelId)}#${sha256Hex(JSON.stringify(checkpoint.prefix))}`,
        tokens: prefixTokens(checkpoint.prefix),
      }))
      .filter((checkpoint) => checkpoint.tokens >= caching.minimumTokens);
    if (effective.length === 0) return usage;

    const now = this.now().getTime();
    // The longest prefix still cached is read; the prompt from there to the last checkpoint is written.
    const live = effective.filter((checkpoint) => (this.expiries.get(checkpoint.key) ?? 0) > now);
    const read = live.reduce((longest, checkpoint) => Math.max(longest, checkpoint.tokens), 0);
    const longest = Math.max(...effective.map((checkpoint) => checkpoint.tokens));
    const written = longest - read;
    for (const { key } of effective) this.expiries.set(key, now + PROMPT_CACHE_TTL_MS);

    const inputTokens = Math.max(0, usage.inputTokens - read - written);
    return {
      inputTokens,
      outputTokens: usage.outputTokens,
      totalTokens: inputTokens + usage.outputTokens + read + written,
      ...(read > 0 ? { cacheReadInputTokens: read } : {}),
      ...(written > 0 ? { cacheWriteInputTokens: written } : {}),
    };
  }
}
