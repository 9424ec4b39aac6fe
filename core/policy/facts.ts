/**
 * `context.facts`: trusted business data read before a decision (the order a
 * refund is about: its total, its status), from the customer's own tables the
 * spec names in `grounding.facts`, by keys taken from the admitted event.
 *
 * A fact that cannot be read, is not found, or does not match its declared
 * attributes is not a missing attribute a `forbid` would silently skip: the
 * decision is DENY before Cedar runs, with the reason.
 */
import * as z from 'zod';
import type { FactReader } from '../ports.js';
import { readEventPath } from '../redaction.js';
import type { WorkflowSpec } from '../workflow/spec.js';

/** One fact as read: its attributes, or why there are none. */
export type GroundedFact =
  | { readonly found: true; readonly attributes: Readonly<Record<string, unknown>> }
  | { readonly found: false; readonly problem: string };

/** Every fact of a spec, by name. */
export type GroundedFacts = Readonly<Record<string, GroundedFact>>;

/** How a grounded fact is recorded and carried: the schema of {@link GroundedFact}. */
export const groundedFactSchema = z.union([
  z.object({ found: z.literal(true), attributes: z.record(z.string(), z.unknown()) }),
  z.object({ found: z.literal(false), problem: z.string() }),
]);

/** What the facts need from a spec. */
export type FactsSpec = Pick<WorkflowSpec, 'grounding'>;

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The item key of a fact, from the event, or a problem naming the missing path. */
function keyOf(
  name: string,
  source: WorkflowSpec['grounding']['facts'][string]['source'],
  event: unknown,
): { key?: Record<string, string | number>; problem?: string } {
  const key: Record<string, string | number> = {};
  for (const [attribute, path] of Object.entries(source.key)) {
    const value = readEventPath(event, path);
    if (
      !((typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value)))
    ) {
      return {
        problem: `fact ${name}: its key ${attribute} comes from ${path}, which the admitted event does not have`,
      };
    }
    key[attribute] = value;
  }
  return { key };
}

/**
 * Reads every fact of the spec for an admitted event, one `GetItem` each, in parallel.
 * Never rejects: a failed read is a fact with a problem.
 */
export async function readGroundingFacts(
  spec: FactsSpec,
  event: unknown,
  reader: FactReader,
): Promise<Record<string, GroundedFact>> {
  const entries = await Promise.all(
    Object.entries(spec.grounding.facts).map(async ([name, fact]): Promise<[string, GroundedFact]> => {
      const { key, problem } = keyOf(name, fact.source, event);
      if (key === undefined) return [name, { found: false, problem: problem ?? `fact ${name}: no key` }];
      let item: Readonly<Record<string, unknown>> | undefined;
      try {
        item = await reader.getItem(fact.source.table, key);
      } catch (error) {
        return [
          name,
          {
            found: false,
            problem: `fact ${name} could not be read from ${fact.source.table} (${messageOf(error)})`,
          },
        ];
      }
      if (item === undefined) {
        const keys = Object.keys(key).join(', ');
        return [
          name,
          {
            found: false,
            problem: `fact ${name}: ${fact.source.table} holds no item for the case's ${keys}`,
          },
        ];
      }
      const parsed = fact.attributes.safeParse(item);
      if (!parsed.success) {
        const issues = parsed.error.issues.map(
          (issue) => `${issue.path.join('.') || 'item'}: ${issue.message}`,
        );
        return [
          name,
          {
            found: false,
            problem: `fact ${name}: the item does not match its attributes (${issues.join('; ')})`,
          },
        ];
      }
      return [name, { found: true, attributes: parsed.data as Record<string, unknown> }];
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * Why the facts cannot ground a decision: each fact the spec names that is not
 * found (or missing altogether). Empty when every fact is there.
 */
export function missingFactProblems(spec: FactsSpec, facts: GroundedFacts): string[] {
  return Object.keys(spec.grounding.facts).flatMap((name) => {
    const fact = Object.hasOwn(facts, name) ? facts[name] : undefined;
    if (fact === undefined) return [`fact ${name} was not read`];
    return fact.found ? [] : [fact.problem];
  });
}

/** The attributes of every found fact, as policies see them (`context.facts`). */
export function factAttributes(facts: GroundedFacts): Record<string, Readonly<Record<string, unknown>>> {
  return Object.fromEntries(
    Object.entries(facts).flatMap(([name, fact]) => (fact.found ? [[name, fact.attributes]] : [])),
  );
}
