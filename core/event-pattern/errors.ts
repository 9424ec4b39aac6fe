import { AwfError } from '../errors.js';

/**
 * An event pattern breaks EventBridge's pattern grammar.
 *
 * Each problem reads `path: what was wrong, got <value>`, where the path names
 * the pattern field (`detail.amount`), so a rule can be fixed without guessing.
 */
export class InvalidEventPatternError extends AwfError {
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      problems.length === 1
        ? `invalid event pattern: ${problems[0]}`
        : `invalid event pattern:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
    this.name = 'InvalidEventPatternError';
  }
}
