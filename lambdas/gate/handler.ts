/**
 * Lambda of the gate step: Cedar policies, then autonomy, per proposal.
 */
import { gateInputSchema } from '../../core/agent/step-inputs.js';
import { createPolicyGate } from '../../core/policy/gate.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { dynamoDbDocumentClient } from '../adapters/aws-clients.js';
import { DynamoDbLineageStore } from '../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../adapters/dynamodb-runs-store.js';
import { requireEnv } from '../shared/config.js';
import { stepHandler } from '../shared/step-handler.js';
import { createGateStep, type GateDependencies } from './gate-proposals.js';

function awsDependencies(): GateDependencies {
  const client = dynamoDbDocumentClient();
  return {
    runs: new DynamoDbRunsStore({ client, tableName: requireEnv(ENV.runsTable) }),
    lineage: new DynamoDbLineageStore({ client, tableName: requireEnv(ENV.lineageTable) }),
    clock: () => new Date(),
  };
}

/**
 * Builds the gate Lambda's handler for a pack; the Cedar schema and policies
 * are validated and preparsed here, once per cold start.
 */
export function createHandler(pack: WorkflowPack, deps: GateDependencies = awsDependencies()) {
  return stepHandler(gateInputSchema, createGateStep(pack, createPolicyGate(pack), deps));
}
