/**
 * An example event of a pack (`workflows/<id>/events/*.json`): a business
 * event, what its author expects the workflow to do with it, and, optionally,
 * when it happens and what the approvers do.
 *
 * `awf packs test` runs every example through the real state machine and
 * steps, the local cloud's demo sends them, and the tests check them; the
 * file's shape is checked here so a typo is reported with its file and field.
 */
import * as z from 'zod';
import { DURATION_PATTERN } from '../duration.js';
import { WorkflowSpecError } from '../errors.js';

/**
 * One decision of the example's approvers, or `no-decision`. An example's
 * `approvals` list holds one entry per decision, in the order decisions are
 * asked for: an approval request asks for its first decision, and each
 * accepted decision that leaves it pending (a quorum such as
 * `@quorum("2 from distinct roles")` not met yet) asks for the next one.
 * `no-decision` means nobody decides that request (any more): it waits to
 * its timeout. A decision asked for beyond the list is an approval by the
 * next approver who may give it.
 */
export const exampleApprovalSchema = z.union([
  z.literal('no-decision'),
  z.strictObject({
    decision: z.enum(['APPROVE', 'REJECT']),
    /**
     * Who decides; checked like any decision (a listed approver with a needed
     * role, not named in the case, who has not decided this request yet).
     * @default - the first approver of the directory the decide step accepts who
     * has not decided this request and, for distinct roles, holds a role still lacking
     */
    approver: z.string().min(1).optional(),
    reason: z.string().min(1).optional(),
    /**
     * How long after it is asked for the decision comes, as a spec duration
     * (`30m`, `2h`): after the request for a first decision, after the
     * previous decision for the next ones of a quorum; default at once.
     */
    after: z.string().regex(DURATION_PATTERN, 'expected a duration such as "30m" or "2h"').optional(),
  }),
]);
export type ExampleApproval = z.infer<typeof exampleApprovalSchema>;

/** An example event file. */
export const exampleEventFileSchema = z.strictObject({
  expect: z.strictObject({
    outcome: z.enum(['ALLOW', 'REQUIRE_APPROVAL', 'DENY', 'REJECT']),
    status: z.enum(['COMPLETED', 'ESCALATED', 'REJECTED', 'FAILED']).nullable(),
    actions: z.array(z.string()),
  }),
  /**
   * When the event happens (its EventBridge `time`, and the clock's start when it runs).
   * @default - 2026-11-20T12:00:00Z, one fixed time for every example without its own
   */
  time: z.iso.datetime({ offset: true }).optional(),
  /** What approvers do: one entry per decision, in the order decisions are asked for ({@link exampleApprovalSchema}). */
  approvals: z.array(exampleApprovalSchema).optional(),
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  detail: z.record(z.string(), z.unknown()),
});

/** An example event, named after its file. */
export type ExampleEvent = z.infer<typeof exampleEventFileSchema> & { readonly name: string };

/**
 * Parses one example file's JSON.
 * @throws WorkflowSpecError naming the workflow, the file and each bad field.
 */
export function parseExampleEvent(workflowId: string, name: string, value: unknown): ExampleEvent {
  const parsed = exampleEventFileSchema.safeParse(value);
  if (!parsed.success) {
    throw new WorkflowSpecError(
      workflowId,
      parsed.error.issues.map(
        (issue) => `events/${name}.json: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      ),
    );
  }
  return { name, ...parsed.data };
}
