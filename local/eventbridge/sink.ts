/**
 * The sink: a log of every event the local EventBridge accepted, in memory and
 * optionally as a JSON Lines file, queryable by bus, source and detail-type.
 *
 * Business systems receive the events that actions emit through rules in AWS;
 * locally, `awf events sink` reads this log to show them. The file is appended
 * one whole line per event, so another process can read it while the local
 * cloud runs.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';
import { AwfError } from '../../core/errors.js';

/** An event as EventBridge delivers it to targets. */
export interface LocalBusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** ISO 8601 without milliseconds, as EventBridge writes it: `2026-01-01T12:00:00Z`. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

/** One line of the sink. */
export interface SinkRecord {
  /** The bus the event was put on. */
  readonly eventBusName: string;
  readonly event: LocalBusEvent;
  /** Names of the rules the event matched, in the order they were checked. */
  readonly matchedRules: readonly string[];
}

/** Which records a query returns; every given field must match. */
export interface SinkQuery {
  readonly eventBusName?: string;
  readonly source?: string;
  readonly detailType?: string;
  /** Only events whose `time` is at or after this. */
  readonly since?: Date;
  /** At most this many, the most recent ones. */
  readonly limit?: number;
}

/** A sink file cannot be read. */
export class SinkFileError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SinkFileError';
  }
}

const sinkRecordSchema = z.object({
  eventBusName: z.string(),
  event: z.object({
    version: z.literal('0'),
    id: z.string(),
    'detail-type': z.string(),
    source: z.string(),
    account: z.string(),
    time: z.string(),
    region: z.string(),
    resources: z.array(z.string()),
    detail: z.record(z.string(), z.unknown()),
  }),
  matchedRules: z.array(z.string()),
});

/** The records that satisfy `query`, oldest first. */
export function filterSinkRecords(records: readonly SinkRecord[], query: SinkQuery = {}): SinkRecord[] {
  const matching = records.filter(
    ({ eventBusName, event }) =>
      (query.eventBusName === undefined || eventBusName === query.eventBusName) &&
      (query.source === undefined || event.source === query.source) &&
      (query.detailType === undefined || event['detail-type'] === query.detailType) &&
      (query.since === undefined || Date.parse(event.time) >= query.since.getTime()),
  );
  return query.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - query.limit));
}

/**
 * Reads a sink file written by a (possibly still running) local EventBridge.
 * A missing file reads as no events.
 * @throws SinkFileError naming the line that is not a sink record.
 */
export function readSinkFile(path: string, query: SinkQuery = {}): SinkRecord[] {
  if (!existsSync(path)) return [];
  const records: SinkRecord[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new SinkFileError(`${path}:${index + 1} is not JSON`, { cause });
    }
    const parsed = sinkRecordSchema.safeParse(value);
    if (!parsed.success) {
      throw new SinkFileError(`${path}:${index + 1} is not a sink record: ${z.prettifyError(parsed.error)}`);
    }
    records.push({ ...parsed.data, event: { ...parsed.data.event, version: '0' } });
  }
  return filterSinkRecords(records, query);
}

/** The in-memory sink, mirrored to a JSON Lines file when one is given. */
export class EventSink {
  readonly #records: SinkRecord[] = [];
  readonly #file?: string;

  /** @param file JSON Lines file to append to (created with its folder); omitted: memory only. */
  constructor(file?: string) {
    this.#file = file;
    if (file !== undefined) mkdirSync(dirname(file), { recursive: true });
  }

  /** The file this sink appends to, if any. */
  get file(): string | undefined {
    return this.#file;
  }

  /** Appends a record (to the file too, as one line). */
  append(record: SinkRecord): void {
    this.#records.push(record);
    if (this.#file !== undefined) appendFileSync(this.#file, `${JSON.stringify(record)}\n`);
  }

  /** Records accepted since this sink started that satisfy `query`, oldest first. */
  query(query: SinkQuery = {}): SinkRecord[] {
    return filterSinkRecords(this.#records, query);
  }
}
