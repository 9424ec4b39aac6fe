/**
 * What a step records as CloudWatch metrics (EMF): counts, and values with a
 * unit. Its own module, so the ports (which offer it as the `metrics` port)
 * and the step definition (whose `measure` receives it) both import it.
 */

/** Units of the values a step records, as CloudWatch names them. */
export type MetricValueUnit = 'Milliseconds' | 'Seconds' | 'None';

/** The part of Powertools' Metrics a step uses: counts, and values with a unit (latencies, ages, cost). */
export interface StepMetrics {
  count(name: string, value?: number): void;
  value(name: string, amount: number, unit: MetricValueUnit): void;
}
