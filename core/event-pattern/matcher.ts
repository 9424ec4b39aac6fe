/**
 * Matches events against EventBridge event patterns.
 *
 * A pattern is compiled once into a list of alternatives (one per way through
 * its `$or`s), each a list of field conditions. An event matches when, for some
 * alternative, every condition finds an array-consistent value it accepts (see
 * `event-fields.ts`), or, for an `exists: false` condition, finds no
 * array-consistent value at all.
 *
 * Conditions are checked in the order of their dotted paths, as AWS's Event
 * Ruler (EventBridge's matching engine) does. The order matters in one corner:
 * `exists: false` on a field inside an array of objects only looks at the array
 * elements the earlier conditions settled on, and at all elements otherwise.
 *
 * A field constrained both beside an `$or` and inside one of its alternatives
 * must satisfy both constraints.
 */
import { InvalidEventPatternError } from './errors.js';
import {
  combineMemberships,
  FieldPaths,
  type FieldValue,
  type Membership,
  NO_MEMBERSHIP,
} from './event-fields.js';
import { MAX_PATTERN_ALTERNATIVES, parsePattern } from './parse-pattern.js';
import { type PatternTree, toEventPattern } from './pattern-tree.js';
import type { EventPattern } from './types.js';
import { compileFieldTest, type ValueTest } from './value-tests.js';

/** A compiled pattern: whether an event matches it. */
export type EventMatcher = (event: unknown) => boolean;

interface Condition {
  readonly slot: number;
  readonly path: string;
  readonly test: ValueTest | undefined;
  readonly matchesAbsence: boolean;
}

type Alternative = readonly Condition[];

function crossProduct(left: readonly Alternative[], right: readonly Alternative[]): Alternative[] {
  // parsePattern refuses a pattern past the limit; this guards the expansion itself.
  if (left.length * right.length > MAX_PATTERN_ALTERNATIVES) {
    throw new InvalidEventPatternError([
      `(root): the $or operators combine into more than ${MAX_PATTERN_ALTERNATIVES} alternatives; merge or simplify them`,
    ]);
  }
  return left.flatMap((l) => right.map((r) => [...l, ...r]));
}

function expand(tree: PatternTree, prefix: readonly string[], paths: FieldPaths): Alternative[] {
  let alternatives: Alternative[] = [[]];
  for (const entry of tree.entries) {
    switch (entry.kind) {
      case 'field': {
        const path = [...prefix, entry.name];
        const condition: Condition = {
          slot: paths.slotOf(path),
          path: path.join('.'),
          ...compileFieldTest(entry.values),
        };
        alternatives = crossProduct(alternatives, [[condition]]);
        break;
      }
      case 'object':
        alternatives = crossProduct(alternatives, expand(entry.tree, [...prefix, entry.name], paths));
        break;
      case 'or':
        alternatives = crossProduct(
          alternatives,
          entry.alternatives.flatMap((alternative) => expand(alternative, prefix, paths)),
        );
        break;
    }
  }
  return alternatives;
}

const byPath = (a: Condition, b: Condition): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function satisfies(
  alternative: Alternative,
  next: number,
  membership: Membership,
  found: readonly (readonly FieldValue[])[],
): boolean {
  const condition = alternative[next];
  if (condition === undefined) return true;
  let consistentValueSeen = false;
  for (const candidate of found[condition.slot] ?? []) {
    const combined = combineMemberships(membership, candidate.membership);
    if (combined === undefined) continue;
    consistentValueSeen = true;
    if (condition.test?.(candidate.value) && satisfies(alternative, next + 1, combined, found)) return true;
  }
  return (
    condition.matchesAbsence && !consistentValueSeen && satisfies(alternative, next + 1, membership, found)
  );
}

/**
 * Validates a pattern and compiles it for repeated matching.
 *
 * Compile once and reuse the matcher: all parsing (wildcards, CIDR blocks,
 * numbers) happens here, none per event.
 * @throws InvalidEventPatternError when the pattern breaks EventBridge's grammar.
 * @example
 * const isLargeRefund = compilePattern({
 *   source: ['acme.payments'],
 *   detail: { amount: [{ numeric: ['>', 1000] }] },
 * });
 * isLargeRefund(event); // true or false
 */
export function compilePattern(pattern: unknown): EventMatcher {
  const paths = new FieldPaths();
  const alternatives = expand(parsePattern(pattern), [], paths).map((conditions) =>
    [...conditions].sort(byPath),
  );
  return (event) => {
    const found = paths.collect(event);
    return alternatives.some((alternative) => satisfies(alternative, 0, NO_MEMBERSHIP, found));
  };
}

/**
 * Validates an event pattern and returns it normalized and deeply frozen.
 *
 * Use it where a pattern enters the system (a template's rule, a `PutRule`
 * call) so a bad pattern is refused there, naming the field and the problem.
 * The returned pattern is compiled on its first use by `matchesPattern`.
 * @throws InvalidEventPatternError listing every problem, e.g.
 *   `detail.amount: numeric expects pairs of operator and number, such as [">", 0, "<=", 5], got [">", "x"]`.
 */
export function validatePattern(pattern: unknown): EventPattern {
  const validated = toEventPattern(parsePattern(pattern));
  validatedPatterns.set(validated, undefined);
  return validated;
}

/**
 * Patterns `validatePattern` returned (deeply frozen, so they cannot change
 * under us), with their matcher once compiled.
 */
const validatedPatterns = new WeakMap<EventPattern, EventMatcher | undefined>();

/**
 * Whether `event` matches `pattern`, with EventBridge's semantics.
 *
 * A pattern returned by `validatePattern` is compiled on first use and
 * remembered; any other pattern is compiled on every call, so prefer
 * `compilePattern` (or `validatePattern`) when matching many events.
 * @throws InvalidEventPatternError when the pattern breaks EventBridge's grammar.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!validatedPatterns.has(pattern)) return compilePattern(pattern)(event);
  let matcher = validatedPatterns.get(pattern);
  if (matcher === undefined) {
    matcher = compilePattern(pattern);
    validatedPatterns.set(pattern, matcher);
  }
  return matcher(event);
}
