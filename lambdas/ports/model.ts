/** The model port in a Lambda: Bedrock Converse (the local cloud points it at its stand-in). */
import { BedrockModel, createBedrockRuntimeClient } from '../../adapters/bedrock-model.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';

/** Builds the Bedrock model client once per cold start. */
export function createModelPort(_pack: WorkflowPack): BedrockModel {
  return new BedrockModel(createBedrockRuntimeClient());
}
