/**
 * The `history` part of a policy request: how often, and for how much, this
 * workflow's actions ran recently for the run's history key (e.g. the
 * customer), per `spec.grounding.history`:
 *
 * - `context.history.<action>`: executions of each listed action (a Long);
 * - `context.history.<measure>`: a measure's count, or its sum of one numeric
 *   input field (a Long for integer fields, else a decimal), counting only the
 *   executions whose input matches its `where`.
 *
 * The key is the keyed hash of the normalized key value (`core/runs/history-key.ts`).
 */
import * as z from 'zod';
import { historyWindowStart } from '../runs/history-key.js';
import type { HistoryEntry, RunsStore } from '../runs/records.js';
import type { WorkflowSpec } from '../workflow/spec.js';

/** Cedar decimals carry four fractional digits; sums are added in these units, exactly. */
const SCALE = 10_000;

const historyFactsSchema = z.object({ history: z.record(z.string(), z.number().min(0)) });

/**
 * The figures Ground put in the facts (`facts.history`). Anything else gives
 * no figures, and the gate then denies actions whose policies need them:
 * a missing count must never read as zero.
 */
export function historyFromFacts(facts: Readonly<Record<string, unknown>>): Record<string, number> {
  const parsed = historyFactsSchema.safeParse(facts);
  return parsed.success ? parsed.data.history : {};
}

/** What history needs from a spec. */
export type HistoryFiguresSpec = Pick<WorkflowSpec, 'grounding'>;

/** The actions whose entries the figures read: the counted ones and the measures' ones. */
export function historyActions(spec: HistoryFiguresSpec): string[] {
  const history = spec.grounding.history;
  if (history === undefined) return [];
  return [...new Set([...history.actions, ...Object.values(history.measures).map((m) => m.action)])];
}

/**
 * The input values an execution of `action` keeps in its history entry: the
 * fields the measures sum or filter on, and nothing else (the entry outlives
 * the run, and other fields may be personal data).
 */
export function historyValuesOf(
  spec: HistoryFiguresSpec,
  action: string,
  input: Readonly<Record<string, unknown>>,
): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const measure of Object.values(spec.grounding.history?.measures ?? {})) {
    if (measure.action !== action) continue;
    for (const field of [
      ...(measure.sum === undefined ? [] : [measure.sum]),
      ...Object.keys(measure.where),
    ]) {
      const value = input[field];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        values[field] = value;
    }
  }
  return values;
}

/**
 * The figures policies read, from the entries of each action.
 * @param entries per action of {@link historyActions}, within the window
 */
export function historyFigures(
  spec: HistoryFiguresSpec,
  entries: Readonly<Record<string, readonly HistoryEntry[]>>,
): Record<string, number> {
  const history = spec.grounding.history;
  if (history === undefined) return {};
  const figures: Record<string, number> = {};
  for (const action of history.actions) figures[action] = entries[action]?.length ?? 0;
  for (const [name, measure] of Object.entries(history.measures)) {
    const matching = (entries[measure.action] ?? []).filter((entry) =>
      Object.entries(measure.where).every(([field, value]) => entry.values[field] === value),
    );
    if (measure.sum === undefined) {
      figures[name] = matching.length;
      continue;
    }
    const field = measure.sum;
    const scaled = matching.reduce((total, entry) => {
      const value = entry.values[field];
      return total + (typeof value === 'number' ? Math.round(value * SCALE) : 0);
    }, 0);
    figures[name] = scaled / SCALE;
  }
  return figures;
}

/**
 * The figures as they stand now, read from the runs table under the run's
 * (hashed) history key within the window ending now. Empty when the spec
 * keeps no history.
 */
export async function currentHistory(
  spec: HistoryFiguresSpec & Pick<WorkflowSpec, 'id' | 'data'>,
  runs: Pick<RunsStore, 'listHistory'>,
  historyKey: string | undefined,
  now: Date,
): Promise<Record<string, number>> {
  const since = historyWindowStart(spec, now);
  if (historyKey === undefined || since === undefined) return {};
  const lists = await Promise.all(
    historyActions(spec).map(
      async (action) => [action, await runs.listHistory(spec.id, historyKey, action, since)] as const,
    ),
  );
  return historyFigures(spec, Object.fromEntries(lists));
}
