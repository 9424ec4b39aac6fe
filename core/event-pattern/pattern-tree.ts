/**
 * A validated event pattern, parsed into what the matcher needs.
 *
 * Parsing happens once per pattern: wildcards are split into pieces, CIDR
 * blocks into address ranges and numbers into EventBridge's precision, so
 * matching an event does no parsing of the pattern at all. Each parsed value
 * keeps the pattern text it came from (`source`) so the normalized pattern can
 * be given back to callers of `validatePattern`.
 */
import type { IpRange } from './ip-address.js';
import type { EventPattern, ExactValue, PatternValue } from './types.js';
import type { WildcardGlob } from './wildcard.js';

/** One end of a numeric range, in millionths (see `toMicros`). */
export interface NumericBound {
  readonly micros: number;
  readonly inclusive: boolean;
}

/** What one entry of a field's array tests, ready to compile. */
export type ValueFilter =
  | { readonly kind: 'exact'; readonly value: ExactValue }
  | { readonly kind: 'prefix'; readonly text: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly text: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly text: string }
  | { readonly kind: 'wildcard'; readonly glob: WildcardGlob }
  | { readonly kind: 'numeric'; readonly lower?: NumericBound; readonly upper?: NumericBound }
  | { readonly kind: 'exists'; readonly present: boolean }
  | { readonly kind: 'cidr'; readonly range: IpRange }
  | {
      readonly kind: 'anything-but';
      readonly strings: readonly string[];
      /** Numbers to exclude, in millionths. */
      readonly micros: readonly number[];
    }
  | { readonly kind: 'anything-but-prefix'; readonly text: string }
  | { readonly kind: 'anything-but-suffix'; readonly text: string }
  | { readonly kind: 'anything-but-ignore-case'; readonly texts: readonly string[] }
  | { readonly kind: 'anything-but-wildcard'; readonly globs: readonly WildcardGlob[] };

/** A parsed entry of a field's array together with the pattern text it came from. */
export interface ParsedValue {
  readonly source: PatternValue;
  readonly filter: ValueFilter;
}

/** One key of a pattern object. */
export type PatternEntry =
  | { readonly kind: 'field'; readonly name: string; readonly values: readonly ParsedValue[] }
  | { readonly kind: 'object'; readonly name: string; readonly tree: PatternTree }
  | { readonly kind: 'or'; readonly alternatives: readonly PatternTree[] };

/** A parsed pattern object: all of its entries must match. */
export interface PatternTree {
  readonly entries: readonly PatternEntry[];
}

/** Rebuilds the pattern a tree was parsed from, deeply frozen so it can be shared. */
export function toEventPattern(tree: PatternTree): EventPattern {
  // Object.fromEntries defines own properties, so a field named "__proto__" stays a field.
  const fields = tree.entries.map((entry): [string, EventPattern[string]] => {
    if (entry.kind === 'field') return [entry.name, Object.freeze(entry.values.map((v) => v.source))];
    if (entry.kind === 'object') return [entry.name, toEventPattern(entry.tree)];
    return ['$or', Object.freeze(entry.alternatives.map(toEventPattern))];
  });
  return Object.freeze(Object.fromEntries(fields));
}
