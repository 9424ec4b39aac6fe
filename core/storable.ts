/**
 * What the platform's records can hold safely.
 *
 * Events and model output are untrusted input, and they end up in DynamoDB
 * items (the run, lineage records) and in hashed canonical JSON. Some values
 * would make those writes fail, or change what is stored from what was
 * judged: a key such as `constructor` (DynamoDB's marshaller takes an object
 * with it for a class instance and refuses it; `__proto__` can change an
 * object's prototype), an integer beyond 2^53 (stored as a different number,
 * or refused), nesting deeper than DynamoDB allows, a stored form beyond its
 * item size. Input holding any of these is refused where it enters, with the
 * field named, instead of failing a write later with no record of why.
 */

/** Keys that name an object's prototype machinery rather than data. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** DynamoDB nests maps and lists 32 levels deep at most. */
export const MAX_STORED_DEPTH = 32;

/**
 * The largest JSON form of a value a record may carry: DynamoDB items hold
 * 400 KB, and a run item or lineage record carries other attributes beside it.
 */
export const MAX_STORED_BYTES = 300 * 1024;

function describe(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Every reason `value` cannot be stored safely, each naming where (`detail.items[2].qty`).
 * Empty when it can.
 * @example
 * storabilityProblems({ amount: 2 ** 60 }, 'input')
 * // ['input.amount: 1152921504606846976 is beyond the integers a record can hold exactly (±9007199254740991)']
 */
export function storabilityProblems(value: unknown, root: string): string[] {
  const problems: string[] = [];
  const visit = (item: unknown, path: string, depth: number): void => {
    if (problems.length >= 20) return;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) problems.push(`${path}: ${item} is not a number a record can hold`);
      else if (Math.abs(item) > Number.MAX_SAFE_INTEGER) {
        problems.push(
          `${path}: ${item} is beyond the integers a record can hold exactly (±${Number.MAX_SAFE_INTEGER})`,
        );
      }
      return;
    }
    if (typeof item !== 'object' || item === null) return;
    if (depth >= MAX_STORED_DEPTH) {
      problems.push(`${path}: nested deeper than the ${MAX_STORED_DEPTH} levels a record can hold`);
      return;
    }
    if (Array.isArray(item)) {
      item.forEach((element, index) => {
        visit(element, `${path}[${index}]`, depth + 1);
      });
      return;
    }
    for (const key of Object.keys(item)) {
      const where = describe(path, key);
      if (PROTOTYPE_KEYS.has(key)) {
        problems.push(`${where}: the key "${key}" is not allowed (it names an object's prototype, not data)`);
        continue;
      }
      visit((item as Record<string, unknown>)[key], where, depth + 1);
    }
  };
  visit(value, root, 0);
  if (problems.length === 0) {
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
    if (bytes > MAX_STORED_BYTES) {
      problems.push(`${root}: ${bytes} bytes is more than the ${MAX_STORED_BYTES} bytes a record may carry`);
    }
  }
  return problems;
}
