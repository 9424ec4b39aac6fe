/**
 * A run's model budget: what its model calls have consumed, and whether the
 * spec's `agent.budget` leaves room for another call.
 *
 * The spend is read from the run's own evidence (the `usage` of each
 * `model.invoked` record, across iterations), so a retried or redriven Plan
 * counts what the run really spent and no counter can drift from the chain.
 * The check runs before each call: a call is made only while the spend is
 * below every limit, so one call can take a run past its budget, and no call
 * is made after that.
 */
import type { LineageRecord } from '../../lineage/record.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import type { PlanResult } from '../contracts.js';

/** What a run's model calls have consumed. */
export interface ModelSpend {
  readonly calls: number;
  /** Input plus output tokens. */
  readonly tokens: number;
  /** Estimated USD (`core/cost/prices.ts`); calls of an unpriced model add nothing. */
  readonly usd: number;
}

/** No calls yet. */
export const NO_SPEND: ModelSpend = { calls: 0, tokens: 0, usd: 0 };

/** Rounds to a millionth of a cent, as `costUsd` does, so sums do not grow float noise. */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}

/** The spend after one more call with this usage. */
export function addCall(
  spend: ModelSpend,
  usage: { readonly inputTokens: number; readonly outputTokens: number; readonly costUsd?: number },
): ModelSpend {
  return {
    calls: spend.calls + 1,
    tokens: spend.tokens + usage.inputTokens + usage.outputTokens,
    usd: roundUsd(spend.usd + (usage.costUsd ?? 0)),
  };
}

/** What the run's recorded model calls consumed: the usage of every `model.invoked` record of the chain. */
export function spendOf(chain: readonly LineageRecord[]): ModelSpend {
  return chain
    .filter((record) => record.type === 'model.invoked' && record.usage !== undefined)
    .reduce((spend, record) => (record.usage ? addCall(spend, record.usage) : spend), NO_SPEND);
}

/** The BUDGET_EXCEEDED result of Plan. */
type BudgetExceeded = Extract<PlanResult, { outcome: 'BUDGET_EXCEEDED' }>;

/**
 * BUDGET_EXCEEDED with the spent figures when the spend has reached a limit
 * of the budget, else undefined (also when the spec sets no budget).
 */
export function budgetExceeded(
  budget: WorkflowSpec['agent']['budget'],
  spend: ModelSpend,
  iteration: number,
): BudgetExceeded | undefined {
  if (budget === undefined) return undefined;
  const exceeded: ('maxTokens' | 'maxUsd')[] = [];
  if (budget.maxTokens !== undefined && spend.tokens >= budget.maxTokens) exceeded.push('maxTokens');
  if (budget.maxUsd !== undefined && spend.usd >= budget.maxUsd) exceeded.push('maxUsd');
  if (exceeded.length === 0) return undefined;
  return {
    outcome: 'BUDGET_EXCEEDED',
    detail: {
      iteration,
      spent: { ...spend },
      budget: {
        ...(budget.maxTokens === undefined ? {} : { maxTokens: budget.maxTokens }),
        ...(budget.maxUsd === undefined ? {} : { maxUsd: budget.maxUsd }),
      },
      exceeded,
    },
  };
}
