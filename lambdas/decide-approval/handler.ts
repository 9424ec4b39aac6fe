/**
 * Lambda of the decide-approval step, invoked directly by `awf approvals decide`
 * or an approvals UI with `{ approvalId, decision, approver, reason }`.
 */
import { z } from 'zod';
import { createDecideApprovalStep, type DecideApprovalDependencies } from '../../core/approval/decide.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { dynamoDbDocumentClient, sfnClient } from '../adapters/aws-clients.js';
import { DynamoDbLineageStore } from '../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../adapters/dynamodb-runs-store.js';
import { SfnTaskCallbacks } from '../adapters/sfn-task-callbacks.js';
import { requireEnv } from '../shared/config.js';
import { stepHandler } from '../shared/step-handler.js';

function awsDependencies(): DecideApprovalDependencies {
  const client = dynamoDbDocumentClient();
  return {
    runs: new DynamoDbRunsStore({ client, tableName: requireEnv(ENV.runsTable) }),
    lineage: new DynamoDbLineageStore({ client, tableName: requireEnv(ENV.lineageTable) }),
    callbacks: new SfnTaskCallbacks(sfnClient()),
    clock: () => new Date(),
  };
}

/**
 * Builds the decide-approval Lambda's handler for a pack. The use case parses
 * the request itself, so a malformed one fails as ApprovalDecisionError naming
 * the bad field rather than as a bare validation error.
 */
export function createHandler(pack: WorkflowPack, deps: DecideApprovalDependencies = awsDependencies()) {
  return stepHandler(z.unknown(), createDecideApprovalStep(pack, deps));
}
