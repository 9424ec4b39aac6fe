import { costUsd, foundationModelOf } from '../../../core/model/pricing.js';

describe('costUsd', () => {
  it('prices input and output tokens at the per-million rates of the model', () => {
    // Claude 3.5 Haiku: 0.80 USD in, 4.00 USD out per million tokens.
    expect(
      costUsd('anthropic.claude-3-5-haiku-20241022-v1:0', { inputTokens: 1000, outputTokens: 200 }),
    ).toBeCloseTo(0.0016, 10);
  });

  it('prices a cross-region inference profile as its foundation model', () => {
    const usage = { inputTokens: 12_345, outputTokens: 678 };
    expect(costUsd('us.anthropic.claude-3-5-haiku-20241022-v1:0', usage)).toBe(
      costUsd('anthropic.claude-3-5-haiku-20241022-v1:0', usage),
    );
  });

  it('prices prompt cache reads at a tenth and writes at 1.25 times the input price of Claude Haiku 4.5', () => {
    const haiku45 = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
    // 1,000 in x $1 + 200 out x $5 + 4,000 read x $0.10, per million: 0.001 + 0.001 + 0.0004.
    expect(costUsd(haiku45, { inputTokens: 1000, outputTokens: 200, cacheReadInputTokens: 4000 })).toBe(
      0.0024,
    );
    // 0.001 + 0.001 + 4,000 written x $1.25 per million (0.005).
    expect(costUsd(haiku45, { inputTokens: 1000, outputTokens: 200, cacheWriteInputTokens: 4000 })).toBe(
      0.007,
    );
  });

  it('prices cache tokens of a model without cache prices at its input price', () => {
    // Claude 3 Haiku: $0.25 per million input tokens, no prompt caching on Bedrock.
    expect(
      costUsd('anthropic.claude-3-haiku-20240307-v1:0', {
        inputTokens: 0,
        outputTokens: 0,
        cacheReadInputTokens: 1000,
        cacheWriteInputTokens: 3000,
      }),
    ).toBe(0.001);
  });

  it('omits the cost of a model it has no price for', () => {
    expect(costUsd('acme.in-house-model-v1', { inputTokens: 10, outputTokens: 10 })).toBeUndefined();
  });
});

describe('foundationModelOf', () => {
  it('strips the inference-profile prefix and the ARN around a model id', () => {
    expect(
      foundationModelOf(
        'arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0',
      ),
    ).toBe('anthropic.claude-3-haiku-20240307-v1:0');
    expect(foundationModelOf('amazon.nova-lite-v1:0')).toBe('amazon.nova-lite-v1:0');
  });
});
