/**
 * Lambda of the request-approval step, invoked with `.waitForTaskToken`.
 */
import { approvalRequestInputSchema } from '../../core/agent/step-inputs.js';
import { createRequestApprovalStep, type RequestApprovalDependencies } from '../../core/approval/request.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import {
  assertDeployedFor,
  eventPublisherFromEnv,
  lineageStoreFromEnv,
  runsStoreFromEnv,
} from '../shared/from-env.js';
import { stepHandler } from '../shared/step-handler.js';

function awsDependencies(pack: WorkflowPack): RequestApprovalDependencies {
  assertDeployedFor(pack);
  return {
    runs: runsStoreFromEnv(pack),
    lineage: lineageStoreFromEnv(),
    events: eventPublisherFromEnv(),
    clock: () => new Date(),
  };
}

/** Builds the request-approval Lambda's handler for a pack; clients are built once per cold start. */
export function createHandler(pack: WorkflowPack, deps: RequestApprovalDependencies = awsDependencies(pack)) {
  return stepHandler(approvalRequestInputSchema, createRequestApprovalStep(pack, deps), (_result, metrics) =>
    metrics.count('ApprovalsRequested'),
  );
}
