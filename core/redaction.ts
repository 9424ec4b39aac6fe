/**
 * Redaction of event details before they reach the model or the lineage.
 *
 * Each field of `detail` has a data class: the spec's `data.classification`
 * entry for its path (`$.detail.customer.email`), else `data.defaultClass`.
 * Fields whose class is not in `data.modelMaySee` are replaced by
 * `[REDACTED:<class>]`, so the model and any record built from the redacted
 * detail never hold the value, yet can still see that the field exists.
 */
import { AwfError } from './errors.js';
import type { DataClass, WorkflowSpec } from './workflow/spec.js';

/** What redaction needs from a spec. */
export type RedactionSpec = Pick<WorkflowSpec, 'data'>;

/** The result of redacting a detail, with a note of what was hidden. */
export interface RedactionReport {
  /** A copy of the detail with every field the model may not see replaced. */
  readonly detail: Record<string, unknown>;
  /** Path of each redacted field and its class, e.g. `{ "$.detail.customerEmail": "pii" }`. */
  readonly redacted: Readonly<Record<string, DataClass>>;
}

/** The placeholder that replaces a redacted value. */
export function redactedPlaceholder(dataClass: DataClass): string {
  return `[REDACTED:${dataClass}]`;
}

const MEMBER_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_-]*)+$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a member path such as `$.detail.orderId` from an event.
 *
 * @returns the value, or undefined when a member on the way is missing or not an object.
 * @throws AwfError naming the path when it is not a `$.a.b` member path.
 */
export function readEventPath(event: unknown, path: string): unknown {
  if (!MEMBER_PATH.test(path)) {
    throw new AwfError(`expected a JSONPath of member names such as "$.detail.orderId", got "${path}"`);
  }
  let current: unknown = event;
  for (const member of path.slice(2).split('.')) {
    if (!isPlainObject(current) || !Object.hasOwn(current, member)) return undefined;
    current = current[member];
  }
  return current;
}

/**
 * The data class of the event field at `path` (`$.detail.customer.id`), as
 * redaction treats it: an entry on an object classifies the whole object, so
 * the outermost entry on the path wins over any entry inside it; a path with
 * no entry on it has `data.defaultClass`.
 */
export function dataClassOf(spec: RedactionSpec, path: string): DataClass {
  const { classification, defaultClass } = spec.data;
  let prefix = '$';
  for (const name of path.split('.').slice(1)) {
    prefix = `${prefix}.${name}`;
    const declared = classification[prefix];
    if (declared !== undefined) return declared;
  }
  return defaultClass;
}

/**
 * Redacts a detail and reports which fields were hidden.
 *
 * A classification entry on an object field classifies the whole object; an
 * object without its own entry is walked, each member classified by its own
 * path. Arrays of objects are walked item by item with the array's path (the
 * members of `$.detail.items` are `$.detail.items.sku`, for every item).
 */
export function redactDetailWithReport(
  spec: RedactionSpec,
  detail: Readonly<Record<string, unknown>>,
): RedactionReport {
  const { classification, defaultClass, modelMaySee } = spec.data;
  const visible = new Set<DataClass>(modelMaySee);
  const redacted: Record<string, DataClass> = {};

  const redactValue = (value: unknown, path: string): unknown => {
    const declared = classification[path];
    if (declared === undefined) {
      if (isPlainObject(value)) return redactObject(value, path);
      if (Array.isArray(value) && value.some(isPlainObject)) {
        return value.map((item) =>
          isPlainObject(item) ? redactObject(item, path) : redactValue(item, path),
        );
      }
    }
    const dataClass = declared ?? defaultClass;
    if (visible.has(dataClass)) return value;
    redacted[path] = dataClass;
    return redactedPlaceholder(dataClass);
  };

  const redactObject = (object: Readonly<Record<string, unknown>>, path: string): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(object).map(([key, value]) => [key, redactValue(value, `${path}.${key}`)]),
    );

  return { detail: redactObject(detail, '$.detail'), redacted };
}

/**
 * A copy of `detail` where every field whose class the model may not see is
 * replaced by `[REDACTED:<class>]`.
 *
 * @example
 * redactDetail(spec, { orderId: 'ord_1', customerEmail: 'a@b.example' })
 * // { orderId: 'ord_1', customerEmail: '[REDACTED:pii]' }
 */
export function redactDetail(
  spec: RedactionSpec,
  detail: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return redactDetailWithReport(spec, detail).detail;
}
