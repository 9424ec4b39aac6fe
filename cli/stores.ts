/**
 * The runs and lineage stores of a target, through the same adapters the Lambdas use.
 */

import { toDocumentClient } from '../adapters/aws-clients.js';
import { DynamoDbLineageStore } from '../adapters/dynamodb-lineage-store.js';
import { DynamoDbRunsStore } from '../adapters/dynamodb-runs-store.js';
import type { Target } from './target.js';

/** Stores for reading a target's runs, approvals and lineage. */
export function storesOf(target: Target): { runs: DynamoDbRunsStore; lineage: DynamoDbLineageStore } {
  return {
    runs: new DynamoDbRunsStore({
      client: toDocumentClient(target.clients.dynamodb),
      tableName: target.runsTable,
    }),
    lineage: new DynamoDbLineageStore({ client: target.clients.dynamodb, tableName: target.lineageTable }),
  };
}
