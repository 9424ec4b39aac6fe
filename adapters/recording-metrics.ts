/**
 * Step metrics kept in memory: what in-process harnesses (the pack tester,
 * the tests) give steps that record metrics while they work.
 */
import type { MetricValueUnit, StepMetrics } from '../core/steps/step-definition.js';

/** One recorded metric. */
export interface RecordedMetric {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricValueUnit | 'Count';
}

/** Keeps every metric recorded, in order. */
export class RecordingMetrics implements StepMetrics {
  readonly recorded: RecordedMetric[] = [];

  count(name: string, value = 1): void {
    this.recorded.push({ name, value, unit: 'Count' });
  }

  value(name: string, amount: number, unit: MetricValueUnit): void {
    this.recorded.push({ name, value: amount, unit });
  }
}
