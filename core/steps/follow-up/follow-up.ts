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
 * - an operator (`awf runs cancel-follow-up`), through the function's URL
 *   (`AWS_IAM` auth; `GovernedWorkflow.grantOperate`), with
 *   `POST /follow-ups/{id}/cancellation` (`./endpoint.ts`): the operator is
 *   the role session AWS authenticated; an approval of the workflow's
 *   approvers is opened (`core/followup/cancellation.ts`), and the follow-up
 *   is cancelled only once they approve it, by the decide step.
 *
 * The step is the only writer of `followup.executed` and
 * `cancellation.requested`.
 */
import * as z from 'zod';
import type { ApprovalSummary } from '../../approval/summary.js';
import { approvalSummaryOf } from '../../approval/summary.js';
import { requestCancellation } from '../../followup/cancellation.js';
import { type FollowUpFired, fireFollowUp } from '../../followup/fire.js';
import type { FunctionUrlResponse } from '../../http/function-url.js';
import { lineageWriter } from '../../lineage/writer.js';
import { OPERATIONS_OUTCOME_HEADER } from '../../operations/endpoint-protocol.js';
import { defineStep } from '../step-definition.js';
import { followUpEndpoint, isFunctionUrlRequest } from './endpoint.js';

/** What a follow-up's schedule invokes the step with. */
export const followUpFireSchema = z.strictObject({
  /** A follow-up's schedule fired. */
  kind: z.literal('fire'),
  followUpId: z.string().min(1),
});

/** What asking to cancel answers (the body of the endpoint's 200 response). */
export interface CancellationAsked {
  readonly followUpId: string;
  readonly approval: ApprovalSummary;
}

/** What the follow-up step answers: the fired follow-up, or the endpoint's HTTP response. */
export type FollowUpStepResult = ({ readonly kind: 'fire' } & FollowUpFired) | FunctionUrlResponse;

/** The follow-up step: see the module comment. */
export const followUpStep = defineStep({
  name: 'follow-up',
  // The schedule's payload, or a function URL request (told apart in `build`).
  input: z.unknown(),
  ports: {
    runs: { writes: ['execution', 'followup', 'approval', 'run'] },
    lineage: 'append',
    // Only what follow-ups run through: the connectors of the reducing actions.
    events: 'follow-ups',
    items: 'follow-ups',
    keys: 'mac',
    recordKeys: { sign: true, verify: ['act', 'decide-approval'] },
    callers: 'identify',
  },
  build(pack, ports) {
    const { spec } = pack;
    const writer = lineageWriter('follow-up', ports.lineage, ports.clock, ports.recordKeys);
    return async (input): Promise<FollowUpStepResult> => {
      if (isFunctionUrlRequest(input)) {
        return followUpEndpoint(input, ports.callers, async (asked, operator): Promise<CancellationAsked> => {
          const approval = await requestCancellation(
            spec,
            { runs: ports.runs, lineage: ports.lineage, keys: ports.keys, writer, clock: ports.clock },
            { ...asked, operator: operator.principal, identity: operator.arn },
          );
          return { followUpId: asked.followUpId, approval: approvalSummaryOf(approval) };
        });
      }
      const fire = followUpFireSchema.parse(input);
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
        fire.followUpId,
      );
      return { kind: 'fire', ...fired };
    };
  },
  measure(output, metrics) {
    if (!('kind' in output)) {
      const asked = output.headers[OPERATIONS_OUTCOME_HEADER] === 'CANCELLATION_REQUESTED';
      metrics.count(asked ? 'FollowUpCancellationsRequested' : 'FollowUpRequestsFailed');
    } else if (output.status === 'EXECUTED') metrics.count('FollowUpsExecuted');
    else if (output.status === 'ALREADY_EXECUTED') metrics.count('FollowUpsAlreadyExecuted');
    else metrics.count('FollowUpsSkippedCancelled');
  },
});
