/**
 * Lambda of the request-approval step, invoked with `.waitForTaskToken`.
 */
import { approvalRequestInputSchema } from '../../core/agent/step-inputs.js';
import { createRequestApprovalStep, type RequestApprovalDependencies } from '../../core/approval/request.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { dynamoDbDocumentClient, eventBridgeClient, sfnClient } from '../adapters/aws-clients.js';
import { DynamoDbLineageStore } from '../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../adapters/dynamodb-runs-store.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { SfnTaskCallbacks } from '../adapters/sfn-task-callbacks.js';
import { requireEnv } from '../shared/config.js';
import { stepHandler } from '../shared/step-handler.js';

function awsDependencies(): RequestApprovalDependencies {
  const client = dynamoDbDocumentClient();
  return {
    runs: new DynamoDbRunsStore({ client, tableName: requireEnv(ENV.runsTable) }),
    lineage: new DynamoDbLineageStore({ client, tableName: requireEnv(ENV.lineageTable) }),
    events: new EventBridgePublisher({ client: eventBridgeClient(), eventBusName: requireEnv(ENV.eventBus) }),
    callbacks: new SfnTaskCallbacks(sfnClient()),
    clock: () => new Date(),
  };
}

/** Builds the request-approval Lambda's handler for a pack; clients are built once per cold start. */
export function createHandler(pack: WorkflowPack, deps: RequestApprovalDependencies = awsDependencies()) {
  return stepHandler(approvalRequestInputSchema, createRequestApprovalStep(pack, deps));
}
