/**
 * What of an approval may leave the runs table: everything but the task token.
 */
import type { ApprovalRecord } from '../runs/records.js';

/** An approval as shown to approvers, the CLI and callers of the decide step. */
export type ApprovalSummary = Omit<ApprovalRecord, 'taskToken'>;

/**
 * Drops the task token from an approval record. The token lets its holder
 * resume the run, so it never leaves the table.
 */
export function approvalSummaryOf(record: ApprovalRecord): ApprovalSummary {
  const { taskToken: _token, ...summary } = record;
  return summary;
}
