/**
 * `awf approvals list | approve | reject`.
 *
 * Everything goes through each workflow's approvals endpoint (a Lambda
 * function URL with AWS_IAM auth), signed by the caller
 * (`cli/approvals-endpoint.ts`): the endpoint decides as whoever signed, never
 * as a name the command line gives, and lists only what that person may
 * decide. Nothing here reads the runs table or touches a task token.
 */

import type { PendingApproval } from '../../core/approval/decisions.js';
import { decisionPath, PENDING_APPROVALS_PATH } from '../../core/approval/endpoint-protocol.js';
import { LocalIdentityError } from '../../local/iam/identities.js';
import { callEndpoint, type EndpointSigner, endpointOf, signerFor } from '../approvals-endpoint.js';
import { type OutputOptions, print, renderTable } from '../output.js';
import type { Target } from '../target.js';

/** Options of `awf approvals list`. */
export interface ListApprovalsOptions extends OutputOptions {
  readonly workflow?: string;
  readonly as?: string;
}

/** The workflows a command addresses: the one named, or every one of the target. */
function workflowsOf(target: Target, workflow: string | undefined): string[] {
  if (workflow === undefined) return Object.keys(target.workflows).sort();
  if (!target.workflows[workflow]) {
    throw new Error(
      `no workflow ${workflow} on this target; it runs ${Object.keys(target.workflows).sort().join(', ') || 'none'}`,
    );
  }
  return [workflow];
}

/**
 * The signers of the caller for each workflow addressed. Locally a person has
 * identities only in the workflows whose approvers they are: without
 * `--workflow` the others are skipped, and only a person with none at all
 * is an error (the identity error names who the local approvers are).
 */
function signersOf(
  target: Target,
  workflow: string | undefined,
  as: string | undefined,
): { workflowId: string; signer: EndpointSigner }[] {
  const signers: { workflowId: string; signer: EndpointSigner }[] = [];
  let firstMissing: unknown;
  for (const workflowId of workflowsOf(target, workflow)) {
    try {
      signers.push({ workflowId, signer: signerFor(target, workflowId, as) });
    } catch (error) {
      if (workflow !== undefined || !(error instanceof LocalIdentityError)) throw error;
      firstMissing ??= error;
    }
  }
  if (signers.length === 0 && firstMissing !== undefined) throw firstMissing;
  return signers;
}

/**
 * Lists the pending approvals the caller may decide, oldest first, from each
 * workflow's endpoint. A workflow whose endpoint refuses the caller (not one
 * of its approvers) is said so, not hidden.
 */
export async function listApprovals(target: Target, options: ListApprovalsOptions): Promise<void> {
  const rows: PendingApproval[] = [];
  const notes: string[] = [];
  for (const { workflowId, signer } of signersOf(target, options.workflow, options.as)) {
    const answer = await callEndpoint(target.region, endpointOf(target, workflowId), signer, {
      method: 'GET',
      path: PENDING_APPROVALS_PATH,
    });
    if (answer.status !== 200) {
      notes.push(`${workflowId}: ${answer.message}`);
      continue;
    }
    rows.push(...(answer.body as { approvals: PendingApproval[] }).approvals);
  }
  if (notes.length > 0 && rows.length === 0 && options.workflow !== undefined)
    throw new Error(notes.join('; '));
  rows.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  print(rows, options, (shown) =>
    [
      shown.length
        ? renderTable(shown, [
            { heading: 'approval', value: (a) => a.approvalId },
            { heading: 'workflow', value: (a) => a.workflowId },
            { heading: 'entity', value: (a) => a.entityId },
            { heading: 'action', value: (a) => a.gated.proposal.action },
            { heading: 'input', value: (a) => a.gated.proposal.input },
            { heading: 'roles', value: (a) => a.approverRoles.join(',') },
            { heading: 'quorum', value: (a) => String(a.quorum ?? 1) },
            { heading: 'expires', value: (a) => a.expiresAt },
          ])
        : 'no pending approvals you may decide',
      ...notes.map((note) => `note: ${note}`),
    ].join('\n'),
  );
}

/** Options of `awf approvals approve|reject`. */
export interface DecideOptions extends OutputOptions {
  readonly as?: string;
  readonly reason?: string;
  readonly workflow?: string;
}

/**
 * Approves or rejects an approval through its workflow's endpoint, as the
 * caller. Without `--workflow`, each workflow's endpoint is asked in turn
 * until one holds the approval (an endpoint answers "not found" for another
 * workflow's approval before recording anything).
 * @throws Error with the endpoint's own message when it refuses the decision.
 */
export async function decideApproval(
  target: Target,
  approvalId: string,
  decision: 'APPROVE' | 'REJECT',
  options: DecideOptions,
): Promise<void> {
  if (!options.reason?.trim()) throw new Error('--reason is required: it is recorded for auditors');
  const misses: string[] = [];
  for (const { workflowId, signer } of signersOf(target, options.workflow, options.as)) {
    const answer = await callEndpoint(target.region, endpointOf(target, workflowId), signer, {
      method: 'POST',
      path: decisionPath(approvalId),
      body: { decision, reason: options.reason },
    });
    // Without --workflow, an endpoint that does not hold the approval (or will not serve this caller) is not the one.
    if (options.workflow === undefined && (answer.status === 404 || answer.forbiddenByUrl)) {
      misses.push(`${workflowId}: ${answer.message}`);
      continue;
    }
    if (answer.status !== 200) throw new Error(answer.message);
    const { approval } = answer.body as { approval: { status: string; quorum?: number } };
    print(approval, options, () =>
      approval.status === 'PENDING'
        ? `${decision === 'APPROVE' ? 'approved' : 'rejected'} ${approvalId} as ${signer.describe}; it waits for more approvers (quorum ${approval.quorum ?? 1})`
        : `${decision === 'APPROVE' ? 'approved' : 'rejected'} ${approvalId} as ${signer.describe}: it is ${approval.status}`,
    );
    return;
  }
  throw new Error(
    `approval ${approvalId} was not decided: ${misses.join('; ') || 'no workflow on this target'}`,
  );
}
