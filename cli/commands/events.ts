/**
 * `awf events put` and `awf events sink`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { type LocalBusEvent, readSinkFile } from '../../local/eventbridge/sink.js';
import { type OutputOptions, print, renderTable } from '../output.js';
import type { Target } from '../target.js';

/** Options of `awf events put`. */
export interface PutEventOptions extends OutputOptions {
  readonly source?: string;
  readonly detailType?: string;
  readonly detail?: string;
  readonly file?: string;
}

const eventFileSchema = z.object({
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  detail: z.record(z.string(), z.unknown()),
});

/** The event to put, from `--file` (an example event; its `expect` block is ignored) or from the flags. */
export function eventFromOptions(options: PutEventOptions): {
  source: string;
  detailType: string;
  detail: object;
} {
  if (options.file) {
    if (!existsSync(options.file)) throw new Error(`--file: no such file ${options.file}`);
    const parsed = eventFileSchema.safeParse(JSON.parse(readFileSync(options.file, 'utf8')));
    if (!parsed.success) throw new Error(`--file ${options.file}: ${z.prettifyError(parsed.error)}`);
    return { source: parsed.data.source, detailType: parsed.data['detail-type'], detail: parsed.data.detail };
  }
  if (!options.source) throw new Error('--source is required (or --file)');
  if (!options.detailType) throw new Error('--detail-type is required (or --file)');
  if (!options.detail) throw new Error('--detail is required (or --file)');
  let detail: unknown;
  try {
    detail = JSON.parse(options.detail);
  } catch (error) {
    throw new Error(`--detail is not JSON: ${(error as Error).message}`);
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    throw new Error(`--detail must be a JSON object, got ${options.detail}`);
  }
  return { source: options.source, detailType: options.detailType, detail };
}

/** Puts one event on the platform bus and prints its id. */
export async function putEvent(target: Target, options: PutEventOptions): Promise<void> {
  const event = eventFromOptions(options);
  const response = await target.clients.eventbridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: target.eventBus,
          Source: event.source,
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
        },
      ],
    }),
  );
  const entry = response.Entries?.[0];
  if (!entry?.EventId) {
    throw new Error(
      `the bus refused the event: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
    );
  }
  print(
    { eventId: entry.EventId, eventBus: target.eventBus, ...event },
    options,
    (r) => `put event ${r.eventId}`,
  );
}

/** An event as the local bus logged it: the event EventBridge would deliver to targets. */
export type SinkEvent = LocalBusEvent;

/** Options of `awf events sink`. */
export interface SinkOptions extends OutputOptions {
  readonly source?: string;
  readonly detailType?: string;
  /** Include the business events that came in, not only what the platform and its actions emitted. */
  readonly all?: boolean;
}

/**
 * Reads the local bus's sink (the JSON Lines file the local EventBridge
 * appends to), oldest first; skips nothing silently: a bad line is an error naming it.
 */
export function readSink(sinkFile: string): SinkEvent[] {
  return readSinkFile(sinkFile).map((record) => record.event);
}

/** Lists the events actions and the platform emitted on the local bus. */
export function showSink(target: Target, options: SinkOptions): void {
  if (!target.sinkFile)
    throw new Error('the sink exists only in the local cloud; it is not available with --aws');
  const events = readSink(target.sinkFile).filter(
    (e) =>
      (options.all || e.source.startsWith('awf.')) &&
      (!options.source || e.source === options.source) &&
      (!options.detailType || e['detail-type'] === options.detailType),
  );
  print(events, options, (rows) =>
    renderTable(rows, [
      { heading: 'time', value: (e) => e.time },
      { heading: 'source', value: (e) => e.source },
      { heading: 'detail-type', value: (e) => e['detail-type'] },
      { heading: 'run', value: (e) => e.detail.runId },
      { heading: 'id', value: (e) => e.id },
    ]),
  );
}
