/**
 * Ground: gathers the facts the spec names, for the prompt and the policy
 * context, and records them as `context.grounded`.
 *
 * The facts are the grounding facts (`spec.grounding.facts`: items of the
 * customer's tables, such as the order a refund is about) and the history
 * figures (counts and measures of executed actions for the run's history key
 * within the window). The model gets them as far as their class allows; the
 * gate and act steps read them again themselves when they decide.
 */

import { asRecordOfType } from '../../lineage/read.js';
import { type LineageWriter, lineageWriter } from '../../lineage/writer.js';
import { type GroundedFact, readGroundingFacts } from '../../policy/facts.js';
import { currentHistory } from '../../policy/history.js';
import { redactedPlaceholder } from '../../redaction.js';
import { historyWindowStart, storedHistoryKey } from '../../runs/history-key.js';
import { requireRun } from '../../runs/run-lookup.js';
import type { DataClass, WorkflowSpec } from '../../workflow/spec.js';
import { type GroundResult, type RunStepInput, runStepInputSchema } from '../contracts.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';

/**
 * The facts as the model may see them: a fact whose class the spec keeps from
 * the model is replaced by its redaction placeholder, a missing one by why.
 */
function modelViewOf(
  spec: WorkflowSpec,
  facts: Readonly<Record<string, GroundedFact>>,
): Record<string, unknown> {
  const visible = new Set<DataClass>(spec.data.modelMaySee);
  return Object.fromEntries(
    Object.entries(facts).map(([name, fact]) => {
      if (!fact.found) return [name, { unavailable: fact.problem }];
      const dataClass = spec.grounding.facts[name]?.dataClass ?? spec.data.defaultClass;
      return [name, visible.has(dataClass) ? fact.attributes : redactedPlaceholder(dataClass)];
    }),
  );
}

/**
 * Reads the grounding facts, figures the history, and records `context.grounded`.
 *
 * The facts come from the customer's tables the spec names, keyed by the
 * admitted event (read from the runs table, never from state data); the
 * history is counted under the keyed hash of the normalized history key.
 *
 * Retry-safe: when the chain already ends with this run's `context.grounded`
 * (the step was retried after it landed), the recorded facts are returned, so
 * the state data always matches the evidence.
 *
 * @returns `{ facts: { history: { <figure>: <value> }, <fact>: <attributes> } }` as the model may see them.
 * @throws MissingHistoryKeyError when the event has no value at the history key.
 */
async function ground(
  input: RunStepInput,
  spec: WorkflowSpec,
  { runs, lineage, facts: reader, keys, clock }: PortsFor<typeof groundNeeds>,
  writer: LineageWriter,
): Promise<GroundResult> {
  const { run } = input;

  const head = await lineage.head(run.runId);
  const recorded = asRecordOfType(head, 'context.grounded');
  if (recorded) return { facts: recorded.data.facts };

  const now = clock();
  const { event } = await requireRun(runs, run.runId, 'ground');
  const [grounded, history] = await Promise.all([
    readGroundingFacts(spec, event, reader),
    storedHistoryKey(spec, event, keys).then((key) => currentHistory(spec, runs, key, now)),
  ]);
  const facts = { history, ...modelViewOf(spec, grounded) };
  const config = spec.grounding.history;
  const since = historyWindowStart(spec, now);

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

const groundNeeds = {
  runs: 'read',
  lineage: 'append',
  facts: 'read',
  keys: 'mac',
  recordKeys: 'sign',
} as const;

/** The ground step: see {@link ground}. */
export const groundStep = defineStep({
  name: 'ground',
  input: runStepInputSchema,
  ports: groundNeeds,
  build(pack, ports) {
    const writer = lineageWriter('ground', ports.lineage, ports.clock, ports.recordKeys);
    return (input: RunStepInput) => ground(input, pack.spec, ports, writer);
  },
  measure(_facts, metrics) {
    metrics.count('ContextGrounded');
  },
});
