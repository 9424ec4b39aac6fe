/**
 * Remind's Lambda, run by a schedule: heartbeats and reminders for pending approvals (see `remind.ts`).
 */
import type { WorkflowPack } from '../../core/workflow/pack.js';
import {
  assertDeployedFor,
  eventPublisherFromEnv,
  runsStoreFromEnv,
  taskCallbacks,
} from '../shared/from-env.js';
import { stepHandler } from '../shared/step-handler.js';
import { remind, remindInputSchema } from './remind.js';

/** Builds Remind's handler for a pack; dependencies are created once, at cold start. */
export function createHandler(pack: WorkflowPack) {
  assertDeployedFor(pack);
  const deps = {
    spec: pack.spec,
    runs: runsStoreFromEnv(pack),
    callbacks: taskCallbacks(),
    publisher: eventPublisherFromEnv(),
    clock: () => new Date(),
  };
  return stepHandler(
    remindInputSchema,
    (event) => remind(event, deps),
    (summary, metrics) => {
      metrics.count('PendingApprovalsChecked', summary.checked);
      metrics.count('ApprovalRemindersSent', summary.reminded.length);
    },
  );
}
