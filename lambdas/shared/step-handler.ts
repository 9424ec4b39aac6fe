/**
 * Wraps a step's use case as a Lambda handler with the middlewares every step uses.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { z } from 'zod';
import { logger, metrics, tracer } from './observability.js';

/**
 * Builds a middy handler that parses the input with `schema` and runs `useCase`.
 *
 * Errors are not caught: Step Functions' Retry and Catch match on the error's
 * `name`, so a handler that swallowed them would hide failures from the ASL.
 */
export function stepHandler<I, O>(schema: z.ZodType<I>, useCase: (input: I) => Promise<O>) {
  return middy(async (event: unknown): Promise<O> => useCase(schema.parse(event)))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics));
}
