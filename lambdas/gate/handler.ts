/**
 * Lambda of the gate step: Cedar policies, then autonomy, per proposal.
 */
import { gateInputSchema } from '../../core/agent/step-inputs.js';
import { createPolicyGate } from '../../core/policy/gate.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { assertDeployedFor, lineageStoreFromEnv, runsStoreFromEnv } from '../shared/from-env.js';
import { stepHandler } from '../shared/step-handler.js';
import { createGateStep, type GateDependencies } from './gate-proposals.js';

function awsDependencies(pack: WorkflowPack): GateDependencies {
  assertDeployedFor(pack);
  return { runs: runsStoreFromEnv(pack), lineage: lineageStoreFromEnv(), clock: () => new Date() };
}

/**
 * Builds the gate Lambda's handler for a pack; the Cedar schema and policies
 * are validated and preparsed here, once per cold start.
 */
export function createHandler(pack: WorkflowPack, deps: GateDependencies = awsDependencies(pack)) {
  return stepHandler(
    gateInputSchema,
    createGateStep(pack, createPolicyGate(pack), deps),
    ({ counts }, metrics) => {
      metrics.count('ActionsAllowed', counts.executable - counts.pendingApproval);
      metrics.count('ActionsNeedingApproval', counts.pendingApproval);
      metrics.count('ActionsDenied', counts.denied);
      metrics.count('ActionsShadowed', counts.shadowed);
    },
  );
}
