/**
 * Tamper findings: every MODIFY and every REMOVE of a lineage item is one,
 * except DynamoDB's own TTL deletions; appends are not.
 */
import {
  isTtlDeletion,
  LINEAGE_TAMPER_EVENT,
  type LineageStreamRecord,
  lineageStreamEventSchema,
  lineageTamperEvent,
  lineageTamperFindings,
  TTL_DELETION_IDENTITY,
} from '../../../core/lineage/tamper.js';

const STREAM =
  'arn:aws:dynamodb:us-east-1:123456789012:table/AwfData-LineageTable-X/stream/2026-12-01T00:00:00.000';

function aStreamRecord(overrides: Partial<LineageStreamRecord> = {}): LineageStreamRecord {
  return {
    eventID: 'e-1',
    eventName: 'MODIFY',
    eventSourceARN: STREAM,
    dynamodb: {
      Keys: { chainId: { S: 'run-1' }, seq: { N: '3' } },
      OldImage: { chainId: { S: 'run-1' }, seq: { N: '3' }, hash: { S: 'a'.repeat(64) } },
      NewImage: { chainId: { S: 'run-1' }, seq: { N: '3' }, hash: { S: 'b'.repeat(64) } },
      ApproximateCreationDateTime: 1_796_000_000,
    },
    ...overrides,
  };
}

it('reports a MODIFY with the table, the key, the old and new hashes and when', () => {
  expect(lineageTamperFindings([aStreamRecord()])).toEqual([
    {
      table: 'AwfData-LineageTable-X',
      eventName: 'MODIFY',
      eventId: 'e-1',
      chainId: 'run-1',
      seq: 3,
      oldHash: 'a'.repeat(64),
      newHash: 'b'.repeat(64),
      changedAt: new Date(1_796_000_000_000).toISOString(),
    },
  ]);
});

it('reports a REMOVE by any caller, with the old hash only', () => {
  const [finding] = lineageTamperFindings([
    aStreamRecord({ eventName: 'REMOVE', dynamodb: { ...aStreamRecord().dynamodb, NewImage: undefined } }),
  ]);
  expect(finding).toMatchObject({ eventName: 'REMOVE', oldHash: 'a'.repeat(64) });
  expect(finding?.newHash).toBeUndefined();
});

it('ignores appends and the TTL deletions DynamoDB marks as its own', () => {
  const ttl = aStreamRecord({ eventName: 'REMOVE', userIdentity: { ...TTL_DELETION_IDENTITY } });
  expect(isTtlDeletion(ttl)).toBe(true);
  expect(lineageTamperFindings([aStreamRecord({ eventName: 'INSERT' }), ttl])).toEqual([]);
});

it('does not take a user identity that only looks like the service for a TTL deletion, nor a MODIFY by the service', () => {
  const other = aStreamRecord({
    eventName: 'REMOVE',
    userIdentity: { type: 'Service', principalId: 'lambda.amazonaws.com' },
  });
  const modify = aStreamRecord({ userIdentity: { ...TTL_DELETION_IDENTITY } });
  expect(lineageTamperFindings([other, modify])).toHaveLength(2);
});

it('makes a LineageTampered event of awf.lineage naming the finding', () => {
  const [finding] = lineageTamperFindings([aStreamRecord()]);
  expect(lineageTamperEvent(finding as never)).toEqual({
    source: LINEAGE_TAMPER_EVENT.source,
    detailType: 'LineageTampered',
    detail: finding,
  });
});

it('parses the batch Lambda delivers and refuses one without Records', () => {
  expect(lineageStreamEventSchema.safeParse({ Records: [aStreamRecord()] }).success).toBe(true);
  expect(lineageStreamEventSchema.safeParse({ records: [] }).success).toBe(false);
});
