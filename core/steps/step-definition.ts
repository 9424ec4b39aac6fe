/**
 * The one shape of a step: a name, the schema of its input, the ports it
 * needs, a builder that makes its use case from a pack and those ports, and
 * the metrics each invocation records.
 *
 * Dependencies come by factory, as Temporal's activities do: `build` runs once
 * per cold start (clients, preparsed policies, the prompt), and the use case it
 * returns runs per invocation. The same definition serves the Lambda (through
 * `lambdas/step-handler.ts` and the AWS adapters), the tests (in-memory
 * stores), and `lib/` (IAM from `ports`).
 */
import type { z } from 'zod';
import type { WorkflowPack } from '../workflow/pack.js';
import type { StepMetrics } from './metrics.js';
import type { PortNeeds, PortsFor } from './ports.js';
import type { StepName } from './step-names.js';

export type { MetricValueUnit, StepMetrics } from './metrics.js';

/** A step's use case: parsed input in, result out. */
export type UseCase<I, O> = (input: I) => Promise<O>;

/** A step, as everything that runs or deploys it sees it. */
export interface StepDefinition<
  S extends z.ZodType = z.ZodType,
  N extends PortNeeds = PortNeeds,
  O = unknown,
  K extends StepName = StepName,
> {
  readonly name: K;
  /** Parses the step's input at its boundary; the use case's input type is `z.infer` of it. */
  readonly input: S;
  /** The ports the step may use, and how; `lib/` grants IAM from exactly this. */
  readonly ports: N;
  /** Makes the use case; called once per cold start. */
  build(pack: WorkflowPack, ports: PortsFor<N>): UseCase<z.infer<S>, O>;
  /**
   * Records what one invocation did as CloudWatch metrics (EMF). Every step
   * records at least one metric, so dashboards and alarms can count admissions,
   * decisions, actions and outcomes.
   */
  measure(output: O, metrics: StepMetrics): void;
}

/** Declares a step; only there to infer the types of its parts. */
export function defineStep<S extends z.ZodType, const N extends PortNeeds, O, const K extends StepName>(
  definition: StepDefinition<S, N, O, K>,
): StepDefinition<S, N, O, K> {
  return definition;
}
