import type { ConverseRequest, LocalModel, SystemBlock } from '../../../core/model/model.js';
import { prefixTokens } from '../../../core/model/prompt-cache.js';
import { estimateTokens } from '../../../core/model/token-estimate.js';
import { converseOperation, LocalPromptCache } from '../../../local/bedrock/index.js';

const HAIKU_45 = 'us.anthropic.claude-haiku-4-5-20251001-v1:0'; // caches from 4,096 tokens
const CLAUDE_3_HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0'; // no prompt caching on Bedrock
const CACHE_POINT = { cachePoint: { type: 'default' } } as const;
const START = new Date('2026-12-05T10:00:00.000Z');

const tools: ConverseRequest['toolConfig']['tools'] = [
  { toolSpec: { name: 'finish', description: 'Finish.', inputSchema: { json: { type: 'object' } } } },
];

/** A stand-in model that counts its input as the pack models do: the whole request, estimated. */
const countingModel: LocalModel = (body) => {
  const inputTokens = estimateTokens({
    system: body.system,
    messages: body.messages,
    tools: body.toolConfig,
  });
  return {
    output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
    stopReason: 'end_turn',
    usage: { inputTokens, outputTokens: 5 },
    metrics: { latencyMs: 1 },
  };
};

/** A system text whose prefix (the tools and it) is estimated at exactly `tokens`. */
function systemOf(tokens: number): string {
  const overhead = JSON.stringify({ tools, system: [{ text: '' }], messages: [] }).length;
  const text = 'a'.repeat(tokens * 4 - overhead);
  expect(prefixTokens({ tools, system: [{ text }], messages: [] })).toBe(tokens);
  return text;
}

function body(system: readonly SystemBlock[], question = 'Case 1') {
  return Buffer.from(
    JSON.stringify({
      system,
      messages: [{ role: 'user', content: [{ text: question }] }],
      inferenceConfig: { maxTokens: 100, temperature: 0 },
      toolConfig: { tools },
      requestMetadata: { workflowId: 'wf', runId: 'run-1' },
    }),
  );
}

describe('the stand-in Bedrock prompt cache', () => {
  let now: Date;
  let converse: ReturnType<typeof converseOperation>;

  beforeEach(() => {
    now = START;
    converse = converseOperation(
      { models: { wf: countingModel } },
      {},
      {
        promptCache: new LocalPromptCache(() => now),
      },
    );
  });

  const later = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };

  it('reports no cache usage when the prefix before the cache point is one token short of the minimum', async () => {
    const request = body([{ text: systemOf(4095) }, CACHE_POINT]);
    const first = await converse(HAIKU_45, request);
    const second = await converse(HAIKU_45, request);

    for (const { usage } of [first, second]) {
      expect(usage).not.toHaveProperty('cacheReadInputTokens');
      expect(usage).not.toHaveProperty('cacheWriteInputTokens');
      expect(usage.inputTokens).toBeGreaterThan(4095);
    }
  });

  it('writes a prefix of the minimum on the first call, then reads it, moving its tokens out of inputTokens', async () => {
    const system = [{ text: systemOf(4096) }, CACHE_POINT];
    const uncounted = (await countingModel(JSON.parse(body(system).toString()), HAIKU_45)).usage.inputTokens;

    const first = await converse(HAIKU_45, body(system));
    expect(first.usage).toEqual({
      inputTokens: uncounted - 4096,
      outputTokens: 5,
      totalTokens: uncounted + 5,
      cacheWriteInputTokens: 4096,
    });

    later(4 * 60_000);
    const second = await converse(HAIKU_45, body(system));
    expect(second.usage).toEqual({
      inputTokens: uncounted - 4096,
      outputTokens: 5,
      totalTokens: uncounted + 5,
      cacheReadInputTokens: 4096,
    });
  });

  it('reads the same prefix whatever follows the cache point', async () => {
    const system = [{ text: systemOf(5000) }, CACHE_POINT];
    await converse(HAIKU_45, body(system, 'Case 1'));
    const other = await converse(HAIKU_45, body(system, 'A different case altogether'));
    expect(other.usage.cacheReadInputTokens).toBe(5000);
    expect(other.usage).not.toHaveProperty('cacheWriteInputTokens');
  });

  it('writes again once five minutes of the local clock pass without a read, and each read keeps it', async () => {
    const request = body([{ text: systemOf(4096) }, CACHE_POINT]);
    await converse(HAIKU_45, request);
    later(4 * 60_000);
    expect((await converse(HAIKU_45, request)).usage.cacheReadInputTokens).toBe(4096);
    // Eight minutes after the write, but four after the read: still cached.
    later(4 * 60_000);
    expect((await converse(HAIKU_45, request)).usage.cacheReadInputTokens).toBe(4096);
    later(5 * 60_000);
    const expired = await converse(HAIKU_45, request);
    expect(expired.usage.cacheWriteInputTokens).toBe(4096);
    expect(expired.usage).not.toHaveProperty('cacheReadInputTokens');
  });

  it('reports no cache usage without a cache point, or for a model Bedrock does not cache for', async () => {
    const text = systemOf(6000);
    const withoutPoint = await converse(HAIKU_45, body([{ text }]));
    await converse(CLAUDE_3_HAIKU, body([{ text }, CACHE_POINT]));
    const uncachedModel = await converse(CLAUDE_3_HAIKU, body([{ text }, CACHE_POINT]));
    for (const { usage } of [withoutPoint, uncachedModel]) {
      expect(usage).not.toHaveProperty('cacheReadInputTokens');
      expect(usage).not.toHaveProperty('cacheWriteInputTokens');
    }
  });

  it('keeps each model its own cache', async () => {
    const request = body([{ text: systemOf(4096) }, CACHE_POINT]);
    await converse(HAIKU_45, request);
    const sonnet = await converse('us.anthropic.claude-sonnet-4-20250514-v1:0', request);
    expect(sonnet.usage.cacheWriteInputTokens).toBe(4096);
  });

  it('refuses more than four cache points as Bedrock does, before asking the model', async () => {
    const calls: string[] = [];
    const counted = converseOperation(
      {
        models: {
          wf: (b, m) => {
            calls.push(m);
            return countingModel(b, m);
          },
        },
      },
      {},
      { promptCache: new LocalPromptCache(() => now) },
    );
    const five = Array.from({ length: 5 }, () => [{ text: 'part' }, CACHE_POINT]).flat();
    await expect(counted(HAIKU_45, body(five))).rejects.toMatchObject({
      code: 'ValidationException',
      message: expect.stringContaining('at most 4 cache points, got 5'),
    });
    expect(calls).toEqual([]);
  });
});
