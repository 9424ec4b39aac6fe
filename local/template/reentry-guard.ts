/**
 * Catches a template value that refers to itself (a name built from its own
 * ARN, a condition or an export that needs itself), which would otherwise
 * recurse until the stack overflows.
 */
import { TemplateError } from './stack.js';

/** Remembers what is being computed, so a second, nested computation of the same thing fails. */
export class ReentryGuard {
  readonly #computing = new Set<string>();

  /**
   * Runs `compute` unless the same `what` of the same `subject` is already being computed.
   * @throws TemplateError naming the subject that refers to itself.
   */
  run<T>(subject: string, what: string, compute: () => T): T {
    const key = `${subject}#${what}`;
    if (this.#computing.has(key))
      throw new TemplateError(`"${subject}" refers to itself while resolving its ${what}`);
    this.#computing.add(key);
    try {
      return compute();
    } finally {
      this.#computing.delete(key);
    }
  }
}
