/**
 * Lambda of the plan step: Bedrock Converse with the action catalogue as tools.
 */
import { createPlanStep, type PlanDependencies } from '../../core/agent/plan.js';
import { planInputSchema } from '../../core/agent/step-inputs.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { dynamoDbDocumentClient } from '../adapters/aws-clients.js';
import { BedrockModel, createBedrockRuntimeClient } from '../adapters/bedrock-model.js';
import { DynamoDbLineageStore } from '../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../adapters/dynamodb-runs-store.js';
import { requireEnv } from '../shared/config.js';
import { stepHandler } from '../shared/step-handler.js';

/** The plan step's collaborators in AWS (and in the local cloud, through endpoint overrides). */
function awsDependencies(): PlanDependencies {
  const client = dynamoDbDocumentClient();
  return {
    model: new BedrockModel(createBedrockRuntimeClient()),
    runs: new DynamoDbRunsStore({ client, tableName: requireEnv(ENV.runsTable) }),
    lineage: new DynamoDbLineageStore({ client, tableName: requireEnv(ENV.lineageTable) }),
    clock: () => new Date(),
    modelId: requireEnv(ENV.modelId),
  };
}

/**
 * Builds the plan Lambda's handler for a pack; called once per cold start by
 * the generated entry, so clients, configuration and the prompt are built once.
 */
export function createHandler(pack: WorkflowPack, deps: PlanDependencies = awsDependencies()) {
  return stepHandler(planInputSchema, createPlanStep(pack, deps));
}
