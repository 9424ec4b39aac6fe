/**
 * Reading a run's own lineage back: steps that may be retried check what they
 * already recorded, and Act checks a proposal against what Plan recorded.
 */
import type { LineageRecord, LineageRecordType, LineageStore } from '../lineage/record.js';

/**
 * The first record of a chain with the given type whose `data` satisfies `match`.
 * Chains hold one run's records (tens, not thousands), so a full read is cheap.
 */
export async function findLineageRecord(
  store: Pick<LineageStore, 'chain'>,
  chainId: string,
  type: LineageRecordType,
  match: (data: Readonly<Record<string, unknown>>) => boolean,
): Promise<LineageRecord | undefined> {
  const records = await store.chain(chainId);
  return records.find((record) => record.type === type && match(record.data));
}
