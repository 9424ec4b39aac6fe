/**
 * `awf approvals list | approve | reject`.
 *
 * Decisions go through the workflow's decide-approval function, never straight
 * to Step Functions: the task token stays in the runs table, and the checks
 * (approver role, separation of duties, still pending) run in one place.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { ApprovalSummary } from '../../core/approval/summary.js';
import { type OutputOptions, print, renderTable } from '../output.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';

/** Options of `awf approvals list`. */
export interface ListApprovalsOptions extends OutputOptions {
  readonly workflow?: string;
}

/** Lists pending approvals, oldest first. */
export async function listApprovals(target: Target, options: ListApprovalsOptions): Promise<void> {
  const pending = await storesOf(target).runs.listPendingApprovals(
    options.workflow ? { workflowId: options.workflow } : {},
  );
  // Never the task token, and never who the case names (personal data an approver does not need here).
  const summaries: Omit<ApprovalSummary, 'excludedApprovers'>[] = pending.map(
    ({ taskToken: _token, excludedApprovers: _excluded, ...a }) => a,
  );
  print(summaries, options, (rows) =>
    rows.length
      ? renderTable(rows, [
          { heading: 'approval', value: (a) => a.approvalId },
          { heading: 'workflow', value: (a) => a.workflowId },
          { heading: 'entity', value: (a) => a.entityId },
          { heading: 'action', value: (a) => a.gated.proposal.action },
          { heading: 'input', value: (a) => a.gated.proposal.input },
          { heading: 'roles', value: (a) => a.approverRoles.join(',') },
          { heading: 'quorum', value: (a) => String(a.quorum ?? 1) },
          { heading: 'expires', value: (a) => a.expiresAt },
        ])
      : 'no pending approvals',
  );
}

/** Options of `awf approvals approve|reject`. */
export interface DecideOptions extends OutputOptions {
  readonly as?: string;
  readonly reason?: string;
}

/**
 * Approves or rejects an approval through its workflow's decide-approval function.
 * @throws Error with the function's own message when it refuses the decision.
 */
export async function decideApproval(
  target: Target,
  approvalId: string,
  decision: 'APPROVE' | 'REJECT',
  options: DecideOptions,
): Promise<void> {
  if (!options.as) throw new Error('--as is required: the principal deciding, such as alice@acme.example');
  if (!options.reason?.trim()) throw new Error('--reason is required: it is recorded for auditors');
  const approval = await storesOf(target).runs.getApproval(approvalId);
  if (!approval) throw new Error(`no approval ${approvalId}`);
  const workflow = target.workflows[approval.workflowId];
  if (!workflow?.decideApprovalFunction) {
    throw new Error(
      `workflow ${approval.workflowId} of approval ${approvalId} is not deployed on this target`,
    );
  }
  const response = await target.clients.lambda.send(
    new InvokeCommand({
      FunctionName: workflow.decideApprovalFunction,
      Payload: new TextEncoder().encode(
        JSON.stringify({ approvalId, decision, approver: options.as, reason: options.reason }),
      ),
    }),
  );
  const payload: unknown = response.Payload ? JSON.parse(new TextDecoder().decode(response.Payload)) : null;
  if (response.FunctionError) {
    const message = (payload as { errorMessage?: string } | null)?.errorMessage ?? 'the decision was refused';
    throw new Error(message);
  }
  print(
    payload,
    options,
    () => `${decision === 'APPROVE' ? 'approved' : 'rejected'} ${approvalId} as ${options.as}`,
  );
}
