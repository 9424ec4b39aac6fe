/**
 * The `history` part of a policy request: how often this workflow's actions
 * ran recently for the run's history key (e.g. the customer), per
 * `spec.grounding.history`. The key and window come from
 * `core/run/history-key.ts`, which Ground counts by too.
 */
import { z } from 'zod';
import { historyWindowStart } from '../runs/history-key.js';
import type { RunsStore } from '../runs/records.js';
import type { WorkflowSpec } from '../workflow/spec.js';

const historyFactsSchema = z.object({ history: z.record(z.string(), z.number().int().min(0)) });

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
 * `spec.grounding.history.actions`, its executions under the run's history key
 * within the window ending now. Empty when the spec keeps no history.
 *
 * @param historyKey the run's key, from `core/run/history-key.ts`; undefined only when the spec keeps no history
 */
export async function currentHistory(
  spec: WorkflowSpec,
  runs: Pick<RunsStore, 'countHistory'>,
  historyKey: string | undefined,
  now: Date,
): Promise<Record<string, number>> {
  const history = spec.grounding.history;
  const since = historyWindowStart(spec, now);
  if (!history || historyKey === undefined || since === undefined) return {};
  const counts = await Promise.all(
    history.actions.map(
      async (action) => [action, await runs.countHistory(spec.id, historyKey, action, since)] as const,
    ),
  );
  return Object.fromEntries(counts);
}
