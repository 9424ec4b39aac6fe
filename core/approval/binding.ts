/**
 * Approval binding: an approval is for one exact action, not for "a refund".
 *
 * The binding hash covers the run, the proposal id, the action and the
 * canonical JSON of the input. The approver sees it when deciding, it is
 * recorded in the lineage, and Act recomputes it from what it is about to run:
 * an input changed by one cent after approval no longer matches.
 */
import { hashOf } from '../hash.js';
import type { Proposal } from '../steps/contracts.js';

/** Distinguishes binding hashes from every other hash of the same fields. */
const BINDING_DOMAIN = 'awf.approval-binding.v1';

/**
 * The binding hash of an approval of `proposal` in run `runId` (64 hex digits).
 * Key order in the input does not matter; any change of value does.
 *
 * @example
 * const bindingHash = bindingHashFor(run.runId, gated.proposal);
 */
export function bindingHashFor(
  runId: string,
  proposal: Pick<Proposal, 'proposalId' | 'action' | 'input'>,
): string {
  return hashOf({
    domain: BINDING_DOMAIN,
    runId,
    proposalId: proposal.proposalId,
    action: proposal.action,
    input: proposal.input,
  });
}
