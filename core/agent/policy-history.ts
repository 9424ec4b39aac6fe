/**
 * The `history` part of a policy request: how often this workflow's actions
 * ran recently for the run's history key (e.g. the customer), per
 * `spec.grounding.history`.
 */
import { z } from 'zod';
import { durationToSeconds } from '../duration.js';
import { readEventPath } from '../redaction.js';
import type { RunsStore } from '../runs/records.js';
import type { WorkflowSpec } from '../workflow/spec.js';

const historyFactsSchema = z.object({ history: z.record(z.string(), z.number().int().min(0)) });

/**
 * The value of the history key in a run's event (`$.detail.customerId`), as a
 * string; undefined when the event has no usable value there.
 */
export function historyKeyOf(event: unknown, path: string): string | undefined {
  const value = readEventPath(event, path);
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The counters Ground put in the facts (`facts.history`). Anything else gives
 * no counters, and the gate then denies actions whose policies need them:
 * a missing count must never read as zero.
 */
export function historyFromFacts(facts: Readonly<Record<string, unknown>>): Record<string, number> {
  const parsed = historyFactsSchema.safeParse(facts);
  return parsed.success ? parsed.data.history : {};
}

/**
 * The counters as they stand now, read from the runs table: for each action of
 * `spec.grounding.history.actions`, its executions for the event's history key
 * within the window. Empty when the spec keeps no history or the event has no key.
 */
export async function currentHistory(
  spec: WorkflowSpec,
  runs: Pick<RunsStore, 'countHistory'>,
  event: unknown,
  now: Date,
): Promise<Record<string, number>> {
  const history = spec.grounding.history;
  if (!history) return {};
  const key = historyKeyOf(event, history.key);
  if (key === undefined) return {};
  const since = new Date(now.getTime() - durationToSeconds(history.window) * 1000).toISOString();
  const counts = await Promise.all(
    history.actions.map(
      async (action) => [action, await runs.countHistory(spec.id, key, action, since)] as const,
    ),
  );
  return Object.fromEntries(counts);
}
