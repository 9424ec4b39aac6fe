/**
 * The lineage port in a Lambda: the lineage table named by `AWF_LINEAGE_TABLE`;
 * records expire by the pack's retention (`lineageExpiryOf`).
 */
import { dynamoDbClient } from '../../adapters/aws-clients.js';
import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { ENV } from '../../core/runtime-env.js';
import { lineageExpiryOf } from '../../core/storage/lineage-item.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { requireEnv } from '../config.js';

/** Builds the lineage store once per cold start. */
export function createLineagePort(
  pack: WorkflowPack,
  env: NodeJS.ProcessEnv = process.env,
): DynamoDbLineageStore {
  return new DynamoDbLineageStore({
    client: dynamoDbClient(),
    tableName: requireEnv(ENV.lineageTable, env),
    expiry: lineageExpiryOf(pack.spec),
  });
}
