/**
 * What an auditor asks of the lineage: a workflow's records in a time
 * window, narrowed to one business entity, one actor or one record type.
 *
 * Checked here, before any read, so a typo fails with what was wrong rather
 * than an empty answer that looks like "nothing happened".
 */
import { AwfError } from '../errors.js';
import { isLineageRecordType, LINEAGE_RECORD_TYPES, type LineageRecordType } from './registry.js';

/** An auditor's question of the lineage. */
export interface LineageQuery {
  readonly workflowId: string;
  /** ISO-8601 time, included. */
  readonly since?: string;
  /** ISO-8601 time, included. */
  readonly until?: string;
  /** The business entity (order id, ticket id), as the workflow's `entityKey` reads it. */
  readonly entityId?: string;
  /** `awf:<step>`, `model:<model id>` or `human:<principal>`. */
  readonly actor?: string;
  readonly type?: LineageRecordType;
}

/** A lineage question that cannot be asked as given. */
export class LineageQueryError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LineageQueryError';
  }
}

/** The options a query is read from (`--workflow`, `--since`, ...), as typed. */
export interface LineageQueryOptions {
  readonly workflow?: string;
  readonly since?: string;
  readonly until?: string;
  readonly entity?: string;
  readonly actor?: string;
  readonly kind?: string;
}

/**
 * An ISO-8601 date or time as the records' `at` is written (UTC, milliseconds),
 * so it compares with them as a string, as DynamoDB compares sort keys.
 *
 * @throws LineageQueryError naming the option and the value.
 */
export function normalizeTime(option: string, value: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new LineageQueryError(
      `--${option} must be an ISO-8601 date or time such as 2026-11-01 or 2026-11-01T09:30:00Z, got "${value}"`,
    );
  }
  return new Date(ms).toISOString();
}

/**
 * The query the options ask.
 *
 * @throws LineageQueryError when the workflow is missing, a time does not
 *   parse, the window ends before it starts, or the kind is no record type.
 */
export function lineageQueryOf(options: LineageQueryOptions): LineageQuery {
  if (options.workflow === undefined || options.workflow === '') {
    throw new LineageQueryError(
      'say which workflow: --workflow <id> (every form of the query is per workflow)',
    );
  }
  const since = options.since === undefined ? undefined : normalizeTime('since', options.since);
  const until = options.until === undefined ? undefined : normalizeTime('until', options.until);
  if (since !== undefined && until !== undefined && until < since) {
    throw new LineageQueryError(`--until ${until} is before --since ${since}`);
  }
  const kind = options.kind;
  if (kind !== undefined && !isLineageRecordType(kind)) {
    throw new LineageQueryError(
      `--kind "${kind}" is no lineage record type; one of ${LINEAGE_RECORD_TYPES.join(', ')}`,
    );
  }
  return {
    workflowId: options.workflow,
    ...(since !== undefined && { since }),
    ...(until !== undefined && { until }),
    ...(options.entity !== undefined && { entityId: options.entity }),
    ...(options.actor !== undefined && { actor: options.actor }),
    ...(kind !== undefined && { type: kind }),
  };
}
