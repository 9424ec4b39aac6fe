/**
 * Lambda of the act step: re-check, claim, run the connector, record.
 */
import { actInputSchema } from '../../core/agent/step-inputs.js';
import { createPolicyGate } from '../../core/policy/gate.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { dynamoDbDocumentClient, eventBridgeClient } from '../adapters/aws-clients.js';
import { DynamoDbItemUpdater } from '../adapters/dynamodb-item-updater.js';
import { DynamoDbLineageStore } from '../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../adapters/dynamodb-runs-store.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { requireEnv } from '../shared/config.js';
import { stepHandler } from '../shared/step-handler.js';
import { type ActDependencies, createActStep } from './act.js';

function awsDependencies(): ActDependencies {
  const client = dynamoDbDocumentClient();
  return {
    runs: new DynamoDbRunsStore({ client, tableName: requireEnv(ENV.runsTable) }),
    lineage: new DynamoDbLineageStore({ client, tableName: requireEnv(ENV.lineageTable) }),
    events: new EventBridgePublisher({ client: eventBridgeClient(), eventBusName: requireEnv(ENV.eventBus) }),
    items: new DynamoDbItemUpdater(client),
    clock: () => new Date(),
  };
}

/** Builds the act Lambda's handler for a pack; clients and the policy gate are built once per cold start. */
export function createHandler(pack: WorkflowPack, deps: ActDependencies = awsDependencies()) {
  return stepHandler(actInputSchema, createActStep(pack, createPolicyGate(pack), deps));
}
