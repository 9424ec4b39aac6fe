/**
 * Invariants of the matcher, checked over generated patterns and events.
 */
import fc from 'fast-check';
import {
  compilePattern,
  type EventPattern,
  matchesPattern,
  type PatternValue,
  validatePattern,
} from '../../../core/event-pattern/index.js';

type PatternField = EventPattern[string];

/** A pattern field that every value at this place of the event satisfies, or undefined if none can be built. */
function patternFrom(value: unknown): PatternField | undefined {
  if (Array.isArray(value)) {
    // Values taken from one element only, so the pattern never mixes array elements.
    for (const element of value) {
      const field = patternFrom(element);
      if (field !== undefined) return field;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) return objectPatternFrom(value);
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return [value];
  }
  return undefined;
}

function objectPatternFrom(value: object): EventPattern | undefined {
  const fields = Object.entries(value)
    .filter(([name]) => name !== '$or')
    .map(([name, inner]) => [name, patternFrom(inner)] as const)
    .filter((entry): entry is readonly [string, PatternField] => entry[1] !== undefined);
  return fields.length === 0 ? undefined : Object.fromEntries(fields);
}

/** The same JSON value with every array reversed. */
function reverseArrays(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseArrays).reverse();
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reverseArrays(v)]));
  }
  return value;
}

const events = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 }));

/** Strings that cannot be read as IP addresses, whose exact match also compares addresses. */
const plainStrings = fc.string().filter((s) => !s.includes(':') && !s.includes('.'));
const comparableNumbers = fc.double({ min: -5e9, max: 5e9, noNaN: true });
const asciiStrings = fc.string({ unit: 'grapheme-ascii' });

function matchesField(values: readonly PatternValue[], value: unknown): boolean {
  return matchesPattern({ field: values }, { field: value });
}

function escapeWildcard(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('*', '\\*');
}

describe('event-pattern invariants', () => {
  it('a pattern built from an event’s own values matches that event', () => {
    fc.assert(
      fc.property(events, (event) => {
        const pattern = objectPatternFrom(event);
        fc.pre(pattern !== undefined);
        expect(matchesPattern(pattern ?? {}, event)).toBe(true);
      }),
    );
  });

  it('the order of elements in event arrays never changes the outcome', () => {
    fc.assert(
      fc.property(events, events, (event, other) => {
        const pattern = objectPatternFrom(other);
        fc.pre(pattern !== undefined);
        const matches = compilePattern(pattern);
        expect(matches(reverseArrays(event))).toBe(matches(event));
      }),
    );
  });

  it('validating a valid pattern gives it back unchanged, and again when validated twice', () => {
    fc.assert(
      fc.property(events, (event) => {
        const pattern = objectPatternFrom(event);
        fc.pre(pattern !== undefined);
        const validated = validatePattern(pattern);
        expect(validated).toEqual(pattern);
        expect(validatePattern(validated)).toEqual(validated);
      }),
    );
  });

  it('anything-but [v] never matches a field holding only v', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), comparableNumbers), fc.integer({ min: 1, max: 3 }), (v, copies) => {
        // Narrowed apart so the list holds one type, as the grammar requires.
        const operand = typeof v === 'string' ? [v] : [v];
        expect(matchesField([{ 'anything-but': operand }], v)).toBe(false);
        expect(
          matchesField(
            [{ 'anything-but': operand }],
            Array.from({ length: copies }, () => v),
          ),
        ).toBe(false);
      }),
    );
  });

  it('an exact value and anything-but of it disagree on every single value', () => {
    const scalars = fc.oneof(
      plainStrings,
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(fc.oneof(plainStrings, comparableNumbers), scalars, (v, w) => {
        expect(matchesField([v], w)).toBe(!matchesField([{ 'anything-but': v }], w));
      }),
    );
  });

  it('prefix, suffix and equals-ignore-case agree with string operations', () => {
    fc.assert(
      fc.property(asciiStrings, asciiStrings, (s, t) => {
        expect(matchesField([{ prefix: s }], t)).toBe(t.startsWith(s));
        expect(matchesField([{ suffix: s }], t)).toBe(t.endsWith(s));
        expect(matchesField([{ prefix: s }], s + t)).toBe(true);
        expect(matchesField([{ suffix: s }], t + s)).toBe(true);
        expect(matchesField([{ 'equals-ignore-case': s }], s.toUpperCase())).toBe(true);
        expect(matchesField([{ prefix: { 'equals-ignore-case': s } }], (s + t).toLowerCase())).toBe(true);
        if (s !== '') expect(matchesField([{ 'anything-but': { prefix: s } }], t)).toBe(!t.startsWith(s));
      }),
    );
  });

  it('a wildcard with its stars escaped matches only its literal text', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (s, t) => {
        expect(matchesField([{ wildcard: escapeWildcard(s) }], t)).toBe(t === s);
        expect(matchesField([{ wildcard: escapeWildcard(s) }], s)).toBe(true);
      }),
    );
  });

  it('a wildcard agrees with the equivalent anchored regular expression', () => {
    const piece = fc.stringMatching(/^[ab.]{0,3}$/);
    const globs = fc
      .array(piece, { minLength: 1, maxLength: 4 })
      .filter((pieces) => pieces.slice(1, -1).every((p) => p !== ''));
    fc.assert(
      fc.property(globs, fc.stringMatching(/^[ab.]{0,8}$/), (pieces, text) => {
        const source = pieces.map((p) => p.replaceAll('.', '\\.')).join('.*');
        const oracle = new RegExp(`^${source}$`, 's');
        expect(matchesField([{ wildcard: pieces.join('*') }], text)).toBe(oracle.test(text));
      }),
    );
  });

  it('a numeric range holds exactly the numbers between its bounds', () => {
    const bound = fc.integer({ min: -1000, max: 1000 });
    fc.assert(
      fc.property(bound, bound, fc.integer({ min: -1100, max: 1100 }), (a, b, x) => {
        fc.pre(a < b);
        expect(matchesField([{ numeric: ['>=', a, '<', b] }], x)).toBe(a <= x && x < b);
        expect(matchesField([{ numeric: ['>', a, '<=', b] }], x)).toBe(a < x && x <= b);
        expect(matchesField([{ numeric: ['=', a] }], x)).toBe(a === x);
      }),
    );
  });

  it('a CIDR block holds its own address and not one differing in a network bit', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 31 }), (address, mask) => {
        expect(matchesField([{ cidr: `${address}/${mask}` }], address)).toBe(true);
        const octets = address.split('.').map(Number);
        const value = octets.reduce((n, octet) => n * 256 + octet, 0);
        const flipped = (value ^ (1 << (32 - mask))) >>> 0;
        const other = [24, 16, 8, 0].map((shift) => (flipped >>> shift) & 255).join('.');
        expect(matchesField([{ cidr: `${address}/${mask}` }], other)).toBe(false);
      }),
    );
  });

  it('$or matches exactly when one of its alternatives does', () => {
    const small = fc.constantFrom('x', 'y', 1, null);
    const leaf = fc.constantFrom<PatternValue>('x', 'y', 1, null, { exists: false }, { 'anything-but': 'x' });
    const alternative = fc.record(
      { a: fc.array(leaf, { minLength: 1, maxLength: 2 }) },
      { requiredKeys: [] },
    );
    const otherAlternative = fc.record({ b: fc.array(leaf, { minLength: 1, maxLength: 2 }) });
    const event = fc.record(
      { a: small, b: fc.oneof(small, fc.array(small, { maxLength: 2 })) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(alternative, otherAlternative, event, (p1, p2, e) => {
        fc.pre(Object.keys(p1).length > 0);
        const either = matchesPattern(p1, e) || matchesPattern(p2, e);
        expect(matchesPattern({ $or: [p1, p2] }, e)).toBe(either);
      }),
    );
  });
});
