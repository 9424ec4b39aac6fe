/**
 * `awf events put` and `awf events sink`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { runIdFor } from '../../core/ids.js';
import { type LocalBusEvent, readSinkFile } from '../../local/eventbridge/sink.js';
import type { PublishedNotification } from '../../local/eventbridge/topics.js';
import { type OutputOptions, print, renderTable } from '../output.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';

/** Options of `awf events put`. */
export interface PutEventOptions extends OutputOptions {
  readonly source?: string;
  readonly detailType?: string;
  readonly detail?: string;
  readonly file?: string;
  /** Seconds to wait for a workflow to admit the event; 0 to only put it. @default 10 */
  readonly wait?: string;
}

/** What became of a put event: the first record of its chain in a workflow that took it. */
export interface Admission {
  readonly workflowId: string;
  readonly runId: string;
  readonly outcome: 'admitted' | 'duplicate' | 'rejected';
  /** The run handling the business request this event repeats (a duplicate). */
  readonly duplicateOf?: string;
  /** Why the event was rejected. */
  readonly problems?: readonly string[];
}

const DEFAULT_ADMISSION_WAIT_SECONDS = 10;
const ADMISSION_POLL_MS = 250;

/**
 * Waits for a workflow to admit the event and says how: admitted as a run, a
 * duplicate of the run that handles its business request, or rejected (the
 * first record of the chain its run id names). Undefined when no workflow took
 * it within the wait.
 */
async function admissionOf(
  target: Target,
  eventId: string,
  waitSeconds: number,
): Promise<Admission | undefined> {
  const { lineage } = storesOf(target);
  const deadline = Date.now() + waitSeconds * 1000;
  while (true) {
    for (const workflowId of Object.keys(target.workflows)) {
      const runId = runIdFor(workflowId, eventId);
      const [first] = await lineage.chain(runId);
      if (first?.type === 'run.started') return { workflowId, runId, outcome: 'admitted' };
      if (first?.type === 'event.duplicate') {
        return { workflowId, runId, outcome: 'duplicate', duplicateOf: String(first.data.duplicateOf) };
      }
      if (first?.type === 'event.rejected') {
        return { workflowId, runId, outcome: 'rejected', problems: (first.data.problems ?? []) as string[] };
      }
    }
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, ADMISSION_POLL_MS));
  }
}

function describeAdmission(eventId: string, admission: Admission | undefined, waitSeconds: number): string {
  if (waitSeconds === 0) return `put event ${eventId}`;
  if (admission === undefined) {
    return `put event ${eventId}; no workflow admitted it within ${waitSeconds} s (does its source and detail-type match a trigger?)`;
  }
  switch (admission.outcome) {
    case 'admitted':
      return `put event ${eventId}: ${admission.workflowId} admitted it as ${admission.runId}`;
    case 'duplicate':
      return `put event ${eventId}: ${admission.workflowId} recorded it as a duplicate of ${admission.duplicateOf} (the same business request); no run started. Change the request's business key (such as its requestId) to start a new one.`;
    case 'rejected':
      return `put event ${eventId}: ${admission.workflowId} rejected it: ${(admission.problems ?? []).join('; ')}`;
  }
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
  const waitSeconds = options.wait === undefined ? DEFAULT_ADMISSION_WAIT_SECONDS : Number(options.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0 || waitSeconds > 300) {
    throw new Error(`--wait: expected a number of seconds from 0 to 300, got ${options.wait}`);
  }
  const eventId = entry.EventId;
  const admission = waitSeconds > 0 ? await admissionOf(target, eventId, waitSeconds) : undefined;
  print({ eventId, eventBus: target.eventBus, ...event, ...(admission && { admission }) }, options, () =>
    describeAdmission(eventId, admission, waitSeconds),
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
  /** Show what the workflows' SNS topics would have published instead. */
  readonly notifications?: boolean;
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
  if (options.notifications) {
    showNotifications(target.notificationsFile, options);
    return;
  }
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

/** Prints what the local SNS topics would have published: topic, event kind, run, when. */
function showNotifications(file: string | undefined, options: SinkOptions): void {
  const published = file === undefined || !existsSync(file) ? [] : readNotifications(file);
  const rows = published
    .map((n) => ({ ...n, event: parseMessage(n.message) }))
    .filter(
      ({ event }) =>
        (!options.source || event.source === options.source) &&
        (!options.detailType || event['detail-type'] === options.detailType),
    );
  print(rows, options, (shown) =>
    shown.length
      ? renderTable(shown, [
          { heading: 'time', value: (n) => n.at },
          { heading: 'topic', value: (n) => n.topicArn.split(':').pop() ?? n.topicArn },
          { heading: 'detail-type', value: (n) => n.event['detail-type'] },
          { heading: 'run', value: (n) => n.event.detail?.runId },
        ])
      : 'no notifications published',
  );
}

/** The notifications file's lines. @throws Error naming a line that is not a notification */
function readNotifications(file: string): PublishedNotification[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as PublishedNotification;
      } catch {
        throw new Error(`${file}, line ${index + 1}: not a notification: ${line.slice(0, 80)}`);
      }
    });
}

/** A published message as the event it carries (an SNS target sends the whole event). */
function parseMessage(message: string): {
  source?: string;
  'detail-type'?: string;
  detail?: { runId?: unknown };
} {
  try {
    return JSON.parse(message) as ReturnType<typeof parseMessage>;
  } catch {
    return {};
  }
}
