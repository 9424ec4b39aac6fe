/** The runs port in a Lambda: the runs table named by `AWF_RUNS_TABLE`, with TTLs from the spec's retention. */
import { dynamoDbDocumentClient } from '../../adapters/aws-clients.js';
import { DynamoDbRunsStore } from '../../adapters/dynamodb-runs-store.js';
import { runsRetentionDays } from '../../core/runs/history-key.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { requireEnv } from '../config.js';

/** Builds the runs store once per cold start. */
export function createRunsPort(pack: WorkflowPack, env: NodeJS.ProcessEnv = process.env): DynamoDbRunsStore {
  return new DynamoDbRunsStore({
    client: dynamoDbDocumentClient(),
    tableName: requireEnv(ENV.runsTable, env),
    retentionDays: runsRetentionDays(pack.spec),
  });
}
