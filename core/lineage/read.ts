/**
 * Reading records back as the registry types them.
 *
 * Every reader of a step's own chain goes through here: a record of the type
 * asked for is parsed with the registry's schema, and one that fails is
 * reported (MalformedLineageRecordError naming the chain, seq and field),
 * never skipped as if it were not there.
 */
import * as z from 'zod';
import { MalformedLineageRecordError } from './errors.js';
import type { LineageRecord } from './record.js';
import { LINEAGE_REGISTRY, type LineageData, type LineageRecordType } from './registry.js';

/** A stored record whose `data` has been parsed with its type's schema. */
export type TypedLineageRecord<T extends LineageRecordType> = Omit<LineageRecord, 'type' | 'data'> & {
  readonly type: T;
  readonly data: LineageData<T>;
};

/**
 * Parses a record of type `T` with the registry's schema.
 * @throws MalformedLineageRecordError naming the record and each bad field.
 */
export function parseLineageRecord<T extends LineageRecordType>(
  record: LineageRecord,
  type: T,
): TypedLineageRecord<T> {
  if (record.type !== type) {
    throw new MalformedLineageRecordError(
      `lineage record ${record.seq} of chain ${record.chainId} is ${record.type}, not ${type}`,
    );
  }
  const parsed = LINEAGE_REGISTRY[type].data.safeParse(record.data);
  if (!parsed.success) {
    throw new MalformedLineageRecordError(
      `lineage record ${record.seq} of chain ${record.chainId} is ${type} but its data is malformed: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`,
    );
  }
  return { ...record, type, data: parsed.data as LineageData<T> };
}

/**
 * Every record of a type in a chain, in `seq` order, parsed.
 * @throws MalformedLineageRecordError when any of them is malformed.
 * @example
 * const executed = recordsOfType(chain, 'action.executed').map((r) => r.data.proposalId);
 */
export function recordsOfType<T extends LineageRecordType>(
  chain: readonly LineageRecord[],
  type: T,
): TypedLineageRecord<T>[] {
  return chain.filter((record) => record.type === type).map((record) => parseLineageRecord(record, type));
}

/**
 * The record as its type, when it is of that type; undefined when it is of another.
 * @throws MalformedLineageRecordError when it is of that type but malformed.
 */
export function asRecordOfType<T extends LineageRecordType>(
  record: LineageRecord | undefined,
  type: T,
): TypedLineageRecord<T> | undefined {
  return record?.type === type ? parseLineageRecord(record, type) : undefined;
}
