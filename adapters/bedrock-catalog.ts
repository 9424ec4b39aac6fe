/**
 * The model catalog port over Amazon Bedrock's control plane
 * (`GetFoundationModel`, `GetInferenceProfile`), for `awf doctor --aws`.
 *
 * Answers come from outside the process and are parsed with zod; Bedrock's
 * errors propagate with their names, so the caller can tell a model that is
 * gone (`ResourceNotFoundException`) from a caller who may not look
 * (`AccessDeniedException`).
 */
import {
  BedrockClient,
  type BedrockClientConfig,
  GetFoundationModelCommand,
  GetInferenceProfileCommand,
} from '@aws-sdk/client-bedrock';
import * as z from 'zod';
import type { FoundationModelAnswer, InferenceProfileAnswer, ModelCatalog } from '../core/model/lifecycle.js';
import { ModelResponseError } from './bedrock-model.js';

/** A Bedrock control-plane client; `AWS_ENDPOINT_URL_BEDROCK` redirects it, as the SDK's configuration allows. */
export function createBedrockClient(config: BedrockClientConfig = {}): BedrockClient {
  return new BedrockClient({ cacheMiddleware: true, ...config });
}

const lifecycleSchema = z.object({
  status: z.string().min(1),
  legacyTime: z.date().optional(),
  endOfLifeTime: z.date().optional(),
});

const foundationModelSchema = z.object({
  modelDetails: z.object({ modelId: z.string().min(1), modelLifecycle: lifecycleSchema.optional() }),
});

const inferenceProfileSchema = z.object({
  inferenceProfileId: z.string().min(1),
  status: z.string().min(1),
  models: z.array(z.object({ modelArn: z.string().optional() })),
});

function parsed<S extends z.ZodType>(schema: S, output: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(output);
  if (result.success) return result.data;
  throw new ModelResponseError(
    `Bedrock returned an unreadable ${what} response: ${z.prettifyError(result.error)}`,
    {
      cause: result.error,
    },
  );
}

/**
 * A {@link ModelCatalog} that asks Bedrock's control plane.
 *
 * @example
 * const catalog = new BedrockCatalog(createBedrockClient({ region: 'us-east-1' }));
 * const { lifecycle } = await catalog.foundationModel('anthropic.claude-haiku-4-5-20251001-v1:0');
 */
export class BedrockCatalog implements ModelCatalog {
  constructor(private readonly client: BedrockClient) {}

  /** @throws ModelResponseError when the answer has no model details. */
  async foundationModel(modelId: string): Promise<FoundationModelAnswer> {
    const output = await this.client.send(new GetFoundationModelCommand({ modelIdentifier: modelId }));
    const { modelDetails } = parsed(foundationModelSchema, output, 'GetFoundationModel');
    return { modelId: modelDetails.modelId, lifecycle: modelDetails.modelLifecycle };
  }

  /** @throws ModelResponseError when the answer lacks the profile's id, status or models. */
  async inferenceProfile(profileId: string): Promise<InferenceProfileAnswer> {
    const output = await this.client.send(
      new GetInferenceProfileCommand({ inferenceProfileIdentifier: profileId }),
    );
    const profile = parsed(inferenceProfileSchema, output, 'GetInferenceProfile');
    return {
      inferenceProfileId: profile.inferenceProfileId,
      status: profile.status,
      modelArns: profile.models.flatMap((model) => (model.modelArn ? [model.modelArn] : [])),
    };
  }
}
