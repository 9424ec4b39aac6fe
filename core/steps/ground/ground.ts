/**
 * Ground: gathers the facts the spec names, for the prompt and the policy
 * context, and records them as `context.grounded`.
 *
 * Today the facts are the history counters: for each action the spec lists,
 * how often this workflow executed it for the run's history key (e.g. the
 * customer) within the window. Policies read them as `context.history.<action>`.
 */

import { asRecordOfType } from '../../lineage/read.js';
import { type LineageWriter, lineageWriter } from '../../lineage/writer.js';
import { historyKeyFor, historyWindowStart } from '../../runs/history-key.js';
import type { RunsStore } from '../../runs/records.js';
import { requireRun } from '../../runs/run-lookup.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import { type GroundResult, type RunStepInput, runStepInputSchema } from '../contracts.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';

/** The history key from the stored event, for runs whose state data does not carry it. */
async function storedHistoryKey(
  spec: WorkflowSpec,
  runs: Pick<RunsStore, 'getRun'>,
  runId: string,
): Promise<string | undefined> {
  return historyKeyFor(spec, (await requireRun(runs, runId, 'ground')).event);
}

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
async function ground(
  input: RunStepInput,
  spec: WorkflowSpec,
  { runs, lineage, clock }: PortsFor<typeof groundNeeds>,
  writer: LineageWriter,
): Promise<GroundResult> {
  const { run } = input;

  const head = await lineage.head(run.runId);
  const recorded = asRecordOfType(head, 'context.grounded');
  if (recorded) return { facts: recorded.data.facts };

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

  await writer.append(
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

const groundNeeds = { runs: 'read', lineage: 'append' } as const;

/** The ground step: see {@link ground}. */
export const groundStep = defineStep({
  name: 'ground',
  input: runStepInputSchema,
  ports: groundNeeds,
  build(pack, ports) {
    const writer = lineageWriter('ground', ports.lineage, ports.clock);
    return (input: RunStepInput) => ground(input, pack.spec, ports, writer);
  },
  measure(_facts, metrics) {
    metrics.count('ContextGrounded');
  },
});
