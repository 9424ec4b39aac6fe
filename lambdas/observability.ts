/**
 * Logger, metrics and tracer: one configured instance each per Lambda.
 *
 * Service name and namespace come from the standard Powertools variables the
 * stack sets (`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'awf' });

/**
 * The tracer, or undefined when tracing is switched off.
 *
 * Loading the tracer loads the X-Ray SDK, whose async hooks cost every promise
 * a little CPU even when nothing is traced; the local cloud switches tracing off
 * (`POWERTOOLS_TRACE_ENABLED=false`), so it is only loaded when it will trace.
 */
export const tracer: Tracer | undefined =
  process.env.POWERTOOLS_TRACE_ENABLED === 'false'
    ? undefined
    : new (await import('@aws-lambda-powertools/tracer')).Tracer();
