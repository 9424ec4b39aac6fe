/**
 * Parses an event pattern from untrusted input, enforcing EventBridge's grammar.
 *
 * Patterns arrive as JSON from templates and API calls, so every value is
 * checked rather than cast. The parser does not stop at the first problem: it
 * reports every problem it finds, each naming the pattern field and showing the
 * bad value, the way `PutRule` would refuse the rule.
 *
 * The grammar follows EventBridge (and AWS's Event Ruler, which implements it):
 * a field holds a nested object or a non-empty array; array entries are
 * strings, numbers, booleans, null or single-operator objects; `$or` holds at
 * least two non-empty objects, whose fields may not be named like operators.
 * `$or` is always read as the operator, never as a field name.
 */
import { InvalidEventPatternError } from './errors.js';
import { parseCidr } from './ip-address.js';
import { NUMERIC_LIMIT, toMicros } from './numeric.js';
import type { NumericBound, ParsedValue, PatternEntry, PatternTree, ValueFilter } from './pattern-tree.js';
import type {
  AnythingButOperand,
  ContentFilter,
  ExactValue,
  NumericCondition,
  StringOrIgnoreCase,
} from './types.js';
import { parseWildcard, type WildcardGlob } from './wildcard.js';

const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
] as const;

/**
 * Names EventBridge refuses as field names inside `$or`, so that an operator
 * misplaced one level too high is reported instead of silently matching nothing.
 */
const RESERVED_IN_OR: ReadonlySet<string> = new Set([...OPERATORS, 'exactly', '=', '<', '<=', '>', '>=']);

type JsonRecord = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * The most combinations a pattern's `$or`s may expand to, as EventBridge
 * limits them: a pattern is matched as the sub-patterns its `$or`s expand
 * into, one per way of choosing an alternative of each `$or` (parallel
 * `$or`s multiply, nested ones add within their alternative), and
 * EventBridge refuses a rule past 1,000 of them. Values listed in one
 * field's array are not combinations: they are matched together.
 */
export const MAX_PATTERN_ALTERNATIVES = 1000;

const MAX_SHOWN = 120;

/** Shows a bad value the way it looks in the pattern's JSON, shortened if long. */
function show(value: unknown): string {
  const text = render(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

function render(value: unknown, depth = 0): string {
  // Deep (or self-referencing) values are cut short: the message only needs to point at them.
  if (depth > 4 && typeof value === 'object' && value !== null) return Array.isArray(value) ? '[…]' : '{…}';
  if (Array.isArray(value)) return `[${value.map((v) => render(v, depth + 1)).join(', ')}]`;
  if (isRecord(value)) {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${render(v, depth + 1)}`);
    return fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`;
  }
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  // Numbers (including NaN and Infinity, which JSON cannot show), undefined, functions, symbols.
  return String(value);
}

/** Where in the pattern a problem is: field names joined by dots, `$or` entries as `[i]`. */
class PatternPath {
  private constructor(private readonly text: string) {}

  static readonly root = new PatternPath('');

  field(name: string): PatternPath {
    return new PatternPath(this.text === '' ? name : `${this.text}.${name}`);
  }

  index(i: number): PatternPath {
    return new PatternPath(`${this.text}[${i}]`);
  }

  toString(): string {
    return this.text === '' ? '(root)' : this.text;
  }
}

/** What one parse has found so far. */
class ParseState {
  /** Every problem found, so that one pass reports all of them. */
  readonly problems: string[] = [];
  /** The objects on the path being parsed, to refuse a pattern that contains itself. */
  readonly enclosing = new Set<object>();

  add(path: PatternPath, message: string): undefined {
    this.problems.push(`${path}: ${message}`);
    return undefined;
  }
}

/**
 * Parses and validates an event pattern.
 * @throws InvalidEventPatternError listing every problem as `path: problem, got <value>`.
 */
export function parsePattern(input: unknown): PatternTree {
  if (typeof input === 'string') {
    throw new InvalidEventPatternError([
      '(root): expected a pattern object, got a string (parse the JSON text first)',
    ]);
  }
  const state = new ParseState();
  const tree = parseObject(input, PatternPath.root, false, state);
  if (tree === undefined || state.problems.length > 0) throw new InvalidEventPatternError(state.problems);
  const combinations = combinationsOf(tree);
  if (combinations > MAX_PATTERN_ALTERNATIVES) {
    throw new InvalidEventPatternError([
      `(root): the $or operators combine into ${Number.isFinite(combinations) ? combinations : 'too many'} alternatives, more than the ${MAX_PATTERN_ALTERNATIVES} EventBridge allows; merge or simplify them`,
    ]);
  }
  return tree;
}

/** How many sub-patterns the `$or`s of a pattern expand into (see {@link MAX_PATTERN_ALTERNATIVES}). */
export function combinationsOf(tree: PatternTree): number {
  let product = 1;
  for (const entry of tree.entries) {
    if (entry.kind === 'object') product *= combinationsOf(entry.tree);
    else if (entry.kind === 'or')
      product *= entry.alternatives.reduce((sum, alt) => sum + combinationsOf(alt), 0);
  }
  return product;
}

function parseObject(
  value: unknown,
  path: PatternPath,
  insideOr: boolean,
  state: ParseState,
): PatternTree | undefined {
  if (!isRecord(value)) return state.add(path, `expected an object of fields, got ${show(value)}`);
  if (state.enclosing.has(value))
    return state.add(path, 'expected a pattern, got an object that contains itself');
  const names = Object.keys(value);
  if (names.length === 0) return state.add(path, 'expected at least one field, got {}');
  state.enclosing.add(value);
  const entries: PatternEntry[] = [];
  for (const name of names) {
    const entry = parseEntry(name, value[name], path, insideOr, state);
    if (entry) entries.push(entry);
  }
  state.enclosing.delete(value);
  return { entries };
}

function parseEntry(
  name: string,
  value: unknown,
  parent: PatternPath,
  insideOr: boolean,
  state: ParseState,
): PatternEntry | undefined {
  const path = parent.field(name);
  if (name === '$or') return parseOr(value, path, state);
  if (insideOr && RESERVED_IN_OR.has(name)) {
    return state.add(
      path,
      `"${name}" is an operator and cannot be a field name inside $or; put it in a field's array, as in { "field": [{ "${name}": ... }] }`,
    );
  }
  if (Array.isArray(value)) {
    const values = parseValues(value, path, state);
    return values && { kind: 'field', name, values };
  }
  if (isRecord(value)) {
    const tree = parseObject(value, path, insideOr, state);
    return tree && { kind: 'object', name, tree };
  }
  return state.add(
    path,
    `expected an array of values (such as ${show([value])}) or a nested pattern object, got ${show(value)}`,
  );
}

function parseOr(value: unknown, path: PatternPath, state: ParseState): PatternEntry | undefined {
  if (!Array.isArray(value) || value.length < 2) {
    return state.add(path, `$or expects an array of at least two pattern objects, got ${show(value)}`);
  }
  const alternatives: PatternTree[] = [];
  value.forEach((item: unknown, i) => {
    const tree = parseObject(item, path.index(i), true, state);
    if (tree) alternatives.push(tree);
  });
  return alternatives.length === value.length ? { kind: 'or', alternatives } : undefined;
}

function parseValues(
  array: readonly unknown[],
  path: PatternPath,
  state: ParseState,
): ParsedValue[] | undefined {
  if (array.length === 0) return state.add(path, 'expected at least one value, got []');
  const values: ParsedValue[] = [];
  let failed = false;
  for (const item of array) {
    const parsed = parseValue(item, path, state);
    if (parsed) values.push(parsed);
    else failed = true;
  }
  return failed ? undefined : values;
}

function exact(value: ExactValue): ParsedValue {
  return { source: value, filter: { kind: 'exact', value } };
}

function parseValue(item: unknown, path: PatternPath, state: ParseState): ParsedValue | undefined {
  if (item === null || typeof item === 'string' || typeof item === 'boolean') return exact(item);
  if (isFiniteNumber(item)) return exact(item);
  if (isRecord(item)) return parseFilter(item, path, state);
  return state.add(
    path,
    `expected a string, number, boolean, null or an operator object such as { "prefix": "..." }, got ${show(item)}`,
  );
}

function filter(source: ContentFilter, parsed: ValueFilter): ParsedValue {
  return { source: deepFreeze(source), filter: parsed };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function parseFilter(item: JsonRecord, path: PatternPath, state: ParseState): ParsedValue | undefined {
  const keys = Object.keys(item);
  const [operator] = keys;
  if (operator === undefined || keys.length !== 1) {
    return state.add(path, `an operator object holds exactly one operator, got ${show(item)}`);
  }
  const operand = item[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      const text = parseStringOrIgnoreCase(operand);
      if (text === undefined) {
        return state.add(
          path,
          `${operator} expects a string or { "equals-ignore-case": string }, got ${show(operand)}`,
        );
      }
      const written: StringOrIgnoreCase = text.ignoreCase ? { 'equals-ignore-case': text.text } : text.text;
      return filter(operator === 'prefix' ? { prefix: written } : { suffix: written }, {
        kind: operator,
        ...text,
      });
    }
    case 'equals-ignore-case':
      if (!isString(operand)) {
        return state.add(path, `equals-ignore-case expects a string, got ${show(operand)}`);
      }
      return filter({ 'equals-ignore-case': operand }, { kind: 'equals-ignore-case', text: operand });
    case 'wildcard': {
      if (!isString(operand)) return state.add(path, `wildcard expects a string, got ${show(operand)}`);
      const glob = parseWildcardText(operand, 'wildcard', path, state);
      return glob && filter({ wildcard: operand }, { kind: 'wildcard', glob });
    }
    case 'exists':
      if (typeof operand !== 'boolean') {
        return state.add(path, `exists expects true or false, got ${show(operand)}`);
      }
      return filter({ exists: operand }, { kind: 'exists', present: operand });
    case 'cidr': {
      if (!isString(operand)) {
        return state.add(path, `cidr expects a string such as "10.0.0.0/24", got ${show(operand)}`);
      }
      const range = parseCidr(operand);
      if (typeof range === 'string') return state.add(path, `${range}, got ${show(operand)}`);
      return filter({ cidr: operand }, { kind: 'cidr', range });
    }
    case 'numeric':
      return parseNumeric(operand, path, state);
    case 'anything-but':
      return parseAnythingBut(operand, path, state);
    default:
      return state.add(
        path,
        `unknown operator "${operator}", expected one of ${OPERATORS.join(', ')}; got ${show(item)}`,
      );
  }
}

function parseStringOrIgnoreCase(operand: unknown): { text: string; ignoreCase: boolean } | undefined {
  if (isString(operand)) return { text: operand, ignoreCase: false };
  if (isRecord(operand)) {
    const keys = Object.keys(operand);
    const inner = operand['equals-ignore-case'];
    if (keys.length === 1 && isString(inner)) return { text: inner, ignoreCase: true };
  }
  return undefined;
}

function parseWildcardText(
  text: string,
  operator: string,
  path: PatternPath,
  state: ParseState,
): WildcardGlob | undefined {
  const glob = parseWildcard(text);
  if (typeof glob === 'string') return state.add(path, `${operator}: ${glob}, got ${show(text)}`);
  return glob;
}

type LowerOperator = '>' | '>=';
type UpperOperator = '<' | '<=';
const isLowerOperator = (op: unknown): op is LowerOperator => op === '>' || op === '>=';
const isUpperOperator = (op: unknown): op is UpperOperator => op === '<' || op === '<=';
const isNumericOperator = (op: unknown): op is '=' | LowerOperator | UpperOperator =>
  op === '=' || isLowerOperator(op) || isUpperOperator(op);

function parseNumeric(operand: unknown, path: PatternPath, state: ParseState): ParsedValue | undefined {
  const got = show(operand);
  if (
    !Array.isArray(operand) ||
    (operand.length !== 2 && operand.length !== 4) ||
    !operand.every((item: unknown, i) => (i % 2 === 0 ? isString(item) : isFiniteNumber(item)))
  ) {
    return state.add(
      path,
      `numeric expects pairs of operator and number, such as [">", 0, "<=", 5], got ${got}`,
    );
  }
  const [op, value, op2, value2]: unknown[] = operand;
  for (const operator of [op, op2]) {
    if (operator !== undefined && !isNumericOperator(operator)) {
      return state.add(path, `numeric operators are =, <, <=, > and >=, got ${show(operator)} in ${got}`);
    }
  }
  for (const number of [value, value2]) {
    if (isFiniteNumber(number) && toMicros(number) === undefined) {
      return state.add(
        path,
        `numeric compares numbers between -${NUMERIC_LIMIT} and ${NUMERIC_LIMIT}, got ${show(number)} in ${got}`,
      );
    }
  }
  if (!isFiniteNumber(value) || !isNumericOperator(op)) return undefined;
  const micros = toMicros(value) ?? 0;
  if (op2 === undefined) {
    const bound: NumericBound = { micros, inclusive: op !== '<' && op !== '>' };
    const condition: NumericCondition = [op, value];
    if (op === '=') return filter({ numeric: condition }, { kind: 'numeric', lower: bound, upper: bound });
    return filter(
      { numeric: condition },
      isLowerOperator(op) ? { kind: 'numeric', lower: bound } : { kind: 'numeric', upper: bound },
    );
  }
  if (!isLowerOperator(op) || !isUpperOperator(op2) || !isFiniteNumber(value2)) {
    return state.add(
      path,
      `numeric range gives a lower bound (">" or ">=") then an upper bound ("<" or "<="), got ${got}`,
    );
  }
  const upperMicros = toMicros(value2) ?? 0;
  if (micros >= upperMicros) {
    return state.add(path, `numeric range needs its lower bound below its upper bound, got ${got}`);
  }
  const condition: NumericCondition = [op, value, op2, value2];
  return filter(
    { numeric: condition },
    {
      kind: 'numeric',
      lower: { micros, inclusive: op === '>=' },
      upper: { micros: upperMicros, inclusive: op2 === '<=' },
    },
  );
}

const ANYTHING_BUT_FORMS =
  'a string, a number, a non-empty list of only strings or only numbers, or one of { "prefix" }, { "suffix" }, { "equals-ignore-case" }, { "wildcard" }';

function parseAnythingBut(operand: unknown, path: PatternPath, state: ParseState): ParsedValue | undefined {
  const got = show(operand);
  if (isString(operand) || isFiniteNumber(operand) || Array.isArray(operand)) {
    const values: readonly unknown[] = Array.isArray(operand) ? operand : [operand];
    const strings = values.filter(isString);
    const numbers = values.filter(isFiniteNumber);
    if (values.length === 0 || (strings.length !== values.length && numbers.length !== values.length)) {
      return state.add(path, `anything-but expects ${ANYTHING_BUT_FORMS}; got ${got}`);
    }
    const micros = numbers.map(toMicros).filter((m) => m !== undefined);
    if (micros.length !== numbers.length) {
      return state.add(
        path,
        `anything-but compares numbers between -${NUMERIC_LIMIT} and ${NUMERIC_LIMIT}, got ${got}`,
      );
    }
    const written: AnythingButOperand =
      isString(operand) || isFiniteNumber(operand) ? operand : strings.length > 0 ? strings : numbers;
    return filter({ 'anything-but': written }, { kind: 'anything-but', strings, micros });
  }
  if (!isRecord(operand) || Object.keys(operand).length !== 1) {
    return state.add(path, `anything-but expects ${ANYTHING_BUT_FORMS}; got ${got}`);
  }
  const [operator = ''] = Object.keys(operand);
  const inner = operand[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      if (!isString(inner) || inner === '') {
        return state.add(path, `anything-but ${operator} expects a non-empty string, got ${got}`);
      }
      return operator === 'prefix'
        ? filter({ 'anything-but': { prefix: inner } }, { kind: 'anything-but-prefix', text: inner })
        : filter({ 'anything-but': { suffix: inner } }, { kind: 'anything-but-suffix', text: inner });
    case 'equals-ignore-case': {
      const texts = stringOrStrings(inner);
      if (texts === undefined) {
        return state.add(
          path,
          `anything-but equals-ignore-case expects a string or a non-empty list of strings, got ${got}`,
        );
      }
      const written = isString(inner) ? inner : texts;
      return filter(
        { 'anything-but': { 'equals-ignore-case': written } },
        { kind: 'anything-but-ignore-case', texts },
      );
    }
    case 'wildcard': {
      const texts = stringOrStrings(inner);
      if (texts === undefined) {
        return state.add(
          path,
          `anything-but wildcard expects a string or a non-empty list of strings, got ${got}`,
        );
      }
      const globs: WildcardGlob[] = [];
      for (const text of texts) {
        const glob = parseWildcardText(text, 'anything-but wildcard', path, state);
        if (glob === undefined) return undefined;
        globs.push(glob);
      }
      const written = isString(inner) ? inner : texts;
      return filter({ 'anything-but': { wildcard: written } }, { kind: 'anything-but-wildcard', globs });
    }
    default:
      return state.add(path, `anything-but expects ${ANYTHING_BUT_FORMS}; got ${got}`);
  }
}

function stringOrStrings(value: unknown): string[] | undefined {
  if (isString(value)) return [value];
  if (Array.isArray(value) && value.length > 0 && value.every(isString)) return value.filter(isString);
  return undefined;
}
