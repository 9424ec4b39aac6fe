/**
 * Pattern validation: what EventBridge refuses is refused here too, with a
 * message naming the field and showing the bad value.
 */
import { AwfError } from '../../../core/errors.js';
import {
  compilePattern,
  InvalidEventPatternError,
  MAX_PATTERN_ALTERNATIVES,
  matchesPattern,
  validatePattern,
} from '../../../core/event-pattern/index.js';

function problemOf(pattern: unknown): string {
  try {
    validatePattern(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventPatternError);
    return (error as InvalidEventPatternError).message;
  }
  throw new Error(`expected ${JSON.stringify(pattern)} to be refused`);
}

/** [what is wrong, the pattern, the message expected in the error] */
const invalidPatterns: readonly (readonly [string, unknown, string])[] = [
  ['a string instead of an object', '{"source": ["x"]}', '(root): expected a pattern object, got a string'],
  [
    'an array instead of an object',
    [{ source: ['x'] }],
    '(root): expected an object of fields, got [{ "source": ["x"] }]',
  ],
  ['null instead of an object', null, '(root): expected an object of fields, got null'],
  ['an empty pattern', {}, '(root): expected at least one field, got {}'],
  ['an empty nested pattern', { detail: {} }, 'detail: expected at least one field, got {}'],
  ['a bare string value', { source: 'aws.ec2' }, 'source: expected an array of values (such as ["aws.ec2"])'],
  [
    'a bare number value',
    { detail: { count: 5 } },
    'detail.count: expected an array of values (such as [5])',
  ],
  [
    'a bare null value',
    { detail: { gone: null } },
    'detail.gone: expected an array of values (such as [null])',
  ],
  ['an empty value array', { detail: { state: [] } }, 'detail.state: expected at least one value, got []'],
  [
    'an array inside a value array',
    { source: [['aws.ec2']] },
    'source: expected a string, number, boolean, null or an operator object',
  ],
  [
    'a non-finite number',
    { detail: { n: [Number.POSITIVE_INFINITY] } },
    'detail.n: expected a string, number, boolean, null or an operator object such as { "prefix": "..." }, got Infinity',
  ],
  ['an undefined value', { detail: { n: [undefined] } }, 'got undefined'],
  [
    'two operators in one object',
    { f: [{ prefix: 'a', suffix: 'b' }] },
    'f: an operator object holds exactly one operator, got { "prefix": "a", "suffix": "b" }',
  ],
  ['an empty operator object', { f: [{}] }, 'f: an operator object holds exactly one operator, got {}'],
  [
    'an unknown operator',
    { f: [{ contains: 'x' }] },
    'f: unknown operator "contains", expected one of prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr',
  ],
  [
    'a numeric prefix',
    { f: [{ prefix: 5 }] },
    'f: prefix expects a string or { "equals-ignore-case": string }, got 5',
  ],
  [
    'a prefix wrapping another operator',
    { f: [{ prefix: { suffix: 'a' } }] },
    'f: prefix expects a string or { "equals-ignore-case": string }',
  ],
  [
    'a suffix ignoring case of a number',
    { f: [{ suffix: { 'equals-ignore-case': 1 } }] },
    'f: suffix expects a string or',
  ],
  [
    'equals-ignore-case of a list',
    { f: [{ 'equals-ignore-case': ['a'] }] },
    'f: equals-ignore-case expects a string, got ["a"]',
  ],
  [
    'a numeric operand that is not a number',
    { detail: { amount: [{ numeric: ['>', 'x'] }] } },
    'detail.amount: numeric expects pairs of operator and number, such as [">", 0, "<=", 5], got [">", "x"]',
  ],
  [
    'a numeric operand that is not an array',
    { f: [{ numeric: 5 }] },
    'f: numeric expects pairs of operator and number',
  ],
  [
    'a numeric operator without a number',
    { f: [{ numeric: ['>'] }] },
    'f: numeric expects pairs of operator and number',
  ],
  [
    'three numeric pairs',
    { f: [{ numeric: ['>', 0, '<', 5, '=', 3] }] },
    'f: numeric expects pairs of operator and number',
  ],
  [
    'an unknown numeric operator',
    { f: [{ numeric: ['!=', 5] }] },
    'f: numeric operators are =, <, <=, > and >=, got "!=" in ["!=", 5]',
  ],
  [
    'a range with bounds reversed',
    { f: [{ numeric: ['<', 5, '>', 1] }] },
    'f: numeric range gives a lower bound (">" or ">=") then an upper bound ("<" or "<="), got ["<", 5, ">", 1]',
  ],
  [
    'equality followed by a bound',
    { f: [{ numeric: ['=', 1, '<', 5] }] },
    'f: numeric range gives a lower bound',
  ],
  [
    'an empty range',
    { f: [{ numeric: ['>', 5, '<', 5] }] },
    'f: numeric range needs its lower bound below its upper bound, got [">", 5, "<", 5]',
  ],
  [
    'a bound beyond 5e9',
    { f: [{ numeric: ['>', 6e9] }] },
    'f: numeric compares numbers between -5000000000 and 5000000000, got 6000000000',
  ],
  ['exists given a string', { f: [{ exists: 'true' }] }, 'f: exists expects true or false, got "true"'],
  [
    'a cidr without a mask',
    { ip: [{ cidr: '10.0.0.0' }] },
    'ip: cidr expects an address and a mask such as "10.0.0.0/24", got "10.0.0.0"',
  ],
  [
    'a cidr with a bad address',
    { ip: [{ cidr: '300.0.0.0/8' }] },
    'ip: cidr expects an IPv4 or IPv6 address before the "/", got "300.0.0.0/8"',
  ],
  [
    'a cidr with a word for a mask',
    { ip: [{ cidr: '10.0.0.0/x' }] },
    'ip: cidr expects the mask to be a whole number of bits, got "10.0.0.0/x"',
  ],
  [
    'a /32 IPv4 block',
    { ip: [{ cidr: '10.0.0.1/32' }] },
    'ip: cidr mask for IPv4 must be less than 32; match a single address with the address itself as an exact value',
  ],
  ['a /128 IPv6 block', { ip: [{ cidr: '::1/128' }] }, 'ip: cidr mask for IPv6 must be less than 128'],
  [
    'a cidr given a number',
    { ip: [{ cidr: 10 }] },
    'ip: cidr expects a string such as "10.0.0.0/24", got 10',
  ],
  [
    'consecutive wildcards',
    { f: [{ wildcard: 'a**b' }] },
    'f: wildcard: consecutive wildcard characters at position 1 are not allowed, got "a**b"',
  ],
  [
    'a backslash escaping a letter',
    { f: [{ wildcard: 'a\\b' }] },
    'f: wildcard: a backslash may only escape "*" or "\\" (invalid escape at position 1)',
  ],
  ['a trailing backslash', { f: [{ wildcard: 'a\\' }] }, 'f: wildcard: a backslash may only escape'],
  [
    'a wildcard given a list',
    { f: [{ wildcard: ['*.png'] }] },
    'f: wildcard expects a string, got ["*.png"]',
  ],
  [
    'anything-but of an empty list',
    { f: [{ 'anything-but': [] }] },
    'f: anything-but expects a string, a number, a non-empty list of only strings or only numbers',
  ],
  [
    'anything-but of a mixed list',
    { f: [{ 'anything-but': ['a', 1] }] },
    'f: anything-but expects a string, a number, a non-empty list of only strings or only numbers, or one of { "prefix" }, { "suffix" }, { "equals-ignore-case" }, { "wildcard" }; got ["a", 1]',
  ],
  [
    'anything-but of a boolean',
    { f: [{ 'anything-but': true }] },
    'f: anything-but expects a string, a number',
  ],
  ['anything-but of null', { f: [{ 'anything-but': null }] }, 'got null'],
  [
    'anything-but of a number beyond 5e9',
    { f: [{ 'anything-but': [1, 6e9] }] },
    'f: anything-but compares numbers between -5000000000 and 5000000000, got [1, 6000000000]',
  ],
  [
    'anything-but of an empty prefix',
    { f: [{ 'anything-but': { prefix: '' } }] },
    'f: anything-but prefix expects a non-empty string, got { "prefix": "" }',
  ],
  [
    'anything-but of a numeric suffix',
    { f: [{ 'anything-but': { suffix: 1 } }] },
    'f: anything-but suffix expects a non-empty string',
  ],
  [
    'anything-but of an unsupported operator',
    { f: [{ 'anything-but': { numeric: ['>', 1] } }] },
    'f: anything-but expects a string',
  ],
  [
    'anything-but of two operators',
    { f: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] },
    'f: anything-but expects a string',
  ],
  [
    'anything-but ignoring case of an empty list',
    { f: [{ 'anything-but': { 'equals-ignore-case': [] } }] },
    'f: anything-but equals-ignore-case expects a string or a non-empty list of strings',
  ],
  [
    'anything-but of an invalid wildcard',
    { f: [{ 'anything-but': { wildcard: ['*.png', '**'] } }] },
    'f: anything-but wildcard: consecutive wildcard characters at position 0 are not allowed, got "**"',
  ],
  [
    '$or that is not an array',
    { $or: { a: ['x'] } },
    '$or: $or expects an array of at least two pattern objects, got { "a": ["x"] }',
  ],
  [
    '$or with one alternative',
    { $or: [{ a: ['x'] }] },
    '$or: $or expects an array of at least two pattern objects',
  ],
  ['$or holding a value', { $or: [{ a: ['x'] }, 'b'] }, '$or[1]: expected an object of fields, got "b"'],
  [
    '$or holding an empty object',
    { detail: { $or: [{ a: ['x'] }, {}] } },
    'detail.$or[1]: expected at least one field, got {}',
  ],
  [
    'an operator name as a field inside $or',
    { $or: [{ numeric: [123] }, { prefix: ['abc'] }] },
    '$or[0].numeric: "numeric" is an operator and cannot be a field name inside $or',
  ],
  [
    'an operator name nested inside $or',
    { $or: [{ a: ['x'] }, { b: { exists: [true] } }] },
    '$or[1].b.exists: "exists" is an operator',
  ],
];

describe('validatePattern', () => {
  for (const [what, pattern, message] of invalidPatterns) {
    it(`fails on ${what}`, () => {
      expect(problemOf(pattern)).toContain(message);
    });
  }

  it('fails with an error that Step Functions and callers can tell apart by name', () => {
    const error = (() => {
      try {
        validatePattern({ source: 'x' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AwfError);
    expect(error).toMatchObject({ name: 'InvalidEventPatternError', problems: [expect.any(String)] });
  });

  it('fails listing every problem, not only the first', () => {
    const error = (() => {
      try {
        validatePattern({ source: 'x', detail: { a: [], b: [{ exists: 1 }] } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidEventPatternError);
    expect((error as InvalidEventPatternError).problems).toEqual([
      'source: expected an array of values (such as ["x"]) or a nested pattern object, got "x"',
      'detail.a: expected at least one value, got []',
      'detail.b: exists expects true or false, got 1',
    ]);
  });

  it('fails on $or operators that combine into too many alternatives', () => {
    const parallelOrs = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`f${i}`, { $or: [{ a: ['x'] }, { b: ['y'] }] }]),
    );
    expect(2 ** 11).toBeGreaterThan(MAX_PATTERN_ALTERNATIVES);
    expect(() => compilePattern(parallelOrs)).toThrow(
      `the $or operators combine into 2048 alternatives, more than the ${MAX_PATTERN_ALTERNATIVES} EventBridge allows`,
    );
  });

  /** A pattern whose parallel `$or`s have `sizes[i]` alternatives each: it expands to their product. */
  const parallelOrs = (sizes: readonly number[]) =>
    Object.fromEntries(
      sizes.map((size, i) => [
        `f${i}`,
        { $or: Array.from({ length: size }, (_, j) => ({ [`k${j}`]: [`v${j}`] })) },
      ]),
    );

  it('accepts $or operators that combine into exactly 1,000 alternatives, as EventBridge does', () => {
    expect(MAX_PATTERN_ALTERNATIVES).toBe(1000);
    expect(() => validatePattern(parallelOrs([10, 10, 10]))).not.toThrow();
    expect(() => compilePattern(parallelOrs([10, 10, 10]))).not.toThrow();
  });

  it('fails validation, not only compilation, past 1,000 combinations, naming the count', () => {
    expect(problemOf(parallelOrs([7, 11, 13]))).toContain(
      'the $or operators combine into 1001 alternatives, more than the 1000 EventBridge allows',
    );
  });

  it('counts nested $or alternatives by adding them within their parent alternative', () => {
    // (a ∧ (x ∨ y)) ∨ b expands to 3 sub-patterns; 3 × 333 = 999 passes, 3 × 334 = 1002 does not.
    const nested = { $or: [{ a: ['1'], $or: [{ x: ['1'] }, { y: ['1'] }] }, { b: ['1'] }] };
    expect(() => validatePattern({ ...nested, ...parallelOrs([333]) })).not.toThrow();
    expect(problemOf({ ...nested, ...parallelOrs([334]) })).toContain('combine into 1002 alternatives');
  });

  it('does not count the values of one field as combinations', () => {
    const manyValues = Array.from({ length: 2000 }, (_, i) => `v${i}`);
    expect(() => validatePattern({ detail: { state: manyValues } })).not.toThrow();
  });

  it('fails when matching with an invalid pattern', () => {
    expect(() => matchesPattern({ source: [] }, { source: 'x' })).toThrow(InvalidEventPatternError);
  });

  it('fails on a pattern object that contains itself', () => {
    const detail: Record<string, unknown> = { state: ['x'] };
    detail.again = detail;
    expect(problemOf({ detail })).toContain(
      'detail.again: expected a pattern, got an object that contains itself',
    );
  });

  it('shows a self-referencing bad value without looping', () => {
    const value: Record<string, unknown> = {};
    value.self = value;
    expect(problemOf({ f: [value] })).toContain('f: unknown operator "self"');
    expect(problemOf({ f: [value] })).toContain('{ "self": {…} }');
  });

  it('shortens a long bad value in the message', () => {
    expect(problemOf({ f: 'x'.repeat(500) }).length).toBeLessThan(400);
  });

  it('accepts every operator form and returns the pattern unchanged', () => {
    const pattern = {
      source: ['aws.ec2', 5, 3.5, true, false, null, ''],
      detail: {
        a: [{ prefix: 'us-' }, { prefix: { 'equals-ignore-case': 'EU-' } }, { prefix: '' }],
        b: [{ suffix: '.png' }, { suffix: { 'equals-ignore-case': '.JPG' } }],
        c: [{ 'equals-ignore-case': 'alice' }, { wildcard: 'a*b\\*c\\\\d' }],
        d: [
          { 'anything-but': 'x' },
          { 'anything-but': 5 },
          { 'anything-but': ['x', 'y'] },
          { 'anything-but': [1, 2] },
          { 'anything-but': { prefix: 'p' } },
          { 'anything-but': { suffix: 's' } },
          { 'anything-but': { 'equals-ignore-case': 'e' } },
          { 'anything-but': { 'equals-ignore-case': ['e', 'f'] } },
          { 'anything-but': { wildcard: '*w' } },
          { 'anything-but': { wildcard: ['*w', 'v*'] } },
        ],
        e: [
          { numeric: ['=', 1] },
          { numeric: ['<', 5e9] },
          { numeric: ['<=', 1] },
          { numeric: ['>', -5e9] },
          { numeric: ['>=', 0, '<', 1] },
          { numeric: ['>', 0, '<=', 0.000001] },
        ],
        f: [{ exists: true }, { exists: false }],
        g: [{ cidr: '10.0.0.0/8' }, { cidr: '2001:db8::/32' }, { cidr: '0.0.0.0/0' }],
        $or: [{ h: ['1'] }, { i: { j: ['2'] }, $or: [{ k: ['3'] }, { l: ['4'] }] }],
      },
    };
    expect(validatePattern(pattern)).toEqual(pattern);
  });

  it('returns a deeply frozen copy, so it can be shared and compiled once', () => {
    const input = { detail: { state: [{ 'anything-but': ['a', 'b'] }] } };
    const validated = validatePattern(input);
    expect(validated).not.toBe(input);
    const detail = validated.detail as Record<string, unknown>;
    const state = detail.state as readonly Record<string, unknown>[];
    expect([validated, detail, state, state[0], state[0]?.['anything-but']].every(Object.isFrozen)).toBe(
      true,
    );
    input.detail.state.push({ 'anything-but': ['c', 'd'] });
    expect(matchesPattern(validated, { detail: { state: 'c' } })).toBe(true);
  });
});
