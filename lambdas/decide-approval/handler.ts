/**
 * Lambda of the decide-approval step, invoked directly by `awf approvals decide`
 * or an approvals UI with `{ approvalId, decision, approver, reason }`.
 */
import { z } from 'zod';
import { createDecideApprovalStep, type DecideApprovalDependencies } from '../../core/approval/decide.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import {
  assertDeployedFor,
  lineageStoreFromEnv,
  runsStoreFromEnv,
  taskCallbacks,
} from '../shared/from-env.js';
import { stepHandler } from '../shared/step-handler.js';

function awsDependencies(pack: WorkflowPack): DecideApprovalDependencies {
  assertDeployedFor(pack);
  return {
    runs: runsStoreFromEnv(pack),
    lineage: lineageStoreFromEnv(),
    callbacks: taskCallbacks(),
    clock: () => new Date(),
  };
}

/**
 * Builds the decide-approval Lambda's handler for a pack. The use case parses
 * the request itself, so a malformed one fails as ApprovalDecisionError naming
 * the bad field rather than as a bare validation error.
 */
export function createHandler(pack: WorkflowPack, deps: DecideApprovalDependencies = awsDependencies(pack)) {
  return stepHandler(z.unknown(), createDecideApprovalStep(pack, deps), (approval, metrics) =>
    metrics.count(approval.status === 'APPROVED' ? 'ApprovalsApproved' : 'ApprovalsRejected'),
  );
}
