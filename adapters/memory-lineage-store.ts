/**
 * The lineage store kept in memory, with the conditional semantics of the
 * DynamoDB adapter: for `awf packs test`, which runs a pack's examples without
 * a table, and for tests. It passes the same contract as the DynamoDB adapter.
 *
 * Values are copied on the way in and out (as a round trip through DynamoDB
 * would), and every call yields once so concurrent callers interleave between
 * a read and the conditional write that follows it, as they do against a table.
 */
import type { LineageRecord, LineageRecordType, LineageStore } from '../core/lineage/record.js';

/** Lets other pending calls run, as the network round trip to a table would. */
const yieldOnce = (): Promise<void> => Promise.resolve();

const copy = <T>(value: T): T => structuredClone(value);

/** LineageStore kept in memory: `putIfAbsent` refuses an existing `(chainId, seq)`. */
export class InMemoryLineageStore implements LineageStore {
  private readonly chains = new Map<string, Map<number, LineageRecord>>();
  /** How many puts lost the race (found their `seq` taken); shows that appends retried. */
  conflicts = 0;

  async head(chainId: string): Promise<LineageRecord | undefined> {
    await yieldOnce();
    const records = this.chains.get(chainId);
    if (!records || records.size === 0) return undefined;
    const top = Math.max(...records.keys());
    return copy(records.get(top));
  }

  async putIfAbsent(record: LineageRecord): Promise<boolean> {
    await yieldOnce();
    let records = this.chains.get(record.chainId);
    if (!records) {
      records = new Map();
      this.chains.set(record.chainId, records);
    }
    if (records.has(record.seq)) {
      this.conflicts++;
      return false;
    }
    records.set(record.seq, copy(record));
    return true;
  }

  async chain(chainId: string): Promise<LineageRecord[]> {
    await yieldOnce();
    return this.recordsOf(chainId);
  }

  /** Every record of a chain in `seq` order, without yielding (for assertions). */
  recordsOf(chainId: string): LineageRecord[] {
    const records = this.chains.get(chainId);
    if (!records) return [];
    return [...records.values()].sort((a, b) => a.seq - b.seq).map(copy);
  }

  /** Every record of every chain. */
  all(): LineageRecord[] {
    return [...this.chains.keys()].flatMap((chainId) => this.recordsOf(chainId));
  }

  /** Records of one type across all chains (or one chain). */
  ofType(type: LineageRecordType, chainId?: string): LineageRecord[] {
    const records = chainId === undefined ? this.all() : this.recordsOf(chainId);
    return records.filter((record) => record.type === type);
  }

  /** Overwrites a stored record as it is; for subclasses that simulate tampering with the table. */
  protected replace(record: LineageRecord): void {
    this.chains.get(record.chainId)?.set(record.seq, copy(record));
  }
}
