/**
 * The models a workflow's agent may call, in the order it calls them: its
 * `modelId`, then each of its `fallbackModels` when the one before is
 * unavailable. One list, used by Plan (who to ask), `lib/` (what the Plan
 * role may invoke) and `awf doctor` (what to check).
 */
import { isPriced } from './pricing.js';

/** The parts of a spec's `agent` section that name models and a budget. */
export interface AgentModels {
  readonly modelId: string;
  readonly fallbackModels: readonly string[];
  readonly budget?: { readonly maxTokens?: number; readonly maxUsd?: number } | undefined;
}

/** A problem with an agent's models, at its path under `agent`. */
export interface AgentModelProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The model ids Plan may call, in order: the model, then its fallbacks. */
export function modelsOf(agent: AgentModels): readonly string[] {
  return [agent.modelId, ...agent.fallbackModels];
}

/**
 * What is wrong with an agent's models: a fallback that repeats a model
 * before it (it would be asked twice for the same answer), and, with a budget
 * in USD, a model the price table cannot price (its spend could not be
 * counted, so the budget could not be kept).
 */
export function agentModelProblems(agent: AgentModels): AgentModelProblem[] {
  const problems: AgentModelProblem[] = [];
  const models = modelsOf(agent);
  agent.fallbackModels.forEach((model, index) => {
    if (models.indexOf(model) < index + 1) {
      problems.push({
        path: ['fallbackModels', index],
        message: `expected a model not listed before it (modelId or an earlier fallback), got "${model}" again`,
      });
    }
  });
  if (agent.budget?.maxUsd !== undefined) {
    for (const model of models.filter((m) => !isPriced(m))) {
      problems.push({
        path: ['budget', 'maxUsd'],
        message: `expected every model to have a price in core/cost/prices.ts to keep a budget in USD, got no price for "${model}"; add its price or use budget.maxTokens`,
      });
    }
  }
  return problems;
}
