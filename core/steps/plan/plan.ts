/**
 * The plan step's use case: ask the model what to do next, and accept only what
 * the catalogue allows.
 *
 * One planning round is a short conversation: the planning request, then, while
 * the answer is invalid and the repair budget (`spec.agent.maxRepairs`) lasts,
 * the problems sent back as tool results. Every model call is recorded
 * (`model.invoked`, with usage and cost) whether or not its answer was usable;
 * the accepted answer is recorded as `actions.proposed`. Both name the model
 * that answered (`versions.modelId`, `actor`).
 *
 * A model that cannot answer at all (end of life, access denied, unknown id:
 * `core/model/unavailable.ts`) hands the call to the next of the spec's
 * `agent.fallbackModels`; when none answers, the round ends MODEL_UNAVAILABLE
 * with each model's answer and the fix. Before each call the run's spend is
 * checked against `agent.budget` (see `budget.ts`); a run that has spent it
 * ends BUDGET_EXCEEDED without calling. The state machine escalates both.
 */
import * as z from 'zod';
import { proposalIdFor } from '../../ids.js';
import { admissionOf } from '../../lineage/admission.js';
import { observationsOf } from '../../lineage/observations.js';
import { recordsOfType } from '../../lineage/read.js';
import type { LineageRecord, LineageVersions } from '../../lineage/record.js';
import type { LineageData } from '../../lineage/registry.js';
import { lineageWriter } from '../../lineage/writer.js';
import { modelsOf } from '../../model/agent-models.js';
import type { ConverseRequest, ConverseResponse, Message, ModelPort } from '../../model/model.js';
import { costUsd } from '../../model/pricing.js';
import { cacheTokensOf } from '../../model/prompt-cache.js';
import {
  MODEL_UNAVAILABLE_FIXES,
  type ModelUnavailableError,
  modelUnavailableFrom,
} from '../../model/unavailable.js';
import type { RunRecord } from '../../runs/records.js';
import { requireRun } from '../../runs/run-lookup.js';
import { storabilityProblems } from '../../storable.js';
import type { WorkflowPack } from '../../workflow/pack.js';
import { type PlanInput, type PlanResult, planInputSchema, type RunRef } from '../contracts.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';
import { addCall, budgetExceeded, spendOf } from './budget.js';
import { createPlanningPrompt, type PlanningContext } from './prompt.js';
import {
  describeProblem,
  type ModelOutputProblem,
  type ParsedModelOutput,
  parseModelOutput,
} from './proposals.js';
import { assistantTurn, repairTurn } from './repair.js';

/** The longest model text kept in a `model.invoked` record; tool calls are kept whole. */
const MAX_RECORDED_TEXT = 4000;

const eventTimeSchema = z.object({ time: z.string().min(1) });

/** What the model is told about the run's event. */
interface EventView {
  readonly requestedAt: string;
  readonly event: Readonly<Record<string, unknown>>;
}

/** When the run's event happened: its `time`, or the run's start when the event carries none. */
function requestedAtOf(run: RunRecord): string {
  const parsed = eventTimeSchema.safeParse(run.event);
  return parsed.success ? parsed.data.time : run.startedAt;
}

/**
 * A tool call's input as `model.invoked` records it: as it came, or, when no
 * record can hold it (see `core/storable.ts`), as its JSON text, so the call
 * that had to be refused is still in the evidence.
 */
function recordableInput(input: unknown): unknown {
  if (storabilityProblems(input, 'input').length === 0) return input;
  return { unstorableJson: (JSON.stringify(input) ?? String(input)).slice(0, MAX_RECORDED_TEXT) };
}

function recordedAnswer(response: ConverseResponse): LineageData<'model.invoked'>['answer'] {
  const content = response.output.message.content;
  const calls = content.flatMap((block) =>
    'toolUse' in block
      ? [
          {
            toolUseId: block.toolUse.toolUseId,
            name: block.toolUse.name,
            input: recordableInput(block.toolUse.input),
          },
        ]
      : [],
  );
  const text = content
    .flatMap((block) => ('text' in block ? [block.text] : []))
    .join('\n')
    .slice(0, MAX_RECORDED_TEXT);
  return { stopReason: response.stopReason, calls, ...(text ? { text } : {}) };
}

/** The MODEL_UNAVAILABLE result of Plan. */
type ModelUnavailable = Extract<PlanResult, { outcome: 'MODEL_UNAVAILABLE' }>;

/** MODEL_UNAVAILABLE naming each model tried, Bedrock's answer and the fix, every distinct fix together. */
function modelUnavailable(iteration: number, tried: readonly ModelUnavailableError[]): ModelUnavailable {
  const fixes = [...new Set(tried.map((error) => MODEL_UNAVAILABLE_FIXES[error.kind]))];
  return {
    outcome: 'MODEL_UNAVAILABLE',
    detail: {
      iteration,
      tried: tried.map((error) => ({
        modelId: error.modelId,
        kind: error.kind,
        answer: error.answer,
        fix: MODEL_UNAVAILABLE_FIXES[error.kind],
      })),
      fix: fixes.join('; also: '),
    },
  };
}

/**
 * Asks the models from `models[from]` on, in order, until one answers: a
 * model that cannot answer at all is noted in `tried` and the next is asked;
 * any other error (throttling, a timeout) propagates for the state machine to
 * retry. Returns the answer and the index of the model that gave it, or
 * undefined when none did.
 */
async function converseWithFallback(
  model: ModelPort,
  request: Omit<ConverseRequest, 'modelId'>,
  models: readonly string[],
  from: number,
  tried: ModelUnavailableError[],
): Promise<{ response: ConverseResponse; index: number } | undefined> {
  for (let index = from; index < models.length; index++) {
    const modelId = models[index] as string;
    try {
      return { response: await model.converse({ ...request, modelId }), index };
    } catch (error) {
      const unavailable = modelUnavailableFrom(error, modelId);
      if (unavailable === undefined) throw error;
      tried.push(unavailable);
    }
  }
  return undefined;
}

/**
 * The answer this iteration already recorded as `actions.proposed`, if any: a
 * plan step retried after its answer landed returns it rather than asking the
 * model again, so an iteration has one answer, the one the gate judges.
 *
 * @throws MalformedLineageRecordError when an `actions.proposed` record is malformed:
 *   taking it for "not answered" would ask the model a second time.
 */
function recordedPlan(chain: readonly LineageRecord[], iteration: number): PlanResult | undefined {
  const record = recordsOfType(chain, 'actions.proposed').find(({ data }) => data.iteration === iteration);
  if (!record) return undefined;
  const { data } = record;
  return data.outcome === 'FINISHED'
    ? { outcome: 'FINISHED', summary: data.summary }
    : { outcome: 'PROPOSED', proposals: data.proposals, ...(data.finish && { finish: data.finish }) };
}

/**
 * Builds the plan step for a pack. The prompt and tool specs are built once,
 * here, not per call.
 *
 * The returned function reads the run's event (its redacted detail, from the
 * chain's `run.started` record) and the run's observations (the chain's
 * `action.executed` records), converses with the model, and returns PROPOSED with
 * deterministic proposal ids, FINISHED with the model's summary, or INVALID
 * with the problems of the last answer once the repair budget is spent,
 * MODEL_UNAVAILABLE when neither the model nor any fallback can answer, or
 * BUDGET_EXCEEDED when the run's spend leaves no room for the next call. A
 * retry of an iteration whose answer is recorded returns that answer without
 * calling the model.
 *
 * @throws RunNotFoundError when the run is missing.
 * @throws the model port's other errors unchanged (`ThrottlingException`, ...):
 *   the state machine retries them by name.
 * @throws LineageWriteError when a record cannot be appended.
 * @example
 * const plan = planStep.build(pack, ports);
 * const result = await plan({ run, iteration: 0, facts });
 */
function createPlan(
  pack: WorkflowPack,
  deps: PortsFor<typeof planNeeds>,
): (input: PlanInput) => Promise<PlanResult> {
  const { spec } = pack;
  const models = modelsOf(spec.agent);
  const writer = lineageWriter('plan', deps.lineage, deps.clock, deps.recordKeys);
  const prompt = createPlanningPrompt(pack);
  const versions = (run: RunRef, modelId: string): LineageVersions => ({
    workflowVersion: run.workflowVersion,
    modelId,
    promptHash: prompt.promptHash,
  });

  /**
   * The event time and redacted detail, from the chain's `run.started` record
   * when it holds them: Admit wrote them there from the run it had just
   * created, so the chain already read spares reading the run item (with its
   * whole event) again. A chain without that record reads the run.
   */
  async function eventViewOf(run: RunRef, chain: readonly LineageRecord[]): Promise<EventView> {
    const admission = admissionOf(chain);
    if (admission?.eventTime !== undefined) {
      return { requestedAt: admission.eventTime, event: admission.redactedDetail };
    }
    const stored = await requireRun(deps.runs, run.runId, 'plan');
    return { requestedAt: requestedAtOf(stored), event: stored.redactedDetail };
  }

  return async ({ run, iteration, facts }) => {
    const chain = await deps.lineage.chain(run.runId);
    const answered = recordedPlan(chain, iteration);
    if (answered) return answered;
    // Each append builds on the last record this step read or wrote, saving a head read per record.
    let head: LineageRecord | null = chain.at(-1) ?? null;
    const { requestedAt, event } = await eventViewOf(run, chain);
    const context: PlanningContext = {
      objective: spec.objective,
      workflowId: run.workflowId,
      entityId: run.entityId,
      iteration,
      requestedAt,
      event,
      facts,
      // What Act executed, as the chain read above records it.
      observations: observationsOf(chain),
    };
    // Each call names its model itself, in the fallback order; the prompt's default is not used.
    const { modelId: _default, ...request } = prompt.requestFor(context, run.runId);
    const messages: Message[] = [...request.messages];
    /** Who answered, as the records name them: `model:<id>` and `versions.modelId`. */
    const draftBase = (modelId: string) => ({
      actor: `model:${modelId}`,
      workflowId: run.workflowId,
      entityId: run.entityId,
      versions: versions(run, modelId),
    });
    let spend = spendOf(chain);
    // A model found unavailable is not asked again in this round: repairs go to the one that answered.
    let current = 0;
    const tried: ModelUnavailableError[] = [];

    let parsed: ParsedModelOutput | undefined;
    let answeredBy = models[0] as string;
    for (let attempt = 0; attempt <= spec.agent.maxRepairs; attempt++) {
      const overBudget = budgetExceeded(spec.agent.budget, spend, iteration);
      if (overBudget) return overBudget;
      const startedAt = deps.clock().getTime();
      const answered = await converseWithFallback(
        deps.model,
        { ...request, messages: [...messages] },
        models,
        current,
        tried,
      );
      if (answered === undefined) return modelUnavailable(iteration, tried);
      const { response } = answered;
      current = answered.index;
      answeredBy = models[current] as string;
      const latencyMs = response.metrics?.latencyMs ?? Math.max(0, deps.clock().getTime() - startedAt);
      parsed = parseModelOutput(spec, response);
      const problems = parsed.outcome === 'INVALID' ? parsed.problems.map(describeProblem) : [];
      const cost = costUsd(answeredBy, response.usage);
      const usage = {
        inputTokens: response.usage.inputTokens,
        outputTokens: response.usage.outputTokens,
        // Prompt cache tokens, as Bedrock reports them; costUsd above prices them.
        ...cacheTokensOf(response.usage),
        latencyMs,
        ...(cost === undefined ? {} : { costUsd: cost }),
      };
      spend = addCall(spend, usage);
      // What the dashboards read of every call: tokens, latency and cost.
      deps.metrics.count('ModelInputTokens', usage.inputTokens);
      deps.metrics.count('ModelOutputTokens', usage.outputTokens);
      deps.metrics.value('ModelLatency', latencyMs, 'Milliseconds');
      if (cost !== undefined) deps.metrics.value('ModelCostUsd', cost, 'None');
      head = await writer.append(
        run.runId,
        {
          ...draftBase(answeredBy),
          type: 'model.invoked',
          data: { iteration, attempt, answer: recordedAnswer(response), problems },
          usage,
        },
        { knownHead: head },
      );
      if (parsed.outcome !== 'INVALID') break;
      messages.push(
        assistantTurn(response.output.message),
        repairTurn(response.output.message, parsed.problems),
      );
    }

    if (!parsed || parsed.outcome === 'INVALID') {
      const problems: readonly ModelOutputProblem[] = parsed?.outcome === 'INVALID' ? parsed.problems : [];
      return { outcome: 'INVALID', problems: problems.map(describeProblem) };
    }
    const result: PlanResult =
      parsed.outcome === 'FINISHED'
        ? { outcome: 'FINISHED', summary: parsed.summary }
        : {
            outcome: 'PROPOSED',
            proposals: parsed.actions.map((proposed, index) => ({
              proposalId: proposalIdFor(run.runId, iteration, index, proposed.action, proposed.input),
              action: proposed.action,
              input: proposed.input,
              rationale: proposed.rationale,
              confidence: proposed.confidence,
            })),
            // The finish that came with the proposals: Act decides whether it stands.
            ...(parsed.finish && { finish: parsed.finish }),
          };
    await writer.append(
      run.runId,
      {
        ...draftBase(answeredBy),
        type: 'actions.proposed',
        // A finished plan records an empty proposal list, so every actions.proposed has one.
        data:
          result.outcome === 'FINISHED' ? { iteration, ...result, proposals: [] } : { iteration, ...result },
      },
      { knownHead: head },
    );
    return result;
  };
}

const planNeeds = {
  model: 'invoke',
  runs: 'read',
  lineage: 'append',
  recordKeys: 'sign',
  metrics: 'emit',
} as const;

/** The plan step: see {@link createPlan}. */
export const planStep = defineStep({
  name: 'plan',
  input: planInputSchema,
  ports: planNeeds,
  build: createPlan,
  measure(plan, metrics) {
    const counted = {
      FINISHED: 'AgentFinished',
      INVALID: 'InvalidModelOutput',
      MODEL_UNAVAILABLE: 'ModelUnavailable',
      BUDGET_EXCEEDED: 'BudgetExceeded',
    } as const;
    if (plan.outcome === 'PROPOSED') metrics.count('ActionsProposed', plan.proposals.length);
    else metrics.count(counted[plan.outcome]);
    // Alarmed counts are emitted as 0 too, so their alarms see data instead of silence.
    if (plan.outcome !== 'MODEL_UNAVAILABLE') metrics.count('ModelUnavailable', 0);
    if (plan.outcome !== 'BUDGET_EXCEEDED') metrics.count('BudgetExceeded', 0);
  },
});
