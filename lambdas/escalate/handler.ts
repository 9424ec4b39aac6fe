/**
 * Escalate's Lambda: closes a run that needs people (see `escalate.ts`).
 */
import type { WorkflowPack } from '../../core/workflow/pack.js';
import {
  assertDeployedFor,
  eventPublisherFromEnv,
  lineageStoreFromEnv,
  runsStoreFromEnv,
} from '../shared/from-env.js';
import { stepHandler } from '../shared/step-handler.js';
import { escalate, escalateInputSchema } from './escalate.js';

/** Builds Escalate's handler for a pack; dependencies are created once, at cold start. */
export function createHandler(pack: WorkflowPack) {
  assertDeployedFor(pack);
  const deps = {
    spec: pack.spec,
    runs: runsStoreFromEnv(pack),
    lineage: lineageStoreFromEnv(),
    publisher: eventPublisherFromEnv(),
    clock: () => new Date(),
  };
  return stepHandler(
    escalateInputSchema,
    (input) => escalate(input, deps),
    (result, metrics) =>
      metrics.count(`Runs${result.status.charAt(0)}${result.status.slice(1).toLowerCase()}`),
  );
}
