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
