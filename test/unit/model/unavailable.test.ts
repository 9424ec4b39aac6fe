import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { BedrockModel } from '../../../adapters/bedrock-model.js';
import { ModelUnavailableError, modelUnavailableFrom } from '../../../core/model/unavailable.js';
import { namedError } from '../../support/in-memory-stores.js';

const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

describe('modelUnavailableFrom', () => {
  it.each([
    [
      'ResourceNotFoundException',
      'This model version has reached the end of its life. Please refer to the AWS documentation for more details.',
      'end-of-life',
    ],
    [
      'ResourceNotFoundException',
      'Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model.',
      'first-use-form',
    ],
    [
      'AccessDeniedException',
      'Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model.',
      'access-denied',
    ],
    ['ValidationException', 'The provided model identifier is invalid.', 'unknown-model'],
    [
      'ValidationException',
      'Invocation of model ID anthropic.claude-haiku-4-5-20251001-v1:0 with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.',
      'unknown-model',
    ],
  ])('names a %s saying "%s" as %s, with the model and the fix', (name, message, kind) => {
    const error = modelUnavailableFrom(namedError(name, message), MODEL);

    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect(error).toMatchObject({ name: 'ModelUnavailableError', modelId: MODEL, kind, answer: message });
    expect(error?.message).toMatch(
      new RegExp(`^model ${MODEL.replace(/\./g, '\\.')} is unavailable \\(${kind}\\): .*; fix: `),
    );
    expect((error as ModelUnavailableError).cause).toMatchObject({ name });
  });

  it.each([
    ['ThrottlingException', 'Too many requests, please wait before trying again.'],
    ['ModelTimeoutException', 'Model has timed out in processing the request.'],
    ['ServiceUnavailableException', 'Bedrock is unable to process your request.'],
    [
      'ValidationException',
      'messages.1.content: Conversation blocks and tool result blocks cannot be provided in the same turn.',
    ],
  ])('leaves a %s (%s) alone: the state machine retries it or it is a bug', (name, message) => {
    expect(modelUnavailableFrom(namedError(name, message), MODEL)).toBeUndefined();
  });

  it('returns a ModelUnavailableError it is given as it is', () => {
    const named = new ModelUnavailableError(MODEL, 'end-of-life', 'gone');
    expect(modelUnavailableFrom(named, 'another-model')).toBe(named);
  });

  it('leaves values that are not errors alone', () => {
    expect(modelUnavailableFrom('ResourceNotFoundException', MODEL)).toBeUndefined();
  });
});

describe('BedrockModel', () => {
  /** A Bedrock Runtime client whose every call fails with `error`. */
  const failingWith = (error: Error) =>
    new BedrockModel({
      send: async () => {
        throw error;
      },
    } as unknown as BedrockRuntimeClient);
  const request = {
    modelId: MODEL,
    system: [{ text: 'You decide refunds.' }],
    messages: [{ role: 'user' as const, content: [{ text: 'Decide.' }] }],
    inferenceConfig: { maxTokens: 64, temperature: 0 },
    toolConfig: { tools: [] },
  };

  it('turns an end-of-life answer into ModelUnavailableError naming the requested model', async () => {
    const eol = namedError(
      'ResourceNotFoundException',
      'This model version has reached the end of its life.',
    );

    await expect(failingWith(eol).converse(request)).rejects.toMatchObject({
      name: 'ModelUnavailableError',
      modelId: MODEL,
      kind: 'end-of-life',
    });
  });

  it('lets throttling through under its own name, for the state machine to retry', async () => {
    const throttled = namedError('ThrottlingException', 'Too many requests');

    await expect(failingWith(throttled).converse(request)).rejects.toBe(throttled);
  });
});
