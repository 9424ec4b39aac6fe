import type { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockCatalog } from '../../../adapters/bedrock-catalog.js';
import { MODEL_PRICES } from '../../../core/cost/prices.js';
import { lifecycleOf } from '../../../core/model/lifecycle.js';
import { isPriced } from '../../../core/model/pricing.js';

const NOW = new Date('2026-12-05T00:00:00.000Z');

describe('lifecycleOf', () => {
  it('reads ACTIVE with no end of life', () => {
    expect(lifecycleOf({ status: 'ACTIVE' }, NOW)).toEqual({ state: 'ACTIVE' });
  });

  it('reads ACTIVE with an announced end of life as its day', () => {
    expect(lifecycleOf({ status: 'ACTIVE', endOfLifeTime: new Date('2027-06-01T00:00:00Z') }, NOW)).toEqual({
      state: 'ACTIVE',
      endOfLife: '2027-06-01',
    });
  });

  it('reads LEGACY with its end-of-life day', () => {
    expect(
      lifecycleOf(
        {
          status: 'LEGACY',
          legacyTime: new Date('2026-06-01'),
          endOfLifeTime: new Date('2027-01-15T00:00:00Z'),
        },
        NOW,
      ),
    ).toEqual({ state: 'LEGACY', endOfLife: '2027-01-15' });
  });

  it('reads a model past its end-of-life time as EOL, whatever its status says', () => {
    expect(lifecycleOf({ status: 'LEGACY', endOfLifeTime: new Date('2026-06-19T00:00:00Z') }, NOW)).toEqual({
      state: 'EOL',
      endOfLife: '2026-06-19',
    });
    expect(lifecycleOf({ status: 'ACTIVE', endOfLifeTime: NOW }, NOW).state).toBe('EOL');
  });

  it('reads a status it does not know, or no lifecycle, as UNKNOWN rather than guessing', () => {
    expect(lifecycleOf({ status: 'RETIRED' }, NOW)).toEqual({ state: 'UNKNOWN', status: 'RETIRED' });
    expect(lifecycleOf(undefined, NOW).state).toBe('UNKNOWN');
  });
});

describe('the price table', () => {
  it('gives every price its source and the day it was read', () => {
    for (const [model, price] of Object.entries(MODEL_PRICES)) {
      expect({ model, source: price.source.length > 0, checkedOn: price.checkedOn }).toEqual({
        model,
        source: true,
        checkedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      });
    }
  });

  it('prices a model by its inference profile or its ARN, and not an unknown one', () => {
    expect(isPriced('us.anthropic.claude-haiku-4-5-20251001-v1:0')).toBe(true);
    expect(isPriced('acme.private-v1')).toBe(false);
  });
});

describe('BedrockCatalog', () => {
  /** A control-plane client that answers every command with `output`. */
  const answering = (output: unknown) =>
    new BedrockCatalog({ send: async () => output } as unknown as BedrockClient);

  it('reads modelDetails.modelLifecycle of GetFoundationModel', async () => {
    const endOfLifeTime = new Date('2026-06-19T00:00:00Z');
    const catalog = answering({
      modelDetails: {
        modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
        modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
        modelLifecycle: { status: 'LEGACY', endOfLifeTime },
      },
      $metadata: {},
    });

    const answer = await catalog.foundationModel('anthropic.claude-3-5-haiku-20241022-v1:0');

    expect(answer).toEqual({
      modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      lifecycle: { status: 'LEGACY', endOfLifeTime },
    });
    expect(lifecycleOf(answer.lifecycle, NOW)).toEqual({ state: 'EOL', endOfLife: '2026-06-19' });
  });

  it("reads GetInferenceProfile's status and the model ARNs it routes to", async () => {
    const catalog = answering({
      inferenceProfileName: 'US Claude Haiku 4.5',
      inferenceProfileArn:
        'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0',
      inferenceProfileId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
      status: 'ACTIVE',
      type: 'SYSTEM_DEFINED',
      models: [
        { modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0' },
        { modelArn: 'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0' },
      ],
      $metadata: {},
    });

    expect(await catalog.inferenceProfile('us.anthropic.claude-haiku-4-5-20251001-v1:0')).toEqual({
      inferenceProfileId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
      status: 'ACTIVE',
      modelArns: [
        'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
        'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
      ],
    });
  });

  it('fails naming the field when an answer lacks the model details', async () => {
    await expect(answering({ $metadata: {} }).foundationModel('x.y')).rejects.toMatchObject({
      name: 'ModelResponseError',
      message: expect.stringContaining('modelDetails'),
    });
  });
});
