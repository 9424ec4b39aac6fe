/**
 * EventBridge event patterns: validation and matching with EventBridge's
 * semantics, for the local cloud's EventBridge endpoint and for tests.
 */
export { InvalidEventPatternError } from './errors.js';
export { compilePattern, type EventMatcher, matchesPattern, validatePattern } from './matcher.js';
export { MAX_PATTERN_ALTERNATIVES } from './parse-pattern.js';
export type {
  AnythingButOperand,
  ContentFilter,
  EventPattern,
  ExactValue,
  NumericCondition,
  NumericOperator,
  PatternValue,
  StringOrIgnoreCase,
} from './types.js';
