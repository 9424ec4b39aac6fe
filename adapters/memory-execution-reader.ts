/**
 * ExecutionReader over executions a harness knows: the pack tester's and the
 * tests' in-process state machine.
 */
import type { ExecutionReader, ExecutionStanding } from '../core/ports.js';

/** Answers from a lookup the harness keeps current. */
export class InMemoryExecutionReader implements ExecutionReader {
  constructor(
    private readonly lookup: (executionArn: string) => ExecutionStanding | undefined = () => undefined,
  ) {}

  async describe(executionArn: string): Promise<ExecutionStanding | undefined> {
    return this.lookup(executionArn);
  }
}
