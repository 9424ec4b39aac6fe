/**
 * Canonical JSON: one byte sequence per value, so hashes of equal values are equal.
 *
 * Object keys are sorted by UTF-16 code units, there is no whitespace, numbers
 * use ECMAScript's shortest round-trip form (as RFC 8785 does), and `undefined`
 * object members are dropped (as `JSON.stringify` and DynamoDB's marshaller do).
 */

/**
 * Serializes a JSON-compatible value canonically.
 * @throws TypeError naming the path of a value JSON cannot represent
 *   (a non-finite number, a bigint, a function, a symbol).
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '$');
}

function serialize(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize ${value} at ${path}`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => (item === undefined ? 'null' : serialize(item, `${path}[${i}]`))).join(',')}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v, `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`cannot canonicalize a ${typeof value} at ${path}`);
  }
}
