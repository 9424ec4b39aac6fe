/**
 * Redaction of event details before they reach the model or the lineage.
 *
 * Each field of `detail` has a data class: the spec's `data.classification`
 * entry for its path (`$.detail.customer.email`), else `data.defaultClass`.
 * Fields whose class is not in `data.modelMaySee` are replaced by
 * `[REDACTED:<class>]`, so the model and any record built from the redacted
 * detail never hold the value, yet can still see that the field exists.
 *
 * A pii or secret value written again into another text field (a customer's
 * email quoted in `reason`, in another case or spacing; a phone number with
 * other separators) is hidden there too, and that field is reported redacted.
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

  const redactedDetail = redactObject(detail, '$.detail');
  const secrets = sensitiveValues(detail, redacted);
  if (secrets.length === 0) return { detail: redactedDetail, redacted };
  // The same values, written into free text elsewhere in the event, are hidden there too.
  const maskText = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      const masked = maskSensitiveText(value, secrets);
      if (masked.text !== value) {
        redacted[path] = masked.dataClass ?? 'pii';
        return masked.text;
      }
      return value;
    }
    if (Array.isArray(value)) return value.map((item) => maskText(item, path));
    if (isPlainObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, maskText(item, `${path}.${key}`)]),
      );
    }
    return value;
  };
  return { detail: maskText(redactedDetail, '$.detail') as Record<string, unknown>, redacted };
}

/** The classes whose values are hidden wherever they appear, not only in their own field. */
const MASKED_EVERYWHERE: readonly DataClass[] = ['pii', 'secret'];

/** Shorter values are too likely to occur by chance in ordinary text to be masked there. */
const MIN_MASKED_LENGTH = 5;

/** A value to hide in free text, with the pattern that finds it in its normalized forms. */
interface SensitiveValue {
  readonly dataClass: DataClass;
  readonly pattern: RegExp;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The pattern that finds `value` in text however it is written there: an
 * email in any case and with spaces around `@` and `.`; a phone number by
 * its digits, whatever separators (spaces, dashes, dots, brackets) stand
 * between them, with or without its country code; any other text in any case
 * and with any run of whitespace for a space.
 */
function sensitivePattern(value: string): RegExp | undefined {
  const trimmed = value.trim();
  if (trimmed.length < MIN_MASKED_LENGTH) return undefined;
  const digits = trimmed.replace(/\D/g, '');
  if (/^[+\d\s().-]+$/.test(trimmed) && digits.length >= 7) {
    // The national number (the last ten digits, or all of them when fewer) must appear; a country code may precede it.
    const national = digits.slice(-10);
    const prefix = digits.slice(0, digits.length - national.length);
    const sep = '[\\s().+-]*';
    const body = [...national].join(sep);
    const code = prefix ? `(?:\\+?${[...prefix].join(sep)}${sep})?` : '';
    return new RegExp(`(?<!\\d)${code}${body}(?!\\d)`, 'g');
  }
  if (trimmed.includes('@')) {
    const parts = trimmed
      .split(/([@.])/)
      .map((part) => (part === '@' || part === '.' ? `\\s*${escapeRegExp(part)}\\s*` : escapeRegExp(part)));
    return new RegExp(parts.join(''), 'gi');
  }
  return new RegExp(trimmed.split(/\s+/).map(escapeRegExp).join('\\s+'), 'gi');
}

/** The string values of the detail's redacted pii and secret fields. */
function sensitiveValues(
  detail: Readonly<Record<string, unknown>>,
  redacted: Readonly<Record<string, DataClass>>,
): SensitiveValue[] {
  const values: SensitiveValue[] = [];
  const collect = (value: unknown, dataClass: DataClass): void => {
    if (typeof value === 'string') {
      const pattern = sensitivePattern(value);
      if (pattern) values.push({ dataClass, pattern });
    } else if (Array.isArray(value)) {
      for (const item of value) collect(item, dataClass);
    } else if (isPlainObject(value)) for (const item of Object.values(value)) collect(item, dataClass);
  };
  for (const [path, dataClass] of Object.entries(redacted)) {
    if (!MASKED_EVERYWHERE.includes(dataClass)) continue;
    collect(readDetailPath(detail, path), dataClass);
  }
  return values;
}

/** Reads `$.detail.a.b` from a detail, walking arrays item by item (all matches, flattened). */
function readDetailPath(detail: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown[] = [detail];
  for (const member of path.split('.').slice(2)) {
    current = current.flatMap((item) => {
      const items = Array.isArray(item) ? item : [item];
      return items.flatMap((entry) =>
        isPlainObject(entry) && Object.hasOwn(entry, member) ? [entry[member]] : [],
      );
    });
  }
  return current;
}

/** `text` with every occurrence of a sensitive value replaced by its placeholder. */
function maskSensitiveText(
  text: string,
  secrets: readonly SensitiveValue[],
): { text: string; dataClass?: DataClass } {
  let masked = text;
  let dataClass: DataClass | undefined;
  for (const secret of secrets) {
    const next = masked.replace(secret.pattern, redactedPlaceholder(secret.dataClass));
    if (next !== masked) dataClass = dataClass === 'secret' ? dataClass : secret.dataClass;
    masked = next;
  }
  return dataClass === undefined ? { text } : { text: masked, dataClass };
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
