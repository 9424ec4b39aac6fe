/**
 * Lambda of the plan step: Bedrock Converse with the action catalogue as tools.
 */

import { BedrockModel, createBedrockRuntimeClient } from '../../adapters/bedrock-model.js';
import { createPlanStep, type PlanDependencies } from '../../core/agent/plan.js';
import { planInputSchema } from '../../core/agent/step-inputs.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { requireEnv } from '../shared/config.js';
import { assertDeployedFor, lineageStoreFromEnv, runsStoreFromEnv } from '../shared/from-env.js';
import { stepHandler } from '../shared/step-handler.js';

/** The plan step's collaborators in AWS (and in the local cloud, through endpoint overrides). */
function awsDependencies(pack: WorkflowPack): PlanDependencies {
  assertDeployedFor(pack);
  return {
    model: new BedrockModel(createBedrockRuntimeClient()),
    runs: runsStoreFromEnv(pack),
    lineage: lineageStoreFromEnv(),
    clock: () => new Date(),
    modelId: requireEnv(ENV.modelId),
  };
}

/**
 * Builds the plan Lambda's handler for a pack; called once per cold start by
 * the generated entry, so clients, configuration and the prompt are built once.
 */
export function createHandler(pack: WorkflowPack, deps: PlanDependencies = awsDependencies(pack)) {
  return stepHandler(planInputSchema, createPlanStep(pack, deps), (plan, metrics) => {
    if (plan.outcome === 'PROPOSED') metrics.count('ActionsProposed', plan.proposals.length);
    else metrics.count(plan.outcome === 'FINISHED' ? 'AgentFinished' : 'InvalidModelOutput');
  });
}
