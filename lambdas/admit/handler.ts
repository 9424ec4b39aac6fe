/**
 * Admit's Lambda: validates, dedupes and opens a run (see `admit.ts`).
 */
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { assertDeployedFor, lineageStoreFromEnv, runsStoreFromEnv } from '../shared/from-env.js';
import { stepHandler } from '../shared/step-handler.js';
import { admit, admitInputSchema } from './admit.js';

/** The metric each admission outcome counts. */
const ADMISSION_METRICS = {
  ADMITTED: 'EventsAdmitted',
  DUPLICATE: 'DuplicateEvents',
  REJECTED: 'EventsRejected',
} as const;

/** Builds Admit's handler for a pack; dependencies are created once, at cold start. */
export function createHandler(pack: WorkflowPack) {
  assertDeployedFor(pack);
  const deps = {
    spec: pack.spec,
    runs: runsStoreFromEnv(pack),
    lineage: lineageStoreFromEnv(),
    clock: () => new Date(),
  };
  return stepHandler(
    admitInputSchema,
    (input) => admit(input, deps),
    (result, metrics) => metrics.count(ADMISSION_METRICS[result.outcome]),
  );
}
