/**
 * The items a pack seeds its grounding tables with in the local cloud and the
 * pack runner: each fact's `localFixture`, a JSON list of items in the pack's
 * folder. In AWS the tables are the customer's and awf seeds nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwfError } from '../../core/errors.js';
import type { WorkflowSpec } from '../../core/workflow/spec.js';

/** One grounding table and the items to put in it. */
export interface FactTableFixture {
  /** The fact's table reference, as the spec writes it (name or ARN). */
  readonly table: string;
  /** The key attribute names of the table (the fact source's `key`). */
  readonly keyAttributes: readonly string[];
  readonly items: readonly Readonly<Record<string, unknown>>[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The fixtures of every fact of a spec that names one (facts without a
 * fixture give a table with no items).
 *
 * @throws AwfError naming the file and what is wrong: unreadable, not JSON,
 *   not a list of objects, or an item without one of the table's key attributes.
 */
export function loadFactFixtures(spec: WorkflowSpec, packDir: string): FactTableFixture[] {
  return Object.entries(spec.grounding.facts).map(([name, fact]) => {
    const keyAttributes = Object.keys(fact.source.key);
    if (fact.localFixture === undefined) return { table: fact.source.table, keyAttributes, items: [] };
    const file = join(packDir, fact.localFixture);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new AwfError(
        `grounding.facts.${name}.localFixture: cannot read ${fact.localFixture} as JSON (${(error as Error).message})`,
      );
    }
    if (!Array.isArray(parsed) || !parsed.every(isRecord)) {
      throw new AwfError(
        `grounding.facts.${name}.localFixture: expected ${fact.localFixture} to hold a JSON list of items`,
      );
    }
    parsed.forEach((item, index) => {
      for (const attribute of keyAttributes) {
        const value = item[attribute];
        if (typeof value !== 'string' && typeof value !== 'number') {
          throw new AwfError(
            `grounding.facts.${name}.localFixture: item ${index} of ${fact.localFixture} has no string or number key attribute "${attribute}"`,
          );
        }
      }
    });
    return { table: fact.source.table, keyAttributes, items: parsed };
  });
}
