/**
 * What the local cloud asks of DynamoDB, counted: requests, write request
 * units (WRU) and read request units (RRU), by kind of request.
 *
 * A kind names the operation, the table and the kind of item, as
 * `PutItem runs EXEC#`, `Query lineage` or `TransactWriteItems runs APPROVAL#+RUN#`:
 * the item kind is the partition key's prefix up to its first `#` (the runs
 * table's `RUN#`, `EXEC#`, ...; none for the lineage table, whose partition
 * key is a run id), or the index a query reads. Stream reads (the event
 * source mappings' polling) are counted as requests of the table `streams`.
 *
 * Capacity comes from DynamoDB Local itself: it answers
 * `ReturnConsumedCapacity: 'INDEXES'` with the units of the table and of
 * each index, item sizes rounded up as DynamoDB does (1 KB per WRU, 4 KB
 * per RRU, half for an eventually consistent read). It does not double
 * transactions as DynamoDB does, so the table's part of a `TransactWriteItems`
 * or `TransactGetItems` is doubled here; index writes a transaction causes are
 * charged as ordinary writes. A refused conditional write (which DynamoDB
 * bills, and DynamoDB Local answers without capacity) is counted as a request
 * and an error, with no units.
 *
 * The meter only counts; `metering-proxy.ts` puts it in front of DynamoDB Local.
 */

/** The service prefix of DynamoDB Streams' `X-Amz-Target`. */
const STREAMS_TARGET_PREFIX = 'DynamoDBStreams_';

/** Operations whose capacity is write units; every other table operation reads. */
const WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
/** DynamoDB charges the table's part of a transaction twice. */
const TRANSACTIONAL_OPERATIONS = new Set(['TransactWriteItems', 'TransactGetItems']);

/** Whether an operation's capacity is metered: item reads and writes (not CreateTable, streams, ...). */
export function isMeteredOperation(operation: string): boolean {
  return WRITE_OPERATIONS.has(operation) || READ_OPERATIONS.has(operation);
}

/** How the meter names tables and finds their partition keys. */
export interface TableNaming {
  /** The table's partition key attribute, for item kinds; undefined: no item kinds for it. */
  partitionKeyOf(tableName: string): string | undefined;
  /** A short name for the table in kinds (`runs`, `lineage`); the table name when none. */
  labelOf(tableName: string): string;
}

/** One request as the meter names it. */
export interface MeteredRequest {
  /** `PutItem`, `Query`, `GetRecords`, ... */
  readonly operation: string;
  /** `PutItem runs EXEC#`, `Query lineage`, `GetRecords streams`, ... */
  readonly kind: string;
}

type Json = Record<string, unknown>;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The prefix of a key value up to and including its first `#` (`RUN#`), or '' when it has none. */
function itemKindOf(value: unknown): string {
  const text = isJson(value) && typeof value.S === 'string' ? value.S : undefined;
  if (text === undefined) return '';
  const hash = text.indexOf('#');
  return hash > 0 ? text.slice(0, hash + 1) : '';
}

/** The kind of item an item or key of `tableName` is (`RUN#`), '' when unknown. */
function keyKind(naming: TableNaming, tableName: string, keyOrItem: unknown): string {
  const partitionKey = naming.partitionKeyOf(tableName);
  if (partitionKey === undefined || !isJson(keyOrItem)) return '';
  return itemKindOf(keyOrItem[partitionKey]);
}

/** `runs RUN#+APPROVAL#` from the table and its item kinds (sorted, each once). */
function tableKind(naming: TableNaming, tableName: string, itemKinds: Iterable<string>): string {
  const kinds = [...new Set(itemKinds)].filter((kind) => kind !== '').sort();
  const label = naming.labelOf(tableName);
  return kinds.length === 0 ? label : `${label} ${kinds.join('+')}`;
}

/** The item kinds of a transaction's or batch's entries, per table. */
function kindsByTable(
  naming: TableNaming,
  entries: Iterable<{ readonly tableName: unknown; readonly keyOrItem: unknown }>,
): string {
  const byTable = new Map<string, string[]>();
  for (const { tableName, keyOrItem } of entries) {
    if (typeof tableName !== 'string') continue;
    const kinds = byTable.get(tableName) ?? [];
    kinds.push(keyKind(naming, tableName, keyOrItem));
    byTable.set(tableName, kinds);
  }
  return [...byTable.entries()]
    .map(([tableName, kinds]) => tableKind(naming, tableName, kinds))
    .sort()
    .join(', ');
}

/** The entries of `TransactWriteItems` / `TransactGetItems`: each one's table and key or item. */
function transactionEntries(body: Json): { tableName: unknown; keyOrItem: unknown }[] {
  const items = Array.isArray(body.TransactItems) ? body.TransactItems : [];
  return items.flatMap((entry) => {
    if (!isJson(entry)) return [];
    const action = Object.values(entry).find(isJson);
    if (action === undefined) return [];
    return [{ tableName: action.TableName, keyOrItem: action.Key ?? action.Item }];
  });
}

/** The entries of `BatchWriteItem` / `BatchGetItem`. */
function batchEntries(body: Json): { tableName: unknown; keyOrItem: unknown }[] {
  const requestItems = isJson(body.RequestItems) ? body.RequestItems : {};
  return Object.entries(requestItems).flatMap(([tableName, requests]) => {
    // BatchGetItem: { Keys: [...] }; BatchWriteItem: [{ PutRequest: { Item } } | { DeleteRequest: { Key } }].
    if (isJson(requests) && Array.isArray(requests.Keys)) {
      return requests.Keys.map((key) => ({ tableName, keyOrItem: key }));
    }
    if (!Array.isArray(requests)) return [];
    return requests.map((request) => {
      const action = isJson(request) ? Object.values(request).find(isJson) : undefined;
      return { tableName, keyOrItem: action?.Item ?? action?.Key };
    });
  });
}

/** The item kind a Query or Scan reads: its index, or the prefix of its key condition's value. */
function queryKind(naming: TableNaming, body: Json): string {
  const tableName = String(body.TableName ?? '');
  if (typeof body.IndexName === 'string') return `${naming.labelOf(tableName)} ${body.IndexName}`;
  const values = isJson(body.ExpressionAttributeValues) ? Object.values(body.ExpressionAttributeValues) : [];
  const prefixes = body.KeyConditionExpression === undefined ? [] : values.map(itemKindOf);
  return tableKind(naming, tableName, prefixes.slice(0, 1));
}

/**
 * Names a request from its `X-Amz-Target` and JSON body.
 * @example
 * describeRequest('DynamoDB_20120810.PutItem', { TableName: 'runs-t', Item: { pk: { S: 'EXEC#k' } } }, naming)
 * // { operation: 'PutItem', kind: 'PutItem runs EXEC#' }
 */
export function describeRequest(target: string, body: unknown, naming: TableNaming): MeteredRequest {
  const operation = target.slice(target.indexOf('.') + 1) || 'unknown';
  if (target.startsWith(STREAMS_TARGET_PREFIX)) return { operation, kind: `${operation} streams` };
  const json = isJson(body) ? body : {};
  const tableName = typeof json.TableName === 'string' ? json.TableName : undefined;
  let on: string;
  switch (operation) {
    case 'TransactWriteItems':
    case 'TransactGetItems':
      on = kindsByTable(naming, transactionEntries(json));
      break;
    case 'BatchWriteItem':
    case 'BatchGetItem':
      on = kindsByTable(naming, batchEntries(json));
      break;
    case 'Query':
    case 'Scan':
      on = queryKind(naming, json);
      break;
    default:
      on =
        tableName === undefined
          ? ''
          : tableKind(naming, tableName, [keyKind(naming, tableName, json.Key ?? json.Item)]);
  }
  return { operation, kind: on === '' ? operation : `${operation} ${on}` };
}

/** The units one answer consumed, as DynamoDB would bill them. */
export interface ConsumedUnits {
  readonly writeUnits: number;
  readonly readUnits: number;
}

/**
 * The units an answer's `ConsumedCapacity` (one entry or one per table)
 * stands for: the table's part (doubled for a transaction) plus every index's.
 */
export function consumedUnits(operation: string, consumedCapacity: unknown): ConsumedUnits {
  const entries = Array.isArray(consumedCapacity) ? consumedCapacity : [consumedCapacity];
  const tableFactor = TRANSACTIONAL_OPERATIONS.has(operation) ? 2 : 1;
  let units = 0;
  for (const entry of entries) {
    if (!isJson(entry)) continue;
    const table = isJson(entry.Table) ? Number(entry.Table.CapacityUnits ?? 0) : undefined;
    const indexes = [entry.GlobalSecondaryIndexes, entry.LocalSecondaryIndexes]
      .filter(isJson)
      .flatMap((byIndex) => Object.values(byIndex))
      .reduce<number>((sum, index) => sum + (isJson(index) ? Number(index.CapacityUnits ?? 0) : 0), 0);
    // Without the per-table breakdown (ReturnConsumedCapacity TOTAL), the total is all there is.
    units += table === undefined ? Number(entry.CapacityUnits ?? 0) : table * tableFactor + indexes;
  }
  if (WRITE_OPERATIONS.has(operation)) return { writeUnits: units, readUnits: 0 };
  if (READ_OPERATIONS.has(operation)) return { writeUnits: 0, readUnits: units };
  return { writeUnits: 0, readUnits: 0 };
}

/** Counts by kind, and their total. */
export interface CountsByKind {
  readonly total: number;
  readonly byKind: Readonly<Record<string, number>>;
}

/** What the meter has counted so far. */
export interface MeterReading {
  readonly requests: CountsByKind;
  readonly writeUnits: CountsByKind;
  readonly readUnits: CountsByKind;
  /** Requests DynamoDB refused, by `<kind> <error type>` (`PutItem lineage ConditionalCheckFailedException`). */
  readonly errors: CountsByKind;
}

class Tally {
  readonly #byKind = new Map<string, number>();

  add(kind: string, amount: number): void {
    if (amount === 0) return;
    this.#byKind.set(kind, (this.#byKind.get(kind) ?? 0) + amount);
  }

  read(): CountsByKind {
    const byKind = Object.fromEntries([...this.#byKind.entries()].sort(([a], [b]) => a.localeCompare(b)));
    return { total: Object.values(byKind).reduce((sum, n) => sum + n, 0), byKind };
  }
}

/** Counts requests, write units and read units by kind (see the module's comment). */
export class DynamoDbRequestMeter {
  readonly #requests = new Tally();
  readonly #writeUnits = new Tally();
  readonly #readUnits = new Tally();
  readonly #errors = new Tally();

  /**
   * Counts one answered request.
   * @param request what {@link describeRequest} named it
   * @param answer the answer's JSON body: its `ConsumedCapacity`, or its error `__type`
   */
  count(request: MeteredRequest, answer: { readonly ok: boolean; readonly body: unknown }): void {
    this.#requests.add(request.kind, 1);
    const body = isJson(answer.body) ? answer.body : {};
    if (!answer.ok) {
      const type = String(body.__type ?? 'unknown');
      this.#errors.add(`${request.kind} ${type.slice(type.lastIndexOf('#') + 1)}`, 1);
      return;
    }
    const units = consumedUnits(request.operation, body.ConsumedCapacity);
    this.#writeUnits.add(request.kind, units.writeUnits);
    this.#readUnits.add(request.kind, units.readUnits);
  }

  /** Everything counted since the meter was made. */
  read(): MeterReading {
    return {
      requests: this.#requests.read(),
      writeUnits: this.#writeUnits.read(),
      readUnits: this.#readUnits.read(),
      errors: this.#errors.read(),
    };
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function perUnit(later: CountsByKind, earlier: CountsByKind, divisor: number): CountsByKind {
  const byKind: Record<string, number> = {};
  for (const [kind, n] of Object.entries(later.byKind)) {
    const delta = n - (earlier.byKind[kind] ?? 0);
    if (delta !== 0) byKind[kind] = round2(delta / divisor);
  }
  return { total: round2((later.total - earlier.total) / divisor), byKind };
}

/**
 * What was counted between two readings, divided by `runs` (two decimals):
 * the requests and units per run of a stretch of work.
 * @throws RangeError when `runs` is not a positive number
 */
export function readingPerRun(later: MeterReading, earlier: MeterReading, runs: number): MeterReading {
  if (!(runs > 0)) throw new RangeError(`readingPerRun: runs must be a positive number, got ${runs}`);
  return {
    requests: perUnit(later.requests, earlier.requests, runs),
    writeUnits: perUnit(later.writeUnits, earlier.writeUnits, runs),
    readUnits: perUnit(later.readUnits, earlier.readUnits, runs),
    errors: perUnit(later.errors, earlier.errors, runs),
  };
}
