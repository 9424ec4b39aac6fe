/**
 * Wraps a step's use case as a Lambda handler with the middlewares every step uses.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { logger, metrics, tracer } from './observability.js';

/**
 * Records what one invocation of a step did as CloudWatch metrics (EMF).
 * Every step records at least one metric per invocation, so dashboards and
 * alarms can count admissions, decisions, actions and outcomes.
 */
export type StepMeasure<O> = (output: O, metrics: StepMetrics) => void;

/** The part of Powertools' Metrics a measure uses: counts only. */
export interface StepMetrics {
  count(name: string, value?: number): void;
}

/** The tracing middleware, loaded only when tracing is on, for the same reason as the tracer itself. */
const tracing = tracer
  ? (await import('@aws-lambda-powertools/tracer/middleware')).captureLambdaHandler(tracer)
  : undefined;

function countsOn(target: Metrics): StepMetrics {
  return { count: (name, value = 1) => target.addMetric(name, MetricUnit.Count, value) };
}

/**
 * Builds a middy handler that parses the input with `schema`, runs `useCase`
 * and records `measure` of its output.
 *
 * Errors are not caught: Step Functions' Retry and Catch match on the error's
 * `name`, so a handler that swallowed them would hide failures from the ASL.
 */
export function stepHandler<I, O>(
  schema: z.ZodType<I>,
  useCase: (input: I) => Promise<O>,
  measure: StepMeasure<O>,
) {
  const counts = countsOn(metrics);
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
