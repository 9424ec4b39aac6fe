/**
 * The metrics the steps emit (EMF, namespace `awf`, dimension `service` =
 * `awf-<workflow>-<step>`, as Powertools writes them), named once for the
 * alarms and dashboards that read them. `test/e2e/operations-metrics.test.ts`
 * checks that every one of them is emitted by the example runs.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { StepName } from '../core/steps/step-names.js';

/** The namespace the steps' metrics are in (`POWERTOOLS_METRICS_NAMESPACE`). */
export const STEP_METRICS_NAMESPACE = 'awf';

/** The `service` dimension Powertools gives a step's metrics. */
export function stepService(workflowId: string, step: StepName): string {
  return `awf-${workflowId}-${step}`;
}

/** One metric a step emits. */
export function stepMetric(
  workflowId: string,
  step: StepName,
  metricName: string,
  options: { readonly statistic?: string; readonly period?: Duration; readonly label?: string } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: STEP_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: stepService(workflowId, step) },
    statistic: options.statistic ?? 'Sum',
    period: options.period ?? Duration.minutes(5),
    ...(options.label === undefined ? {} : { label: options.label }),
  });
}
