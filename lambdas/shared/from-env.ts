/**
 * Builds the adapters a step needs from the environment the stack gives its
 * Lambda. Called once per cold start by each step's `createHandler`.
 */

import {
  dynamoDbClient,
  dynamoDbDocumentClient,
  eventBridgeClient,
  sfnClient,
} from '../../adapters/aws-clients.js';
import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../../adapters/dynamodb-runs-store.js';
import { EventBridgePublisher } from '../../adapters/eventbridge-publisher.js';
import { SfnTaskCallbacks } from '../../adapters/sfn-task-callbacks.js';
import { ConfigurationError } from '../../core/errors.js';
import { runsRetentionDays } from '../../core/run/history-key.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { requireEnv } from './config.js';

/**
 * Fails unless the Lambda was deployed for this pack: a bundle wired to another
 * workflow's tables would write its runs under the wrong id.
 * @throws ConfigurationError naming both ids.
 */
export function assertDeployedFor(pack: WorkflowPack, env: NodeJS.ProcessEnv = process.env): void {
  const deployed = requireEnv(ENV.workflowId, env);
  if (deployed !== pack.spec.id) {
    throw new ConfigurationError(
      `${ENV.workflowId} is "${deployed}", but this bundle runs workflow "${pack.spec.id}"`,
    );
  }
}

/** The runs store on the table named by `AWF_RUNS_TABLE`, with TTLs from the spec's retention. */
export function runsStoreFromEnv(
  pack: WorkflowPack,
  env: NodeJS.ProcessEnv = process.env,
): DynamoDbRunsStore {
  const tableName = requireEnv(ENV.runsTable, env);
  return new DynamoDbRunsStore({
    client: dynamoDbDocumentClient(),
    tableName,
    retentionDays: runsRetentionDays(pack.spec),
  });
}

/** The lineage store on the table named by `AWF_LINEAGE_TABLE`. */
export function lineageStoreFromEnv(env: NodeJS.ProcessEnv = process.env): DynamoDbLineageStore {
  return new DynamoDbLineageStore({
    client: dynamoDbClient(),
    tableName: requireEnv(ENV.lineageTable, env),
  });
}

/** The publisher on the bus named by `AWF_EVENT_BUS`. */
export function eventPublisherFromEnv(env: NodeJS.ProcessEnv = process.env): EventBridgePublisher {
  return new EventBridgePublisher({
    client: eventBridgeClient(),
    eventBusName: requireEnv(ENV.eventBus, env),
  });
}

/** Step Functions' callback API. */
export function taskCallbacks(): SfnTaskCallbacks {
  return new SfnTaskCallbacks(sfnClient());
}
