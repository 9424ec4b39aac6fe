/**
 * The first implementation of canonical JSON (`core/canonical-json.ts` before
 * it was made fast), kept as the specification the fast one is held
 * byte-for-byte equal to: every lineage hash and checkpoint signature already
 * made was made over its output, so the fast serializer may never differ
 * from it, not even in an error message.
 */

/**
 * Serializes a JSON-compatible value canonically, as the lineage's first records were hashed.
 * @throws TypeError naming the path of a value JSON cannot represent.
 */
export function referenceCanonicalJson(value: unknown): string {
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
