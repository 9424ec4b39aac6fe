/**
 * Lambda of the act step: re-check, claim, run the connector, record.
 */

import { dynamoDbDocumentClient } from '../../adapters/aws-clients.js';
import { DynamoDbItemUpdater } from '../../adapters/dynamodb-item-updater.js';
import { actInputSchema } from '../../core/agent/step-inputs.js';
import { createPolicyGate } from '../../core/policy/gate.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import {
  assertDeployedFor,
  eventPublisherFromEnv,
  lineageStoreFromEnv,
  runsStoreFromEnv,
} from '../shared/from-env.js';
import { stepHandler } from '../shared/step-handler.js';
import { type ActDependencies, createActStep } from './act.js';

function awsDependencies(pack: WorkflowPack): ActDependencies {
  assertDeployedFor(pack);
  return {
    runs: runsStoreFromEnv(pack),
    lineage: lineageStoreFromEnv(),
    events: eventPublisherFromEnv(),
    items: new DynamoDbItemUpdater(dynamoDbDocumentClient()),
    clock: () => new Date(),
  };
}

/** Builds the act Lambda's handler for a pack; clients and the policy gate are built once per cold start. */
export function createHandler(pack: WorkflowPack, deps: ActDependencies = awsDependencies(pack)) {
  return stepHandler(
    actInputSchema,
    createActStep(pack, createPolicyGate(pack), deps),
    (observation, metrics) =>
      metrics.count(observation.status === 'EXECUTED' ? 'ActionsExecuted' : 'ActionsAlreadyExecuted'),
  );
}
