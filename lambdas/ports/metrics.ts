/** The metrics port in a Lambda: the Lambda's Powertools metrics, flushed after each invocation. */
import type { StepMetrics } from '../../core/steps/step-definition.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { stepMetrics } from '../step-handler.js';

/** Builds the metrics port once per cold start. */
export function createMetricsPort(_pack: WorkflowPack): StepMetrics {
  return stepMetrics();
}
