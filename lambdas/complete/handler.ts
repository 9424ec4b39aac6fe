/**
 * Complete's Lambda: closes a finished run (see `complete.ts`).
 */
import type { WorkflowPack } from '../../core/workflow/pack.js';
import {
  assertDeployedFor,
  eventPublisherFromEnv,
  lineageStoreFromEnv,
  runsStoreFromEnv,
} from '../shared/from-env.js';
import { stepHandler } from '../shared/step-handler.js';
import { complete, completeInputSchema } from './complete.js';

/** Builds Complete's handler for a pack; dependencies are created once, at cold start. */
export function createHandler(pack: WorkflowPack) {
  assertDeployedFor(pack);
  const deps = {
    runs: runsStoreFromEnv(pack),
    lineage: lineageStoreFromEnv(),
    publisher: eventPublisherFromEnv(),
    clock: () => new Date(),
  };
  return stepHandler(
    completeInputSchema,
    (input) => complete(input, deps),
    (_result, metrics) => metrics.count('RunsCompleted'),
  );
}
