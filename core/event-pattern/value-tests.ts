/**
 * Turns the parsed entries of a pattern field into one test of an event value.
 *
 * The entries of a field's array are alternatives: a value matches the field if
 * any entry accepts it. Type matters as it does in EventBridge: `"5"` is not
 * `5`; string filters (prefix, suffix, wildcard, equals-ignore-case, cidr)
 * accept strings only; `numeric` accepts JSON numbers only. `anything-but`
 * accepts every value that is not one it names, so `{"anything-but": "x"}`
 * accepts `5` and `null`, and `{"anything-but": {"prefix": "x"}}` accepts any
 * non-string. `exists: false` is not a value test at all: it is the absence of
 * the field, which the matcher decides.
 */
import { foldPattern, matchesFolded } from './case-folding.js';
import { isInRange, parseIpAddress } from './ip-address.js';
import { toMicros } from './numeric.js';
import type { NumericBound, ParsedValue, ValueFilter } from './pattern-tree.js';
import type { ExactValue } from './types.js';
import { matchesWildcard } from './wildcard.js';

/** A value an event field can hold at a leaf: objects and arrays are not leaves. */
export type LeafValue = ExactValue;

/** Decides whether one leaf value satisfies a filter. */
export type ValueTest = (value: LeafValue) => boolean;

/** What a pattern field asks of the event field at its path. */
export interface FieldTest {
  /** Accepts a present value; `undefined` when only absence can satisfy the field. */
  readonly test: ValueTest | undefined;
  /** Whether the field is also satisfied when the event has no value at its path (`exists: false`). */
  readonly matchesAbsence: boolean;
}

function lowerBoundHolds(bound: NumericBound | undefined, micros: number): boolean {
  if (bound === undefined) return true;
  return bound.inclusive ? micros >= bound.micros : micros > bound.micros;
}

function upperBoundHolds(bound: NumericBound | undefined, micros: number): boolean {
  if (bound === undefined) return true;
  return bound.inclusive ? micros <= bound.micros : micros < bound.micros;
}

function exactTest(expected: ExactValue): ValueTest {
  if (typeof expected === 'number') {
    const expectedMicros = toMicros(expected);
    // EventBridge compares in-range numbers at six decimals and others by value.
    return (value) =>
      typeof value === 'number' &&
      (value === expected || (expectedMicros !== undefined && toMicros(value) === expectedMicros));
  }
  if (typeof expected === 'string') {
    const address = parseIpAddress(expected);
    if (address !== undefined) {
      // An exact address matches the same address however the event spells it.
      return (value) => {
        if (value === expected) return true;
        if (typeof value !== 'string') return false;
        const actual = parseIpAddress(value);
        return actual !== undefined && actual.version === address.version && actual.value === address.value;
      };
    }
  }
  return (value) => value === expected;
}

/** Compiles one filter other than `exists: false`. */
function compileFilter(filter: ValueFilter): ValueTest {
  switch (filter.kind) {
    case 'exact':
      return exactTest(filter.value);
    case 'prefix': {
      if (!filter.ignoreCase) return (value) => typeof value === 'string' && value.startsWith(filter.text);
      const folded = foldPattern(filter.text);
      return (value) => typeof value === 'string' && matchesFolded(folded, value, 'prefix');
    }
    case 'suffix': {
      if (!filter.ignoreCase) return (value) => typeof value === 'string' && value.endsWith(filter.text);
      const folded = foldPattern(filter.text);
      return (value) => typeof value === 'string' && matchesFolded(folded, value, 'suffix');
    }
    case 'equals-ignore-case': {
      const folded = foldPattern(filter.text);
      return (value) => typeof value === 'string' && matchesFolded(folded, value, 'equals');
    }
    case 'wildcard':
      return (value) => typeof value === 'string' && matchesWildcard(filter.glob, value);
    case 'numeric':
      return (value) => {
        if (typeof value !== 'number') return false;
        const micros = toMicros(value);
        return (
          micros !== undefined &&
          lowerBoundHolds(filter.lower, micros) &&
          upperBoundHolds(filter.upper, micros)
        );
      };
    case 'exists':
      // exists: true accepts any present value, null included; exists: false never reaches here.
      return () => filter.present;
    case 'cidr':
      return (value) => {
        if (typeof value !== 'string') return false;
        const address = parseIpAddress(value);
        return address !== undefined && isInRange(filter.range, address);
      };
    case 'anything-but': {
      const strings = new Set(filter.strings);
      const micros = new Set(filter.micros);
      return (value) => {
        if (typeof value === 'string') return !strings.has(value);
        if (typeof value === 'number') {
          const valueMicros = toMicros(value);
          return valueMicros === undefined || !micros.has(valueMicros);
        }
        return true;
      };
    }
    case 'anything-but-prefix':
      return (value) => typeof value !== 'string' || !value.startsWith(filter.text);
    case 'anything-but-suffix':
      return (value) => typeof value !== 'string' || !value.endsWith(filter.text);
    case 'anything-but-ignore-case': {
      const folded = filter.texts.map(foldPattern);
      return (value) =>
        typeof value !== 'string' || !folded.some((text) => matchesFolded(text, value, 'equals'));
    }
    case 'anything-but-wildcard':
      return (value) =>
        typeof value !== 'string' || !filter.globs.some((glob) => matchesWildcard(glob, value));
  }
}

/** Compiles the entries of one pattern field into a single test. */
export function compileFieldTest(values: readonly ParsedValue[]): FieldTest {
  const exactStrings = new Set<string>();
  const tests: ValueTest[] = [];
  let matchesAbsence = false;
  for (const { filter } of values) {
    if (filter.kind === 'exists' && !filter.present) {
      matchesAbsence = true;
    } else if (
      filter.kind === 'exact' &&
      typeof filter.value === 'string' &&
      parseIpAddress(filter.value) === undefined
    ) {
      // Plain strings are the common case; one set lookup replaces a test per value.
      exactStrings.add(filter.value);
    } else {
      tests.push(compileFilter(filter));
    }
  }
  if (exactStrings.size > 0) tests.unshift((value) => typeof value === 'string' && exactStrings.has(value));
  return { test: anyOf(tests), matchesAbsence };
}

function anyOf(tests: readonly ValueTest[]): ValueTest | undefined {
  const [only] = tests;
  if (tests.length <= 1) return only;
  return (value) => {
    for (const test of tests) if (test(value)) return true;
    return false;
  };
}
