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

const MAX_SHOWN = 120;

/** Shows a bad value the way it looks in the pattern's JSON, shortened if long. */
function show(value: unknown): string {
  const text = render(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

function render(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (isRecord(value)) {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${render(v)}`);
    return fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return JSON.stringify(value);
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

/** Collects problems so that one pass reports all of them. */
class Problems {
  readonly list: string[] = [];

  add(path: PatternPath, message: string): undefined {
    this.list.push(`${path}: ${message}`);
    return undefined;
  }
}

/**
 * Parses and validates an event pattern.
 * @throws InvalidEventPatternError listing every problem as `path: problem, got <value>`.
 */
export function parsePattern(input: unknown): PatternTree {
  const problems = new Problems();
  if (typeof input === 'string') {
    problems.add(PatternPath.root, 'expected a pattern object, got a string (parse the JSON text first)');
  }
  const tree = typeof input === 'string' ? undefined : parseObject(input, PatternPath.root, false, problems);
  if (tree === undefined || problems.list.length > 0) throw new InvalidEventPatternError(problems.list);
  return tree;
}

function parseObject(
  value: unknown,
  path: PatternPath,
  insideOr: boolean,
  problems: Problems,
): PatternTree | undefined {
  if (!isRecord(value)) return problems.add(path, `expected an object of fields, got ${show(value)}`);
  const names = Object.keys(value);
  if (names.length === 0) return problems.add(path, 'expected at least one field, got {}');
  const entries: PatternEntry[] = [];
  for (const name of names) {
    const entry = parseEntry(name, value[name], path, insideOr, problems);
    if (entry) entries.push(entry);
  }
  return { entries };
}

function parseEntry(
  name: string,
  value: unknown,
  parent: PatternPath,
  insideOr: boolean,
  problems: Problems,
): PatternEntry | undefined {
  const path = parent.field(name);
  if (name === '$or') return parseOr(value, path, problems);
  if (insideOr && RESERVED_IN_OR.has(name)) {
    return problems.add(
      path,
      `"${name}" is an operator and cannot be a field name inside $or; put it in a field's array, as in { "field": [{ "${name}": ... }] }`,
    );
  }
  if (Array.isArray(value)) {
    const values = parseValues(value, path, problems);
    return values && { kind: 'field', name, values };
  }
  if (isRecord(value)) {
    const tree = parseObject(value, path, insideOr, problems);
    return tree && { kind: 'object', name, tree };
  }
  return problems.add(
    path,
    `expected an array of values (such as ${show([value])}) or a nested pattern object, got ${show(value)}`,
  );
}

function parseOr(value: unknown, path: PatternPath, problems: Problems): PatternEntry | undefined {
  if (!Array.isArray(value) || value.length < 2) {
    return problems.add(path, `$or expects an array of at least two pattern objects, got ${show(value)}`);
  }
  const alternatives: PatternTree[] = [];
  value.forEach((item: unknown, i) => {
    const tree = parseObject(item, path.index(i), true, problems);
    if (tree) alternatives.push(tree);
  });
  return alternatives.length === value.length ? { kind: 'or', alternatives } : undefined;
}

function parseValues(
  array: readonly unknown[],
  path: PatternPath,
  problems: Problems,
): ParsedValue[] | undefined {
  if (array.length === 0) return problems.add(path, 'expected at least one value, got []');
  const values: ParsedValue[] = [];
  let failed = false;
  for (const item of array) {
    const parsed = parseValue(item, path, problems);
    if (parsed) values.push(parsed);
    else failed = true;
  }
  return failed ? undefined : values;
}

function exact(value: ExactValue): ParsedValue {
  return { source: value, filter: { kind: 'exact', value } };
}

function parseValue(item: unknown, path: PatternPath, problems: Problems): ParsedValue | undefined {
  if (item === null || typeof item === 'string' || typeof item === 'boolean') return exact(item);
  if (isFiniteNumber(item)) return exact(item);
  if (isRecord(item)) return parseFilter(item, path, problems);
  return problems.add(
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

function parseFilter(item: JsonRecord, path: PatternPath, problems: Problems): ParsedValue | undefined {
  const keys = Object.keys(item);
  const [operator] = keys;
  if (operator === undefined || keys.length !== 1) {
    return problems.add(path, `an operator object holds exactly one operator, got ${show(item)}`);
  }
  const operand = item[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      const text = parseStringOrIgnoreCase(operand);
      if (text === undefined) {
        return problems.add(
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
        return problems.add(path, `equals-ignore-case expects a string, got ${show(operand)}`);
      }
      return filter({ 'equals-ignore-case': operand }, { kind: 'equals-ignore-case', text: operand });
    case 'wildcard': {
      if (!isString(operand)) return problems.add(path, `wildcard expects a string, got ${show(operand)}`);
      const glob = parseWildcardText(operand, 'wildcard', path, problems);
      return glob && filter({ wildcard: operand }, { kind: 'wildcard', glob });
    }
    case 'exists':
      if (typeof operand !== 'boolean') {
        return problems.add(path, `exists expects true or false, got ${show(operand)}`);
      }
      return filter({ exists: operand }, { kind: 'exists', present: operand });
    case 'cidr': {
      if (!isString(operand)) {
        return problems.add(path, `cidr expects a string such as "10.0.0.0/24", got ${show(operand)}`);
      }
      const range = parseCidr(operand);
      if (typeof range === 'string') return problems.add(path, `${range}, got ${show(operand)}`);
      return filter({ cidr: operand }, { kind: 'cidr', range });
    }
    case 'numeric':
      return parseNumeric(operand, path, problems);
    case 'anything-but':
      return parseAnythingBut(operand, path, problems);
    default:
      return problems.add(
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
  problems: Problems,
): WildcardGlob | undefined {
  const glob = parseWildcard(text);
  if (typeof glob === 'string') return problems.add(path, `${operator}: ${glob}, got ${show(text)}`);
  return glob;
}

type LowerOperator = '>' | '>=';
type UpperOperator = '<' | '<=';
const isLowerOperator = (op: unknown): op is LowerOperator => op === '>' || op === '>=';
const isUpperOperator = (op: unknown): op is UpperOperator => op === '<' || op === '<=';
const isNumericOperator = (op: unknown): op is '=' | LowerOperator | UpperOperator =>
  op === '=' || isLowerOperator(op) || isUpperOperator(op);

function parseNumeric(operand: unknown, path: PatternPath, problems: Problems): ParsedValue | undefined {
  const got = show(operand);
  if (
    !Array.isArray(operand) ||
    (operand.length !== 2 && operand.length !== 4) ||
    !operand.every((item: unknown, i) => (i % 2 === 0 ? isString(item) : isFiniteNumber(item)))
  ) {
    return problems.add(
      path,
      `numeric expects pairs of operator and number, such as [">", 0, "<=", 5], got ${got}`,
    );
  }
  const [op, value, op2, value2]: unknown[] = operand;
  for (const operator of [op, op2]) {
    if (operator !== undefined && !isNumericOperator(operator)) {
      return problems.add(path, `numeric operators are =, <, <=, > and >=, got ${show(operator)} in ${got}`);
    }
  }
  for (const number of [value, value2]) {
    if (isFiniteNumber(number) && toMicros(number) === undefined) {
      return problems.add(
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
    return problems.add(
      path,
      `numeric range gives a lower bound (">" or ">=") then an upper bound ("<" or "<="), got ${got}`,
    );
  }
  const upperMicros = toMicros(value2) ?? 0;
  if (micros >= upperMicros) {
    return problems.add(path, `numeric range needs its lower bound below its upper bound, got ${got}`);
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

function parseAnythingBut(operand: unknown, path: PatternPath, problems: Problems): ParsedValue | undefined {
  const got = show(operand);
  if (isString(operand) || isFiniteNumber(operand) || Array.isArray(operand)) {
    const values: readonly unknown[] = Array.isArray(operand) ? operand : [operand];
    const strings = values.filter(isString);
    const numbers = values.filter(isFiniteNumber);
    if (values.length === 0 || (strings.length !== values.length && numbers.length !== values.length)) {
      return problems.add(path, `anything-but expects ${ANYTHING_BUT_FORMS}; got ${got}`);
    }
    const micros = numbers.map(toMicros).filter((m) => m !== undefined);
    if (micros.length !== numbers.length) {
      return problems.add(
        path,
        `anything-but compares numbers between -${NUMERIC_LIMIT} and ${NUMERIC_LIMIT}, got ${got}`,
      );
    }
    const written: AnythingButOperand =
      isString(operand) || isFiniteNumber(operand) ? operand : strings.length > 0 ? strings : numbers;
    return filter({ 'anything-but': written }, { kind: 'anything-but', strings, micros });
  }
  if (!isRecord(operand) || Object.keys(operand).length !== 1) {
    return problems.add(path, `anything-but expects ${ANYTHING_BUT_FORMS}; got ${got}`);
  }
  const [operator = ''] = Object.keys(operand);
  const inner = operand[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      if (!isString(inner) || inner === '') {
        return problems.add(path, `anything-but ${operator} expects a non-empty string, got ${got}`);
      }
      return operator === 'prefix'
        ? filter({ 'anything-but': { prefix: inner } }, { kind: 'anything-but-prefix', text: inner })
        : filter({ 'anything-but': { suffix: inner } }, { kind: 'anything-but-suffix', text: inner });
    case 'equals-ignore-case': {
      const texts = stringOrStrings(inner);
      if (texts === undefined) {
        return problems.add(
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
        return problems.add(
          path,
          `anything-but wildcard expects a string or a non-empty list of strings, got ${got}`,
        );
      }
      const globs: WildcardGlob[] = [];
      for (const text of texts) {
        const glob = parseWildcardText(text, 'anything-but wildcard', path, problems);
        if (glob === undefined) return undefined;
        globs.push(glob);
      }
      const written = isString(inner) ? inner : texts;
      return filter({ 'anything-but': { wildcard: written } }, { kind: 'anything-but-wildcard', globs });
    }
    default:
      return problems.add(path, `anything-but expects ${ANYTHING_BUT_FORMS}; got ${got}`);
  }
}

function stringOrStrings(value: unknown): string[] | undefined {
  if (isString(value)) return [value];
  if (Array.isArray(value) && value.length > 0 && value.every(isString)) return value.filter(isString);
  return undefined;
}
