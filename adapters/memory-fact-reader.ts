/**
 * An in-memory stand-in for the customer tables grounding facts read: for the
 * pack runner (`awf packs test`) and tests. Items are kept per table name (an
 * ARN is read by its table name, as the local cloud does).
 */
import { canonicalJson } from '../core/canonical-json.js';
import type { FactReader } from '../core/ports.js';

/** The table name of a table reference (a name, or the last part of a table ARN). */
export function tableNameOf(table: string): string {
  const marker = ':table/';
  const at = table.indexOf(marker);
  return at === -1 ? table : table.slice(at + marker.length);
}

/** Items by table, looked up by their key attributes. */
export class InMemoryFactReader implements FactReader {
  private readonly tables = new Map<string, Record<string, unknown>[]>();
  /** Tables whose reads fail, to prove a fact that cannot be read is a DENY. */
  private readonly failing = new Map<string, Error>();

  /** Adds items to a table (created on first use). */
  seed(table: string, items: readonly Readonly<Record<string, unknown>>[]): this {
    const name = tableNameOf(table);
    const list = this.tables.get(name) ?? [];
    list.push(...items.map((item) => structuredClone(item) as Record<string, unknown>));
    this.tables.set(name, list);
    return this;
  }

  /** Makes every read of `table` reject with `error` until `heal` is called. */
  failReadsOf(table: string, error: Error): this {
    this.failing.set(tableNameOf(table), error);
    return this;
  }

  heal(table: string): this {
    this.failing.delete(tableNameOf(table));
    return this;
  }

  async getItem(
    table: string,
    key: Readonly<Record<string, string | number>>,
  ): Promise<Readonly<Record<string, unknown>> | undefined> {
    const name = tableNameOf(table);
    const failure = this.failing.get(name);
    if (failure) throw failure;
    const items = this.tables.get(name) ?? [];
    const found = items.find((item) =>
      Object.entries(key).every(
        ([attribute, value]) => canonicalJson(item[attribute]) === canonicalJson(value),
      ),
    );
    return found === undefined ? undefined : structuredClone(found);
  }
}
