/**
 * What one run used that is billed per run, counted from its lineage chain:
 * the Step Functions state transitions of its execution, the Lambda
 * invocations it caused, and the model tokens it spent, by model.
 *
 * Pure: the chain is the only input, so the figure can be recomputed by
 * anyone holding the chain (an auditor, the bench) and compared.
 *
 * Counted:
 * - `stateTransitions`: the states its execution entered (`statesEnteredOf`).
 *   Retries do not show in the chain, so this is the figure of the same run
 *   without retries; Step Functions bills each retry as one more transition.
 * - `lambdaInvocations`: each Task state entered that invokes a function
 *   (Admit, Park, Ground, Plan, Gate, each Request approval, Act, Complete,
 *   Escalate), plus one decide-approval invocation per `approval.decided` or
 *   `approval.refused` record of an approval the run requested. Not counted:
 *   decisions on a follow-up's cancellation (no execution waits on them);
 *   the remind schedule and the switch endpoint, which run per workflow on
 *   their own clock or an operator's call whatever the number of runs, so no
 *   run causes them; retried invocations, as above.
 * - `tokens`: the `usage` of every `model.invoked` record, summed by
 *   `versions.modelId` (each call, repairs and fallbacks included).
 */
import { recordsOfType } from '../lineage/read.js';
import type { LineageRecord } from '../lineage/record.js';
import { LAMBDA_TASK_STATES, type RunEnding, statesEnteredOf } from './execution-path.js';
import type { CountedRunUsage, ModelTokens } from './run-cost.js';

export type { CountedRunUsage } from './run-cost.js';

/** The model id a `model.invoked` record names: `versions.modelId`, else its `model:<id>` actor. */
function modelIdOf(record: LineageRecord): string {
  return record.versions.modelId ?? record.actor.replace(/^model:/, '');
}

/** Every model call's tokens, summed by model id. */
export function modelTokensOf(chain: readonly LineageRecord[]): Record<string, ModelTokens> {
  const tokens: Record<string, ModelTokens> = {};
  for (const record of recordsOfType(chain, 'model.invoked')) {
    const usage = record.usage;
    if (usage === undefined) continue;
    const modelId = modelIdOf(record);
    const sum = tokens[modelId] ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    tokens[modelId] = {
      input: sum.input + usage.inputTokens,
      output: sum.output + usage.outputTokens,
      cacheRead: sum.cacheRead + (usage.cacheReadInputTokens ?? 0),
      cacheWrite: sum.cacheWrite + (usage.cacheWriteInputTokens ?? 0),
    };
  }
  return tokens;
}

/** Decide-approval invocations that left a record: each decision, accepted or refused, on an approval of the run. */
function decisionsOf(chain: readonly LineageRecord[]): number {
  const requested = new Set(recordsOfType(chain, 'approval.requested').map(({ data }) => data.approvalId));
  return [...recordsOfType(chain, 'approval.decided'), ...recordsOfType(chain, 'approval.refused')].filter(
    ({ data }) => requested.has(data.approvalId),
  ).length;
}

/**
 * What a run used, counted from its chain.
 *
 * @param chain the run's lineage records in `seq` order
 * @param ending how the run ends; by default, the ending its chain records
 * @throws ExecutionPathError when the chain holds no run, or no ending and none is given
 * @example
 * const usage = runUsageOf(await lineage.chain(runId)); // { stateTransitions: 11, lambdaInvocations: 6, tokens: {...} }
 */
export function runUsageOf(chain: readonly LineageRecord[], ending?: RunEnding): CountedRunUsage {
  const states = statesEnteredOf(chain, ending);
  return {
    stateTransitions: states.length,
    lambdaInvocations: states.filter((state) => LAMBDA_TASK_STATES.has(state)).length + decisionsOf(chain),
    tokens: modelTokensOf(chain),
  };
}
