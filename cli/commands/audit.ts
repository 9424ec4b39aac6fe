/**
 * `awf audit trail RUN`: the run's lineage records in order, with the chain
 * verified and each record's MAC checked against the key of the step the
 * lineage registry names as its writer.
 */

import { KmsRecordKeys } from '../../adapters/kms-record-keys.js';
import { verifyChain, verifyRecordMacs } from '../../core/lineage/verify.js';
import { STACK_OUTPUTS } from '../../core/stack-outputs.js';
import { TERMINAL_RUN_STATUSES } from '../../core/steps/contracts.js';
import { type OutputOptions, print, renderTable } from '../output.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';

function summarize(data: Readonly<Record<string, unknown>>): string {
  const text = JSON.stringify(data);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/**
 * Whether the run is known to have ended, from the runs table. The auditor role
 * may read only the lineage table, so when the runs table refuses, the answer is
 * "unknown" and the trail is verified without the end-of-chain check.
 */
async function runEnded(target: Target, runId: string): Promise<boolean | undefined> {
  try {
    const run = await storesOf(target).runs.getRun(runId);
    return run ? TERMINAL_RUN_STATUSES.includes(run.status) : true;
  } catch (error) {
    if ((error as { name?: string }).name === 'AccessDeniedException') return undefined;
    throw error;
  }
}

/**
 * Prints a run's lineage chain, whether it verifies, and the records whose MAC
 * does not verify under their registry writer's key (forged). Exit code 2
 * when the chain is broken or any record is forged.
 *
 * @throws Error when the target names no record keys (a data stack deployed
 *   before records were authenticated), or when a key cannot be used.
 */
export async function auditTrail(target: Target, runId: string, options: OutputOptions): Promise<void> {
  if (Object.keys(target.recordKeys).length === 0) {
    throw new Error(
      `no lineage record keys: the data stack has no ${STACK_OUTPUTS.recordKeys} output, so no record's MAC can be checked`,
    );
  }
  const [records, ended] = await Promise.all([
    storesOf(target).lineage.chain(runId),
    runEnded(target, runId),
  ]);
  if (records.length === 0) throw new Error(`no lineage records for ${runId}`);
  const verification = verifyChain(records, { ended: ended ?? false });
  const macs = await verifyRecordMacs(
    records,
    new KmsRecordKeys({ client: target.clients.kms, keyIds: target.recordKeys }),
  );
  const forgedSeqs = new Set(macs.forged.map((forged) => forged.seq));
  const endChecked = ended !== undefined;
  print({ runId, records, verification, forged: macs.forged, endChecked }, options, (r) =>
    [
      renderTable(r.records, [
        { heading: 'seq', value: (x) => x.seq },
        { heading: 'at', value: (x) => x.at },
        { heading: 'type', value: (x) => x.type },
        { heading: 'actor', value: (x) => x.actor },
        { heading: 'mac', value: (x) => (forgedSeqs.has(x.seq) ? 'FORGED' : 'ok') },
        { heading: 'data', value: (x) => summarize(x.data) },
      ]),
      '',
      r.verification.ok
        ? `chain verified: ${r.records.length} records, head ${r.records.at(-1)?.hash}${
            r.endChecked ? '' : ' (run status unreadable: the end of the chain was not checked)'
          }`
        : `CHAIN BROKEN:\n${r.verification.problems.map((p) => `  seq ${p.seq}: ${p.problem}`).join('\n')}`,
      r.forged.length === 0
        ? "records authenticated: every record's MAC verifies under the key of its writer in the lineage registry"
        : `FORGED RECORDS:\n${r.forged
            .map((f) => `  seq ${f.seq} ${f.type} (writer: ${f.expectedWriter ?? 'none'}): ${f.problem}`)
            .join('\n')}`,
    ].join('\n'),
  );
  if (!verification.ok || !macs.ok) process.exitCode = 2;
}
