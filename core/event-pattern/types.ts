/**
 * The shape of an EventBridge event pattern, as written in a rule.
 *
 * A pattern mirrors the events it matches: each field names either a nested
 * pattern (an object) or a non-empty array of values and content filters, any
 * of which may match. `$or` holds two or more sub-patterns, any of which may
 * match. These types document the grammar; `validatePattern` is what enforces
 * it, because a pattern usually arrives as JSON (a synthesized template, a
 * `PutRule` call) rather than as typed code.
 */

/** A JSON scalar that an event field can hold and a pattern can name exactly. */
export type ExactValue = string | number | boolean | null;

/** A string to compare as written, or wrapped to compare regardless of case. */
export type StringOrIgnoreCase = string | { readonly 'equals-ignore-case': string };

/** Comparison operators of the `numeric` filter. */
export type NumericOperator = '=' | '<' | '<=' | '>' | '>=';

/**
 * The operand of `numeric`: one comparison, or a lower bound followed by an
 * upper bound (`[">", 0, "<=", 5]`). Equality stands alone.
 */
export type NumericCondition =
  | readonly [NumericOperator, number]
  | readonly ['>' | '>=', number, '<' | '<=', number];

/** The operand of `anything-but`: values, or one string filter to negate. */
export type AnythingButOperand =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly 'equals-ignore-case': string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

/** A content filter: an object with exactly one operator. */
export type ContentFilter =
  | { readonly prefix: StringOrIgnoreCase }
  | { readonly suffix: StringOrIgnoreCase }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | { readonly 'anything-but': AnythingButOperand }
  | { readonly numeric: NumericCondition }
  | { readonly exists: boolean }
  | { readonly cidr: string };

/** One entry of a field's array: an exact value or a content filter. */
export type PatternValue = ExactValue | ContentFilter;

/**
 * An EventBridge event pattern. The key `$or` holds sub-patterns; every other
 * key holds a nested pattern or the values its event field may match.
 */
export interface EventPattern {
  readonly [field: string]: readonly PatternValue[] | EventPattern | readonly EventPattern[];
}
