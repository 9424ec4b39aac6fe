/**
 * The follow-up step: runs the follow-ups executed actions scheduled, and
 * takes operators' requests to cancel one.
 *
 * Two callers invoke its function:
 * - a follow-up's one-time schedule (EventBridge Scheduler, through a role
 *   that may invoke this function only), with `{ kind: 'fire', followUpId }`:
 *   the follow-up runs (`core/followup/fire.ts`), ungated and even while the
 *   workflow is halted, since it only takes back what its action granted;
 *   it refuses to run before it is due, so nobody but its schedule decides
 *   when it runs;
 * - an operator (`awf runs cancel-follow-up`, a principal given
 *   `GovernedWorkflow.grantOperate`), with `{ kind: 'cancel', ... }`: an
 *   approval of the workflow's approvers is opened
 *   (`core/followup/cancellation.ts`); the follow-up is cancelled only once
 *   they approve it, by the decide step.
 *
 * The step is the only writer of `followup.executed` and
 * `cancellation.requested`.
 */
import { z } from 'zod';
import type { ApprovalSummary } from '../../approval/summary.js';
import { approvalSummaryOf } from '../../approval/summary.js';
import { requestCancellation } from '../../followup/cancellation.js';
import { type FollowUpFired, fireFollowUp } from '../../followup/fire.js';
import { lineageWriter } from '../../lineage/writer.js';
import { defineStep } from '../step-definition.js';

/** What the follow-up step is invoked with. */
export const followUpInputSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    /** A follow-up's schedule fired. */
    kind: z.literal('fire'),
    followUpId: z.string().min(1),
  }),
  z.strictObject({
    /** An operator asks to cancel a pending follow-up. */
    kind: z.literal('cancel'),
    followUpId: z.string().min(1),
    /** Why; recorded and shown to the approvers. */
    reason: z
      .string()
      .trim()
      .min(1, 'a reason is required: it is recorded and shown to the approvers')
      .max(1000, 'a reason is at most 1000 characters'),
    /** Who asks, as the operator names themself (the invoke permission is the authority). */
    operator: z.string().trim().min(1, 'the operator must be named').max(200),
  }),
]);

/** What the follow-up step answers. */
export type FollowUpStepResult =
  | ({ readonly kind: 'fire' } & FollowUpFired)
  | { readonly kind: 'cancel'; readonly followUpId: string; readonly approval: ApprovalSummary };

/** The follow-up step: see the module comment. */
export const followUpStep = defineStep({
  name: 'follow-up',
  input: followUpInputSchema,
  ports: {
    runs: { writes: ['execution', 'followup', 'approval', 'run'] },
    lineage: 'append',
    // Only what follow-ups run through: the connectors of the reducing actions.
    events: 'follow-ups',
    items: 'follow-ups',
    keys: 'mac',
    recordKeys: { sign: true, verify: ['act', 'decide-approval'] },
  },
  build(pack, ports) {
    const { spec } = pack;
    const writer = lineageWriter('follow-up', ports.lineage, ports.clock, ports.recordKeys);
    return async (input): Promise<FollowUpStepResult> => {
      if (input.kind === 'fire') {
        const fired = await fireFollowUp(
          spec,
          {
            runs: ports.runs,
            lineage: ports.lineage,
            events: ports.events,
            items: ports.items,
            recordKeys: ports.recordKeys,
            clock: ports.clock,
            writer,
          },
          input.followUpId,
        );
        return { kind: 'fire', ...fired };
      }
      const approval = await requestCancellation(
        spec,
        { runs: ports.runs, lineage: ports.lineage, keys: ports.keys, writer, clock: ports.clock },
        input,
      );
      return { kind: 'cancel', followUpId: input.followUpId, approval: approvalSummaryOf(approval) };
    };
  },
  measure(output, metrics) {
    if (output.kind === 'cancel') metrics.count('FollowUpCancellationsRequested');
    else if (output.status === 'EXECUTED') metrics.count('FollowUpsExecuted');
    else if (output.status === 'ALREADY_EXECUTED') metrics.count('FollowUpsAlreadyExecuted');
    else metrics.count('FollowUpsSkippedCancelled');
  },
});
