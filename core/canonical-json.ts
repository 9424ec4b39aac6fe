/**
 * Canonical JSON: one byte sequence per value, so hashes of equal values are equal.
 *
 * Object keys are sorted by UTF-16 code units, there is no whitespace, numbers
 * use ECMAScript's shortest round-trip form (as RFC 8785 does), and `undefined`
 * object members are dropped (as `JSON.stringify` and DynamoDB's marshaller do).
 *
 * Every lineage record is hashed over this serialization, and an auditor
 * serializes every record again, so it is written for speed: one string built
 * by concatenation, no intermediate entry arrays, and the path of a bad value
 * assembled only when one is found. Its output, errors included, is held
 * byte-for-byte equal to the first, plainer implementation by a property test
 * (`test/unit/canonical-json.test.ts`): hashes already made must still verify.
 */

/**
 * Characters `JSON.stringify` escapes in a string: `"`, `\`, controls, and
 * (lone) surrogates. A string without any is quoted as it is; one with any
 * is left to `JSON.stringify`, whose escapes canonical JSON uses.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A value JSON cannot represent, found below the top; the path is collected on the way up. */
class Unrepresentable {
  /** Path segments (`.key`, `[index]`), innermost first. */
  readonly segments: string[] = [];
  constructor(readonly what: string) {}
}

/**
 * Serializes a JSON-compatible value canonically.
 * @throws TypeError naming the path of a value JSON cannot represent
 *   (a non-finite number, a bigint, a function, a symbol).
 */
export function canonicalJson(value: unknown): string {
  try {
    return serialize(value);
  } catch (error) {
    throw located(error);
  }
}

/**
 * The canonical JSON of an object without some of its own members, as if
 * they were absent: what a lineage record's hash is made over (every member
 * but `hash` and `mac`), without copying the record first.
 * @throws TypeError naming the path of a value JSON cannot represent.
 * @example
 * const text = canonicalJsonWithout(record, OMITTED); // OMITTED = new Set(['hash', 'mac'])
 */
export function canonicalJsonWithout(object: object, omitted: ReadonlySet<string>): string {
  try {
    return serializeObject(object as Record<string, unknown>, omitted);
  } catch (error) {
    throw located(error);
  }
}

/** The TypeError a value JSON cannot represent is reported with, naming its path; other errors as they are. */
function located(error: unknown): unknown {
  return error instanceof Unrepresentable
    ? new TypeError(`${error.what} at $${error.segments.reverse().join('')}`)
    : error;
}

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function serialize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Unrepresentable(`cannot canonicalize ${value}`);
      // JSON.stringify of a finite number is its ToString: shortest round trip, -0 as 0.
      return String(value);
    case 'object':
      if (Array.isArray(value)) return serializeArray(value);
      if (value instanceof Date) return quote(value.toISOString());
      return serializeObject(value as Record<string, unknown>);
    default:
      throw new Unrepresentable(`cannot canonicalize a ${typeof value}`);
  }
}

function serializeArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    const item = items[i];
    if (item === undefined) {
      // The first implementation mapped the array: a hole stayed empty, an undefined item became null.
      if (i in items) out += 'null';
      continue;
    }
    try {
      out += serialize(item);
    } catch (error) {
      if (error instanceof Unrepresentable) error.segments.push(`[${i}]`);
      throw error;
    }
  }
  return `${out}]`;
}

/** Below this many keys an insertion sort beats `Array.prototype.sort` (records have about a dozen). */
const INSERTION_SORT_MAX = 16;

/** Sorts keys in place by UTF-16 code units, as canonical JSON orders them (and as the default sort does). */
function sortKeys(keys: string[]): string[] {
  if (keys.length > INSERTION_SORT_MAX) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

function serializeObject(object: Record<string, unknown>, omitted?: ReadonlySet<string>): string {
  const keys = sortKeys(Object.keys(object));
  let out = '{';
  let first = true;
  for (const key of keys) {
    if (omitted?.has(key)) continue;
    const member = object[key];
    if (member === undefined) continue;
    let text: string;
    try {
      text = serialize(member);
    } catch (error) {
      if (error instanceof Unrepresentable) error.segments.push(`.${key}`);
      throw error;
    }
    out += first ? `${quote(key)}:${text}` : `,${quote(key)}:${text}`;
    first = false;
  }
  return `${out}}`;
}
