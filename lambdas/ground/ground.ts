/**
 * Ground: gathers the facts the spec names, for the prompt and the policy
 * context, and records them as `context.grounded`.
 *
 * Today the facts are the history counters: for each action the spec lists,
 * how often this workflow executed it for the run's history key (e.g. the
 * customer) within the window. Policies read them as `context.history.<action>`.
 */
import { z } from 'zod';
import { requireRun } from '../../core/agent/run-lookup.js';
import { runRefSchema } from '../../core/agent/step-inputs.js';
import { appendLineage } from '../../core/lineage/chain.js';
import type { LineageStore } from '../../core/lineage/record.js';
import type { Clock } from '../../core/ports.js';
import type { GroundResult, RunStepInput } from '../../core/run/contracts.js';
import { historyKeyFor, historyWindowStart } from '../../core/run/history-key.js';
import type { RunsStore } from '../../core/runs/records.js';
import type { WorkflowSpec } from '../../core/workflow/spec.js';

/** Ground's input: the run. */
export const groundInputSchema = z.object({ run: runRefSchema }) satisfies z.ZodType<RunStepInput>;

/** What Ground works with. */
export interface GroundDependencies {
  readonly spec: WorkflowSpec;
  readonly runs: RunsStore;
  readonly lineage: LineageStore;
  readonly clock: Clock;
}

/** The history key from the stored event, for runs whose state data does not carry it. */
async function storedHistoryKey(
  spec: WorkflowSpec,
  runs: Pick<RunsStore, 'getRun'>,
  runId: string,
): Promise<string | undefined> {
  return historyKeyFor(spec, (await requireRun(runs, runId, 'ground')).event);
}

const recordedFactsSchema = z.object({ facts: z.record(z.string(), z.unknown()) });

/**
 * Counts the history the spec asks for and records `context.grounded`.
 *
 * Retry-safe: when the chain already ends with this run's `context.grounded`
 * (the step was retried after it landed), the recorded facts are returned, so
 * the state data always matches the evidence.
 *
 * @returns `{ facts: { history: { <action>: <count> } } }`, `{ history: {} }` without history.
 * @throws MissingHistoryKeyError when the event has no value at the history key.
 */
export async function ground(input: RunStepInput, deps: GroundDependencies): Promise<GroundResult> {
  const { spec, runs, lineage, clock } = deps;
  const { run } = input;

  const head = await lineage.head(run.runId);
  if (head?.type === 'context.grounded') {
    const recorded = recordedFactsSchema.safeParse(head.data);
    if (recorded.success) return { facts: recorded.data.facts };
  }

  const now = clock();
  const history: Record<string, number> = {};
  const config = spec.grounding.history;
  const since = historyWindowStart(spec, now);
  if (config !== undefined && since !== undefined) {
    const key = run.historyKey ?? (await storedHistoryKey(spec, runs, run.runId));
    if (key !== undefined) {
      for (const action of config.actions) {
        history[action] = await runs.countHistory(spec.id, key, action, since);
      }
    }
  }
  const facts = { history };

  await appendLineage(
    lineage,
    clock,
    run.runId,
    {
      type: 'context.grounded',
      actor: 'awf:ground',
      workflowId: run.workflowId,
      entityId: run.entityId,
      versions: { workflowVersion: run.workflowVersion },
      // The key's path, not its value: the value (a customer id, an email) may be personal data.
      data:
        config === undefined
          ? { facts }
          : { facts, history: { keyPath: config.key, window: config.window, since } },
    },
    { knownHead: head ?? null },
  );
  return { facts };
}
