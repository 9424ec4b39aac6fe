/**
 * Builders for lineage drafts and valid chains in tests.
 */
import { computeRecordHash } from '../../core/lineage/chain.js';
import {
  GENESIS_HASH,
  type LineageDraft,
  type LineageRecord,
  type LineageRecordType,
} from '../../core/lineage/record.js';

/** A valid draft; override any field. */
export function aLineageDraft(overrides: Partial<LineageDraft> = {}): LineageDraft {
  return {
    type: 'context.grounded',
    actor: 'awf:ground',
    workflowId: 'refund-triage',
    entityId: 'ord_4k8m2p',
    versions: { workflowVersion: '1.0.0' },
    data: { facts: { history: { issueRefund: 1 } } },
    ...overrides,
  };
}

/**
 * A valid, correctly hashed chain of the given record types (the default is a
 * short completed run), one second apart from 2026-11-02T14:21:00Z.
 */
export function aValidChain(
  chainId = 'run-000000000000000000000001',
  types: readonly LineageRecordType[] = [
    'run.started',
    'context.grounded',
    'actions.proposed',
    'run.completed',
  ],
  dataOf: (index: number) => Readonly<Record<string, unknown>> = (index) => ({ index }),
): LineageRecord[] {
  const start = Date.parse('2026-11-02T14:21:00Z');
  const records: LineageRecord[] = [];
  types.forEach((type, seq) => {
    const draft = aLineageDraft({ type, data: dataOf(seq) });
    const unhashed = {
      ...draft,
      chainId,
      seq,
      at: new Date(start + seq * 1000).toISOString(),
      entityKey: `${draft.workflowId}#${draft.entityId}`,
      prevHash: records[seq - 1]?.hash ?? GENESIS_HASH,
    };
    records.push({ ...unhashed, hash: computeRecordHash(unhashed) });
  });
  return records;
}
