/**
 * Ground's Lambda: counts history for the prompt and the policies (see `ground.ts`).
 */
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { assertDeployedFor, lineageStoreFromEnv, runsStoreFromEnv } from '../shared/from-env.js';
import { stepHandler } from '../shared/step-handler.js';
import { ground, groundInputSchema } from './ground.js';

/** Builds Ground's handler for a pack; dependencies are created once, at cold start. */
export function createHandler(pack: WorkflowPack) {
  assertDeployedFor(pack);
  const deps = {
    spec: pack.spec,
    runs: runsStoreFromEnv(pack),
    lineage: lineageStoreFromEnv(),
    clock: () => new Date(),
  };
  return stepHandler(
    groundInputSchema,
    (input) => ground(input, deps),
    (_facts, metrics) => metrics.count('ContextGrounded'),
  );
}
