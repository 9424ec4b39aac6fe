/**
 * Whether each pack's stable prompt prefix (its system text and tools, the
 * part every planning call repeats) is long enough for Bedrock to cache: a
 * Converse cache point only takes effect from the model's minimum prefix
 * length (`core/model/prompt-cache-models.ts`); below it, caching saves
 * nothing and the plan step sends no cache point.
 *
 * Runs on its own too: `npx tsx bench/prompt-prefix.ts`.
 */
import { pathToFileURL } from 'node:url';
import { modelsOf } from '../core/model/agent-models.js';
import { cachesStablePrefix, qualifyStablePrefix } from '../core/model/prompt-cache.js';
import { createPlanningPrompt } from '../core/steps/plan/prompt.js';
import { discoverWorkflowPacks } from '../workflows/discover.js';

/** One pack's prefix against its model's minimum. */
export interface PromptPrefixFigures {
  readonly workflow: string;
  readonly modelId: string;
  /** The prefix's estimated tokens (system text and tool specs). */
  readonly prefixTokens: number;
  /** The model's minimum cacheable prefix, or 'no caching' when Bedrock caches nothing for it. */
  readonly minimumTokens: number | 'no caching';
  /** Whether the prefix reaches the minimum. */
  readonly qualifies: boolean;
  /** Whether planning requests carry a cache point (every fallback model must cache too). */
  readonly cachePointSent: boolean;
}

/** The stable prefix of every pack under `workflows/`, judged against its first model. */
export async function benchPromptPrefixes(): Promise<readonly PromptPrefixFigures[]> {
  const packs = await discoverWorkflowPacks();
  return packs.map(({ pack }) => {
    const { system, tools } = createPlanningPrompt(pack);
    const modelId = pack.spec.agent.modelId;
    const judged = qualifyStablePrefix(modelId, { system, tools });
    return {
      workflow: pack.spec.id,
      modelId,
      prefixTokens: judged.prefixTokens,
      minimumTokens: judged.minimumTokens,
      qualifies: judged.qualifies,
      cachePointSent: cachesStablePrefix(modelsOf(pack.spec.agent), { system, tools }),
    };
  });
}

/** The figures as the bench prints them. */
export function describePromptPrefixes(figures: readonly PromptPrefixFigures[]): string {
  return figures
    .map(
      (f) =>
        `prompt cache, ${f.workflow}: stable prefix ${f.prefixTokens} tokens, ${f.modelId} caches from ${f.minimumTokens}: ${
          !f.qualifies
            ? 'does not qualify, no cache point'
            : f.cachePointSent
              ? 'qualifies, cache point sent'
              : 'qualifies, but a fallback model does not cache: no cache point'
        }`,
    )
    .join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(describePromptPrefixes(await benchPromptPrefixes()));
}
