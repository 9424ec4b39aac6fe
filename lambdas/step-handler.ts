/**
 * The one Lambda handler factory: turns a step definition into a middy handler.
 *
 * The generated entry of each (workflow, step) calls it once per cold start
 * with the pack and a factory for each port the step declares (and no other,
 * so a bundle carries only the clients its step uses). Every step gets the
 * same middlewares: input parsed with the step's schema, Powertools logger
 * context, EMF metrics, and tracing when it is on.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { clockFromEnvironment } from '../core/clock-scale.js';
import { type PortName, type PortNeeds, portsFor, type StepPorts } from '../core/steps/ports.js';
import type { StepDefinition, StepMetrics } from '../core/steps/step-definition.js';
import type { WorkflowPack } from '../core/workflow/pack.js';
import { assertDeployedFor, deployedPack } from './config.js';
import { logger, metrics, tracer } from './observability.js';

/** Makes one port from the pack and the Lambda's environment, once per cold start. */
export type PortFactory<K extends PortName> = (pack: WorkflowPack) => StepPorts[K];

/** A factory for each port a step declares. */
export type PortFactories<N extends PortNeeds> = { readonly [K in keyof N & PortName]-?: PortFactory<K> };

/** The tracing middleware, loaded only when tracing is on (the tracer's async hooks cost every promise). */
const tracing = tracer
  ? (await import('@aws-lambda-powertools/tracer/middleware')).captureLambdaHandler(tracer)
  : undefined;

/**
 * Builds a step's Lambda handler: checks the deployment, makes the declared
 * ports, builds the use case, and wraps it.
 *
 * Errors are not caught: Step Functions' Retry and Catch match on the error's
 * `name`, so a handler that swallowed them would hide failures from the ASL.
 *
 * @throws ConfigurationError when the Lambda's environment lacks a variable,
 *   was deployed for another workflow, or names models the spec refuses.
 * @example
 * export const handler = createStepHandler(gateStep, { spec, prompt, policies }, {
 *   runs: createRunsPort, lineage: createLineagePort,
 * });
 */
export function createStepHandler<S extends z.ZodType, N extends PortNeeds, O>(
  definition: StepDefinition<S, N, O>,
  pack: WorkflowPack,
  factories: PortFactories<N>,
) {
  assertDeployedFor(pack);
  const deployed = deployedPack(pack);
  const available: Partial<Record<PortName, unknown>> = {};
  for (const [name, factory] of Object.entries(factories) as [PortName, PortFactory<PortName>][]) {
    available[name] = factory(deployed);
  }
  const useCase = definition.build(
    deployed,
    portsFor(definition.name, definition.ports, available as Partial<StepPorts>, clockFromEnvironment()),
  );
  return middyHandler(definition.input, useCase, (output, counts) => definition.measure(output, counts));
}

/** The step metrics of this Lambda: Powertools' EMF metrics, flushed by the middleware after each invocation. */
export function stepMetrics(): StepMetrics {
  return {
    count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value),
    value: (name, amount, unit) =>
      metrics.addMetric(name, unit === 'None' ? MetricUnit.NoUnit : MetricUnit[unit], amount),
  };
}

/**
 * The middy handler every step gets: parses the input with `schema`, runs
 * `useCase`, records `measure` of its output, with the logger context, EMF
 * metrics and (when on) tracing.
 */
export function middyHandler<S extends z.ZodType, O>(
  schema: S,
  useCase: (input: z.infer<S>) => Promise<O>,
  measure: (output: O, metrics: StepMetrics) => void,
) {
  const counts = stepMetrics();
  const handler = middy(async (event: unknown): Promise<O> => {
    const output = await useCase(schema.parse(event));
    measure(output, counts);
    return output;
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
  if (tracing) handler.use(tracing);
  return handler;
}
