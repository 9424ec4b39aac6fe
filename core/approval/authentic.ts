/**
 * The approval records of one request that a decision may rest on: those the
 * registry's writers made (their MAC verifies under the writer's record key,
 * and their content under their hash). A forged `approval.decided` (put in the
 * lineage table by someone with write access, with a correct hash but no valid
 * MAC) is left out of the count and reported, as is a forged `approval.escalated`
 * (which would let a role of the escalation ladder approve before its rung).
 */
import { computeRecordHash } from '../lineage/chain.js';
import type { LineageRecord } from '../lineage/record.js';
import { type ForgedRecord, macProblem, type RecordKeys } from '../lineage/record-keys.js';

/** The record types an approval is counted from: the request, the rungs that widen who may approve, the decisions. */
export const APPROVAL_RECORD_TYPES: ReadonlySet<string> = new Set([
  'approval.requested',
  'approval.escalated',
  'approval.decided',
]);

function approvalIdOf(record: LineageRecord): unknown {
  const data = record.data as Readonly<Record<string, unknown>> | undefined;
  return data?.approvalId;
}

/**
 * The chain without the forged approval records of `approvalId`, and those records.
 * @param types the approval record types to check (records of other types are kept unchecked):
 *   a step that reads only some of them verifies only their writers' MACs.
 * @throws what `keys.verify` throws when a writer's key cannot be used.
 */
export async function withoutForgedApprovals(
  chain: readonly LineageRecord[],
  approvalId: string,
  keys: Pick<RecordKeys, 'verify'>,
  types: ReadonlySet<string> = APPROVAL_RECORD_TYPES,
): Promise<{ readonly chain: LineageRecord[]; readonly forged: ForgedRecord[] }> {
  const forged: ForgedRecord[] = [];
  const kept: LineageRecord[] = [];
  for (const record of chain) {
    if (!types.has(record.type) || approvalIdOf(record) !== approvalId) {
      kept.push(record);
      continue;
    }
    const problem =
      computeRecordHash(record) !== record.hash
        ? {
            seq: record.seq,
            type: record.type,
            expectedWriter: undefined,
            problem: 'edited: its content does not match its hash',
          }
        : await macProblem(record, keys);
    if (problem) forged.push(problem);
    else kept.push(record);
  }
  return { chain: kept, forged };
}
