/**
 * What one governed run uses of each billed AWS service, measured on the
 * local cloud, and what that costs at the price file's list prices
 * (`core/cost/prices.ts`, `core/cost/run-cost.ts`):
 *
 * - Step Functions: the states each execution entered (its history);
 * - Lambda: the invocations of its Lambda Task states (history) and their
 *   duration from start to result times the function's configured memory
 *   (`lib/steps.ts`), as GB-seconds. Locally a step waits on DynamoDB Local and
 *   the local KMS rather than on AWS, so this stands in for the billed duration;
 * - DynamoDB: write and read request units from the metered batch
 *   (`dynamodb-per-run.ts`);
 * - EventBridge: the custom events put on the bus per run (the business event
 *   and awf's own WorkflowCompleted; AWS service events are free);
 * - Bedrock: each run's `model.invoked` records (calls and tokens by model).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { DynamoDbLineageStore } from '../adapters/dynamodb-lineage-store.js';
import {
  type ModelTokens,
  perThousandRuns,
  type RunCost,
  type RunUsage,
  runCost,
} from '../core/cost/run-cost.js';
import { modelTokensOf } from '../core/cost/run-usage.js';
import { recordsOfType } from '../core/lineage/read.js';
import { STEP_PROFILES, type StepName } from '../lib/steps.js';

/** One run's measured usage. */
export interface MeasuredRun {
  readonly transitions: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly modelCalls: number;
  readonly tokens: Readonly<Record<string, ModelTokens>>;
}

/** The mean usage of a set of runs, and its cost per 1,000 runs. */
export interface RunProfile {
  readonly runs: number;
  readonly transitionsPerRun: number;
  readonly modelCallsPerRun: number;
  readonly lambdaInvocationsPerRun: number;
  readonly lambdaGbSecondsPerRun: number;
  readonly wruPerRun: number;
  readonly rruPerRun: number;
  readonly eventsPerRun: number;
  /** USD per 1,000 runs: orchestration = Step Functions + Lambda + DynamoDB + EventBridge. */
  readonly awsCostPer1000Runs: {
    readonly orchestration: number;
    readonly tokens: number;
    readonly total: number;
    readonly byService: RunCost['orchestrationUsd'];
  };
}

/**
 * The Lambda invocations of one execution's history and their GB-seconds:
 * each LambdaFunctionStarted to its LambdaFunctionSucceeded (or Failed), at the
 * memory of the step whose function it invoked.
 * @param stepOf the step of a function ARN, undefined for a function that is not a step
 */
export function lambdaUsageOf(
  history: readonly HistoryEvent[],
  stepOf: (functionArn: string) => StepName | undefined,
): { invocations: number; gbSeconds: number } {
  let invocations = 0;
  let gbSeconds = 0;
  let resource: string | undefined;
  let startedAt: number | undefined;
  for (const event of history) {
    if (event.type === 'LambdaFunctionScheduled') {
      resource = event.lambdaFunctionScheduledEventDetails?.resource;
    } else if (event.type === 'LambdaFunctionStarted') {
      startedAt = event.timestamp?.getTime();
    } else if (event.type === 'LambdaFunctionSucceeded' || event.type === 'LambdaFunctionFailed') {
      invocations += 1;
      const step = resource === undefined ? undefined : stepOf(resource);
      const memoryGb = step === undefined ? 0 : STEP_PROFILES[step].memorySize / 1024;
      const seconds =
        startedAt === undefined ? 0 : ((event.timestamp?.getTime() ?? startedAt) - startedAt) / 1000;
      // Lambda bills whole milliseconds, rounded up.
      gbSeconds += memoryGb * (Math.ceil(seconds * 1000) / 1000);
      startedAt = undefined;
    }
  }
  return { invocations, gbSeconds };
}

/** A run's model calls and tokens, from its lineage chain in the local table. */
export async function modelUsageOf(
  client: DynamoDBClient,
  lineageTable: string,
  runId: string,
): Promise<Pick<MeasuredRun, 'modelCalls' | 'tokens'>> {
  const chain = await new DynamoDbLineageStore({ client, tableName: lineageTable }).chain(runId);
  return { modelCalls: recordsOfType(chain, 'model.invoked').length, tokens: modelTokensOf(chain) };
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** The runs' mean tokens by model. */
function meanTokens(runs: readonly MeasuredRun[]): Record<string, ModelTokens> {
  const total: Record<string, { input: number; output: number; cacheRead: number; cacheWrite: number }> = {};
  for (const run of runs) {
    for (const [model, t] of Object.entries(run.tokens)) {
      const sum = total[model] ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
      total[model] = sum;
      sum.input += t.input;
      sum.output += t.output;
      sum.cacheRead += t.cacheRead;
      sum.cacheWrite += t.cacheWrite;
    }
  }
  const n = Math.max(1, runs.length);
  return Object.fromEntries(
    Object.entries(total).map(([model, t]) => [
      model,
      { input: t.input / n, output: t.output / n, cacheRead: t.cacheRead / n, cacheWrite: t.cacheWrite / n },
    ]),
  );
}

/**
 * The mean of the measured runs with the metered DynamoDB units and the
 * events per run, priced per 1,000 runs.
 */
export function runProfileOf(
  runs: readonly MeasuredRun[],
  dynamodb: { readonly wru: number; readonly rru: number },
  eventsPerRun: number,
): RunProfile {
  const usage: RunUsage = {
    transitions: mean(runs.map((r) => r.transitions)),
    lambda: {
      invocations: mean(runs.map((r) => r.lambdaInvocations)),
      gbSeconds: mean(runs.map((r) => r.lambdaGbSeconds)),
    },
    dynamodb,
    events: eventsPerRun,
    tokens: meanTokens(runs),
  };
  const cost = perThousandRuns(runCost(usage));
  const usd = (value: number) => round(value, 4);
  return {
    runs: runs.length,
    transitionsPerRun: round(usage.transitions, 2),
    modelCallsPerRun: round(mean(runs.map((r) => r.modelCalls)), 2),
    lambdaInvocationsPerRun: round(usage.lambda.invocations, 2),
    lambdaGbSecondsPerRun: round(usage.lambda.gbSeconds, 4),
    wruPerRun: round(dynamodb.wru, 2),
    rruPerRun: round(dynamodb.rru, 2),
    eventsPerRun: round(eventsPerRun, 2),
    awsCostPer1000Runs: {
      orchestration: usd(cost.orchestrationUsd.total),
      tokens: usd(cost.tokensUsd),
      total: usd(cost.totalUsd),
      byService: {
        stepFunctions: usd(cost.orchestrationUsd.stepFunctions),
        lambda: usd(cost.orchestrationUsd.lambda),
        dynamodb: usd(cost.orchestrationUsd.dynamodb),
        eventBridge: usd(cost.orchestrationUsd.eventBridge),
        total: usd(cost.orchestrationUsd.total),
      },
    },
  };
}

/** The profile as the bench prints it. */
export function describeRunProfile(label: string, profile: RunProfile): string[] {
  const c = profile.awsCostPer1000Runs;
  const s = c.byService;
  return [
    `${label} (${profile.runs} runs): ${profile.transitionsPerRun} transitions, ${profile.modelCallsPerRun} model calls, ${profile.lambdaInvocationsPerRun} Lambda invocations (${profile.lambdaGbSecondsPerRun} GB-s), ${profile.wruPerRun} WRU, ${profile.rruPerRun} RRU, ${profile.eventsPerRun} events per run`,
    `${label}: AWS cost per 1,000 runs $${c.total} = orchestration $${c.orchestration} (Step Functions $${s.stepFunctions}, Lambda $${s.lambda}, DynamoDB $${s.dynamodb}, EventBridge $${s.eventBridge}) + model tokens $${c.tokens}`,
  ];
}
