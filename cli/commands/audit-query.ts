/**
 * `awf audit query`: a workflow's lineage records in a time window, narrowed
 * to an entity, an actor or a record type; each form one paginated Query of
 * the table's index that fits it (`adapters/dynamodb-lineage-queries.ts`).
 */
import { DynamoDbLineageQueries } from '../../adapters/dynamodb-lineage-queries.js';
import { AwfError } from '../../core/errors.js';
import { type LineageQueryOptions, lineageQueryOf } from '../../core/lineage/query.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import { renderCsv } from '../csv.js';
import { type Column, type OutputOptions, print, renderTable } from '../output.js';
import type { Target } from '../target.js';

/** Options of `awf audit query`. */
export interface AuditQueryOptions extends LineageQueryOptions, OutputOptions {
  readonly csv?: boolean;
}

/** The columns of a record in a table or a CSV file: its place, time, who, what, with which versions. */
export const RECORD_COLUMNS: readonly Column<LineageRecord>[] = [
  { heading: 'at', value: (r) => r.at },
  { heading: 'runId', value: (r) => r.chainId },
  { heading: 'seq', value: (r) => r.seq },
  { heading: 'type', value: (r) => r.type },
  { heading: 'actor', value: (r) => r.actor },
  { heading: 'workflowId', value: (r) => r.workflowId },
  { heading: 'entityId', value: (r) => r.entityId },
  { heading: 'workflowVersion', value: (r) => r.versions?.workflowVersion },
  { heading: 'modelId', value: (r) => r.versions?.modelId },
  { heading: 'promptHash', value: (r) => r.versions?.promptHash },
  { heading: 'policySetHash', value: (r) => r.versions?.policySetHash },
  { heading: 'inputTokens', value: (r) => r.usage?.inputTokens },
  { heading: 'outputTokens', value: (r) => r.usage?.outputTokens },
  { heading: 'costUsd', value: (r) => r.usage?.costUsd },
  { heading: 'hash', value: (r) => r.hash },
  { heading: 'data', value: (r) => r.data },
];

const TABLE_COLUMNS = RECORD_COLUMNS.filter((c) =>
  ['at', 'runId', 'seq', 'type', 'actor', 'entityId'].includes(c.heading),
);

/**
 * Prints the records that answer the query: a table, `--json`, or `--csv`.
 * @throws LineageQueryError for a missing workflow, a bad time or an unknown kind.
 */
export async function auditQuery(target: Target, options: AuditQueryOptions): Promise<void> {
  if (options.json && options.csv) throw new AwfError('give one of --json and --csv');
  const query = lineageQueryOf(options);
  const records = await new DynamoDbLineageQueries({
    client: target.clients.dynamodb,
    tableName: target.lineageTable,
  }).records(query);
  if (options.csv) {
    process.stdout.write(renderCsv(records, RECORD_COLUMNS));
    return;
  }
  print(records, options, (r) => `${renderTable(r, TABLE_COLUMNS)}\n${r.length} records`);
}
