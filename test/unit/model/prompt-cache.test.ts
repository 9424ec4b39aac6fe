import { MODEL_PRICES } from '../../../core/cost/prices.js';
import type { ToolSpec } from '../../../core/model/model.js';
import {
  CACHE_POINT,
  cachesStablePrefix,
  cacheTokensOf,
  prefixTokens,
  qualifyStablePrefix,
} from '../../../core/model/prompt-cache.js';
import { PROMPT_CACHING, promptCachingOf } from '../../../core/model/prompt-cache-models.js';
import { createPlanningPrompt } from '../../../core/steps/plan/prompt.js';
import type { WorkflowPack } from '../../../core/workflow/pack.js';
import { loadRefundTriagePack, NOW } from '../agent/fixtures.js';

const HAIKU_45 = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const SONNET_4 = 'us.anthropic.claude-sonnet-4-20250514-v1:0';
const CLAUDE_3_HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

const tools: ToolSpec[] = [
  { name: 'finish', description: 'Finish.', inputSchema: { json: { type: 'object' } } },
];

/** A system text whose stable prefix (the tools, then it) is estimated at exactly `tokens`. */
function systemOf(tokens: number): string {
  const overhead = JSON.stringify({
    tools: [{ toolSpec: tools[0] }],
    system: [{ text: '' }],
    messages: [],
  }).length;
  return 'a'.repeat(tokens * 4 - overhead);
}

describe('qualifyStablePrefix', () => {
  it('measures the tools and system text as the start of a request', () => {
    const system = 'You triage refunds.';
    expect(qualifyStablePrefix(HAIKU_45, { system, tools }).prefixTokens).toBe(
      prefixTokens({ tools: [{ toolSpec: tools[0] as ToolSpec }], system: [{ text: system }], messages: [] }),
    );
  });

  it("qualifies a prefix from the model's minimum on, not one token below", () => {
    expect(qualifyStablePrefix(HAIKU_45, { system: systemOf(4095), tools })).toEqual({
      qualifies: false,
      prefixTokens: 4095,
      minimumTokens: 4096,
    });
    expect(qualifyStablePrefix(HAIKU_45, { system: systemOf(4096), tools })).toEqual({
      qualifies: true,
      prefixTokens: 4096,
      minimumTokens: 4096,
    });
    expect(qualifyStablePrefix(SONNET_4, { system: systemOf(1024), tools }).qualifies).toBe(true);
    expect(qualifyStablePrefix(SONNET_4, { system: systemOf(1023), tools }).qualifies).toBe(false);
  });

  it('never qualifies a prefix for a model Bedrock does not cache for, or one it does not know', () => {
    expect(qualifyStablePrefix(CLAUDE_3_HAIKU, { system: systemOf(50_000), tools })).toEqual({
      qualifies: false,
      prefixTokens: 50_000,
      minimumTokens: 'no caching',
    });
    expect(qualifyStablePrefix('acme.private-v1', { system: systemOf(50_000), tools }).qualifies).toBe(false);
  });
});

describe('cachesStablePrefix', () => {
  const long = { system: systemOf(5000), tools };

  it('caches when the first model qualifies and every fallback caches prompts', () => {
    expect(cachesStablePrefix([HAIKU_45, SONNET_4], long)).toBe(true);
  });

  it('does not when a fallback has no cache, the first model does not qualify, or there is no model', () => {
    expect(cachesStablePrefix([HAIKU_45, CLAUDE_3_HAIKU], long)).toBe(false);
    expect(cachesStablePrefix([HAIKU_45], { system: systemOf(2000), tools })).toBe(false);
    expect(cachesStablePrefix([], long)).toBe(false);
  });
});

describe('the prompt caching table', () => {
  it('reads a model by its inference profile or ARN', () => {
    expect(promptCachingOf(HAIKU_45)?.minimumTokens).toBe(4096);
    expect(
      promptCachingOf('arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0'),
    ).toEqual({ minimumTokens: 1000, fields: ['system', 'messages'] });
    expect(promptCachingOf(CLAUDE_3_HAIKU)).toBeUndefined();
  });

  it('covers every priced model, and has cache prices exactly for the models it caches for', () => {
    expect(Object.keys(PROMPT_CACHING).sort()).toEqual(Object.keys(MODEL_PRICES).sort());
    for (const [model, caching] of Object.entries(PROMPT_CACHING)) {
      const price = MODEL_PRICES[model];
      const priced = price?.cacheReadPerMillion !== undefined && price.cacheWritePerMillion !== undefined;
      expect({ model, priced }).toEqual({ model, priced: caching !== 'no caching' });
    }
  });
});

describe('cacheTokensOf', () => {
  it('keeps the cache counts above 0 and nothing else', () => {
    expect(cacheTokensOf({ cacheReadInputTokens: 0, cacheWriteInputTokens: 4200 })).toEqual({
      cacheWriteInputTokens: 4200,
    });
    expect(cacheTokensOf({ cacheReadInputTokens: 4200 })).toEqual({ cacheReadInputTokens: 4200 });
    expect(cacheTokensOf({})).toEqual({});
  });
});

describe('the planning request', () => {
  const context = {
    objective: 'o',
    workflowId: 'refund-triage',
    entityId: 'ord_1',
    iteration: 0,
    requestedAt: NOW,
    event: {},
    facts: {},
    observations: [],
  };
  const withPrompt = (pack: WorkflowPack, prompt: string, fallbackModels: string[] = []): WorkflowPack => ({
    ...pack,
    prompt,
    spec: { ...pack.spec, agent: { ...pack.spec.agent, fallbackModels } },
  });

  it('puts a cache point after the system text when the stable prefix qualifies', async () => {
    const pack = withPrompt(await loadRefundTriagePack(), 'Policy. '.repeat(3000));
    const request = createPlanningPrompt(pack).requestFor(context, 'run-1');
    expect(request.system).toHaveLength(2);
    expect(request.system[1]).toEqual(CACHE_POINT);
  });

  it('sends the system text alone when the prefix is short of the minimum or a fallback has no cache', async () => {
    const pack = await loadRefundTriagePack();
    expect(createPlanningPrompt(pack).requestFor(context, 'run-1').system).toHaveLength(1);
    const toUncached = withPrompt(pack, 'Policy. '.repeat(3000), [CLAUDE_3_HAIKU]);
    expect(createPlanningPrompt(toUncached).requestFor(context, 'run-1').system).toHaveLength(1);
  });
});
