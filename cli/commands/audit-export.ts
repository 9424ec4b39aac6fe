/**
 * `awf audit export`: the lineage of one workflow or all, in a time window,
 * for another system: JSON Lines of the records, CSV, or OpenLineage
 * RunEvents (one per line) for a data catalogue.
 *
 * Every read is a Query of the byWorkflow index (per workflow the target
 * runs) and, for OpenLineage, a consistent Query of each run's chain.
 */
import { DynamoDbLineageQueries } from '../../adapters/dynamodb-lineage-queries.js';
import { AwfError } from '../../core/errors.js';
import { runEventsOf } from '../../core/lineage/openlineage.js';
import { lineageQueryOf } from '../../core/lineage/query.js';
import { renderCsv } from '../csv.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';
import { RECORD_COLUMNS } from './audit-query.js';

/** Export formats. */
export const EXPORT_FORMATS = ['jsonl', 'csv', 'openlineage'] as const;

/** The producer URI of awf's OpenLineage events. */
export const AWF_OPENLINEAGE_PRODUCER = 'urn:awf:audit-export';

/** Options of `awf audit export`. */
export interface AuditExportOptions {
  readonly workflow?: string;
  readonly since?: string;
  readonly until?: string;
  readonly format?: string;
}

/**
 * Writes the export to stdout.
 * @throws AwfError for an unknown format or workflow; LineageQueryError for a bad time.
 */
export async function auditExport(target: Target, options: AuditExportOptions): Promise<void> {
  const format = options.format;
  if (!EXPORT_FORMATS.includes(format as (typeof EXPORT_FORMATS)[number])) {
    throw new AwfError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${format ?? ''}"`);
  }
  const known = Object.keys(target.workflows).sort();
  if (options.workflow !== undefined && !known.includes(options.workflow)) {
    throw new AwfError(
      `no workflow "${options.workflow}" in this target (workflows: ${known.join(', ') || 'none'})`,
    );
  }
  const workflows = options.workflow === undefined ? known : [options.workflow];
  const queries = new DynamoDbLineageQueries({
    client: target.clients.dynamodb,
    tableName: target.lineageTable,
  });
  const out = (text: string) => process.stdout.write(text);
  if (format === 'csv') out(renderCsv([], RECORD_COLUMNS));
  for (const workflow of workflows) {
    const query = lineageQueryOf({ ...options, workflow });
    if (format === 'openlineage') {
      const lineage = storesOf(target).lineage;
      for (const runId of await queries.chainIds(query)) {
        for (const event of runEventsOf(await lineage.chain(runId), { producer: AWF_OPENLINEAGE_PRODUCER })) {
          out(`${JSON.stringify(event)}\n`);
        }
      }
      continue;
    }
    const records = await queries.records(query);
    if (format === 'jsonl') for (const record of records) out(`${JSON.stringify(record)}\n`);
    else out(renderCsv(records, RECORD_COLUMNS, { header: false }));
  }
}
