/**
 * Tamper findings from the lineage table's stream.
 *
 * Records are only ever put, once, so the only change a lineage item may see
 * after its INSERT is its deletion by TTL once retention has passed. Any
 * other MODIFY or REMOVE on the stream is tampering (or a break-glass
 * repair, which must be explained): each becomes a `LineageTampered` event
 * on the platform bus and one count of the `LineageTamperEvents` metric,
 * which an alarm watches.
 *
 * DynamoDB marks its TTL deletions in the stream record's `userIdentity`
 * (`type: Service`, `principalId: dynamodb.amazonaws.com`); nothing else can
 * set it, so a delete by any caller is never mistaken for one.
 */
import * as z from 'zod';
import type { OutboundEvent } from '../ports.js';
import { LINEAGE_TABLE_LAYOUT } from '../storage/table-layout.js';

/** The event put on the platform bus for each finding. */
export const LINEAGE_TAMPER_EVENT = { source: 'awf.lineage', detailType: 'LineageTampered' } as const;

/** The EMF metric counting findings; the data stack's alarm watches it. */
export const LINEAGE_TAMPER_METRIC = { namespace: 'awf', name: 'LineageTamperEvents' } as const;

/** The `userIdentity` DynamoDB gives the stream records of its TTL deletions. */
export const TTL_DELETION_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

const attributeMap = z.record(z.string(), z.record(z.string(), z.unknown()));

/** A DynamoDB stream record as a Lambda event source mapping delivers it (fields the finding uses). */
export const lineageStreamRecordSchema = z.object({
  eventID: z.string().optional(),
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  eventSourceARN: z.string().optional(),
  userIdentity: z.object({ type: z.string(), principalId: z.string() }).optional(),
  dynamodb: z.object({
    Keys: attributeMap,
    OldImage: attributeMap.optional(),
    NewImage: attributeMap.optional(),
    ApproximateCreationDateTime: z.number().optional(),
    SequenceNumber: z.string().optional(),
  }),
});

/** A stream record of the lineage table. */
export type LineageStreamRecord = z.infer<typeof lineageStreamRecordSchema>;

/** The stream event a tamper function receives. */
export const lineageStreamEventSchema = z.object({ Records: z.array(lineageStreamRecordSchema) });

/** One change to a lineage item that was not a TTL deletion. */
export interface LineageTamperFinding {
  /** The table whose item changed (from the stream's ARN), when known. */
  readonly table?: string;
  readonly eventName: 'MODIFY' | 'REMOVE';
  readonly eventId?: string;
  /** The item's key: chain id and seq. */
  readonly chainId?: string;
  readonly seq?: number;
  /** The record's `hash` before and after (after: MODIFY only). */
  readonly oldHash?: string;
  readonly newHash?: string;
  /** Who changed it, as the stream says (absent for calls by people and roles). */
  readonly userIdentity?: { readonly type: string; readonly principalId: string };
  /** When the change was made, by DynamoDB's clock (ISO-8601). */
  readonly changedAt?: string;
}

/** Whether a stream record is DynamoDB's own TTL deletion. */
export function isTtlDeletion(record: LineageStreamRecord): boolean {
  return (
    record.eventName === 'REMOVE' &&
    record.userIdentity?.type === TTL_DELETION_IDENTITY.type &&
    record.userIdentity.principalId === TTL_DELETION_IDENTITY.principalId
  );
}

function stringOf(value: Record<string, unknown> | undefined): string | undefined {
  return typeof value?.S === 'string' ? value.S : undefined;
}

function numberOf(value: Record<string, unknown> | undefined): number | undefined {
  return typeof value?.N === 'string' ? Number(value.N) : undefined;
}

/** `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` -> `<name>`. */
function tableOf(streamArn: string | undefined): string | undefined {
  return streamArn === undefined ? undefined : /:table\/([^/]+)/.exec(streamArn)?.[1];
}

/**
 * The findings of a batch of stream records: every MODIFY, and every REMOVE
 * but DynamoDB's TTL deletions; INSERTs (appends) are not findings.
 */
export function lineageTamperFindings(records: readonly LineageStreamRecord[]): LineageTamperFinding[] {
  const { partitionKey, sortKey } = LINEAGE_TABLE_LAYOUT;
  return records.flatMap((record): LineageTamperFinding[] => {
    if (record.eventName === 'INSERT' || isTtlDeletion(record)) return [];
    const { Keys, OldImage, NewImage, ApproximateCreationDateTime } = record.dynamodb;
    const table = tableOf(record.eventSourceARN);
    const chainId = stringOf(Keys[partitionKey]);
    const seq = numberOf(Keys[sortKey]);
    const oldHash = stringOf(OldImage?.hash);
    const newHash = stringOf(NewImage?.hash);
    return [
      {
        eventName: record.eventName,
        ...(table !== undefined && { table }),
        ...(record.eventID !== undefined && { eventId: record.eventID }),
        ...(chainId !== undefined && { chainId }),
        ...(seq !== undefined && { seq }),
        ...(oldHash !== undefined && { oldHash }),
        ...(newHash !== undefined && { newHash }),
        ...(record.userIdentity !== undefined && { userIdentity: record.userIdentity }),
        // DynamoDB Streams gives epoch seconds (Lambda's event keeps them as a number).
        ...(ApproximateCreationDateTime !== undefined && {
          changedAt: new Date(ApproximateCreationDateTime * 1000).toISOString(),
        }),
      },
    ];
  });
}

/** The `LineageTampered` event of a finding, for the platform bus. */
export function lineageTamperEvent(finding: LineageTamperFinding): OutboundEvent {
  return { ...LINEAGE_TAMPER_EVENT, detail: { ...finding } };
}
