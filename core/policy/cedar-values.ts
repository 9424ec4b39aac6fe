/**
 * Converts JavaScript values to Cedar's JSON value form, guided by the Cedar
 * type the schema declares for them.
 *
 * Conversion never rounds and never guesses: a value that does not fit its
 * declared type exactly is a {@link PolicyInputError} naming the path and the
 * value, and the gate turns that into a DENY.
 */
import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import {
  CEDAR_DATETIME,
  CEDAR_DECIMAL,
  type CedarAttributeType,
  type CedarRecordType,
  type CedarType,
} from './cedar-types.js';
import { PolicyInputError } from './errors.js';

/** Cedar decimals are 64-bit integers scaled by 10^4. */
const DECIMAL_SCALE_DIGITS = 4;
const DECIMAL_MIN_SCALED = -(2n ** 63n);
const DECIMAL_MAX_SCALED = 2n ** 63n - 1n;
/** The shortest round-trip form of a finite number without an exponent. */
const PLAIN_NUMBER = /^(-?)(\d+)(?:\.(\d+))?$/;

/** A Cedar `decimal` value in Cedar's JSON form. */
export interface CedarDecimalJson {
  readonly __extn: { readonly fn: typeof CEDAR_DECIMAL; readonly arg: string };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/**
 * Converts a number to a Cedar decimal exactly.
 *
 * The number's shortest round-trip form (what `String(n)` prints, so `45.5`
 * for 45.5) is used as is: a value with more than four fractional digits,
 * including binary artefacts such as `0.1 + 0.2`, is rejected rather than
 * rounded, because a policy threshold compared against a rounded amount is a
 * different decision from the one the model proposed.
 *
 * @param path - where the value sits, for the error message.
 * @throws PolicyInputError when the value is not a finite number, has more than
 *   four fractional digits, or lies outside Cedar's decimal range.
 */
export function toCedarDecimal(value: unknown, path: string): CedarDecimalJson {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new PolicyInputError(
      `${path}: expected a finite number for a Cedar decimal, got ${describe(value)}`,
    );
  }
  const printed = String(value);
  const match = PLAIN_NUMBER.exec(printed);
  // An exponent form means |value| >= 1e21 (out of range) or a nonzero |value| < 1e-6 (too many digits).
  if (!match) {
    throw new PolicyInputError(
      Math.abs(value) >= 1
        ? `${path}: expected a value within Cedar's decimal range, got ${printed}`
        : `${path}: expected a decimal with at most ${DECIMAL_SCALE_DIGITS} fractional digits, got ${printed}`,
    );
  }
  const [, sign = '', whole = '0', fraction = ''] = match;
  if (fraction.length > DECIMAL_SCALE_DIGITS) {
    throw new PolicyInputError(
      `${path}: expected a decimal with at most ${DECIMAL_SCALE_DIGITS} fractional digits, got ${printed}`,
    );
  }
  const scaled = BigInt(`${sign}${whole}${fraction.padEnd(DECIMAL_SCALE_DIGITS, '0')}`);
  if (scaled < DECIMAL_MIN_SCALED || scaled > DECIMAL_MAX_SCALED) {
    throw new PolicyInputError(`${path}: expected a value within Cedar's decimal range, got ${printed}`);
  }
  return { __extn: { fn: CEDAR_DECIMAL, arg: `${sign}${whole}.${fraction === '' ? '0' : fraction}` } };
}

/** Cedar's JSON form of a `datetime` value. */
export interface CedarDatetimeJson {
  readonly __extn: { readonly fn: typeof CEDAR_DATETIME; readonly arg: string };
}

/**
 * Converts an instant (a Date, or an ISO-8601 string in UTC with a `Z`) to a
 * Cedar datetime, at millisecond precision.
 * @throws PolicyInputError naming the path when the value is not a valid instant.
 */
export function toCedarDatetime(value: unknown, path: string): CedarDatetimeJson {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new PolicyInputError(
      `${path}: expected an instant (a date or an ISO-8601 time), got ${describe(value)}`,
    );
  }
  return { __extn: { fn: CEDAR_DATETIME, arg: date.toISOString() } };
}

/**
 * Converts a value to Cedar's JSON form according to its declared Cedar type.
 *
 * Record attributes the type does not declare are left out: a policy cannot
 * refer to them (strict validation rejects it), and Cedar would refuse the
 * whole request because of them.
 *
 * @param path - where the value sits (`context.input.amount`), for error messages.
 * @throws PolicyInputError naming the path, what was expected and the value.
 */
export function toCedarValue(type: CedarType, value: unknown, path: string): CedarValueJson {
  switch (type.type) {
    case 'String':
      if (typeof value === 'string') return value;
      throw new PolicyInputError(`${path}: expected a string, got ${describe(value)}`);
    case 'Long':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      throw new PolicyInputError(`${path}: expected an integer, got ${describe(value)}`);
    case 'Boolean':
      if (typeof value === 'boolean') return value;
      throw new PolicyInputError(`${path}: expected a boolean, got ${describe(value)}`);
    case 'Extension':
      return type.name === CEDAR_DATETIME ? toCedarDatetime(value, path) : toCedarDecimal(value, path);
    case 'Set':
      if (!Array.isArray(value))
        throw new PolicyInputError(`${path}: expected an array, got ${describe(value)}`);
      return value.map((item: unknown, i) => toCedarValue(type.element, item, `${path}[${i}]`));
    case 'Record':
      return toCedarRecord(type, value, path);
  }
}

/**
 * Converts an object to a Cedar record of the given type.
 * @throws PolicyInputError when the value is not a plain object, a required
 *   attribute is missing, or an attribute does not fit its type.
 */
export function toCedarRecord(
  type: CedarRecordType,
  value: unknown,
  path: string,
): { [attribute: string]: CedarValueJson } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PolicyInputError(`${path}: expected an object, got ${describe(value)}`);
  }
  const fields = value as Readonly<Record<string, unknown>>;
  const record: { [attribute: string]: CedarValueJson } = {};
  for (const [name, attributeType] of Object.entries(type.attributes) as [string, CedarAttributeType][]) {
    const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (field === undefined) {
      if (attributeType.required === false) continue;
      throw new PolicyInputError(`${path}.${name}: expected a value, got none`);
    }
    record[name] = toCedarValue(attributeType, field, `${path}.${name}`);
  }
  return record;
}
