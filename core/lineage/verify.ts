/**
 * Verifying a lineage chain: the auditor's check that no record was edited,
 * deleted, reordered or inserted since it was written.
 *
 * What a chain alone cannot prove: that its last records were not cut off (pass
 * `ended: true` when the run is known to have ended, so a missing terminal
 * record shows), or that the newest record was not replaced together with a
 * recomputed hash. The table's deletion protection, the absence of any
 * update/delete permission and the stream-driven tamper alarm cover those.
 * Nor who wrote a record: {@link verifyRecordMacs} checks each record's MAC
 * against the key of the step the registry names as its writer.
 */
import { computeRecordHash } from './chain.js';
import { GENESIS_HASH, type LineageRecord, type LineageRecordType } from './record.js';
import { type ForgedRecord, macProblem, type RecordKeys } from './record-keys.js';

/** Record types that close a chain: nothing is appended after them. */
export const TERMINAL_LINEAGE_TYPES: readonly LineageRecordType[] = [
  'run.completed',
  'run.escalated',
  'run.closed',
  'event.rejected',
];

/** One thing wrong with a chain, at the `seq` where it shows. */
export interface ChainProblem {
  readonly seq: number;
  readonly problem: string;
}

/** The verdict on a chain. */
export interface ChainVerification {
  readonly ok: boolean;
  readonly problems: readonly ChainProblem[];
}

/** What the caller knows about the chain beyond its records. */
export interface VerifyOptions {
  /**
   * The run is known to have ended, so the last record must be terminal
   * (`run.completed`, `run.escalated` or `event.rejected`).
   * @default false - a chain of a running run may end anywhere
   */
  readonly ended?: boolean;
}

/**
 * Checks a chain's records, in the order given (the order the store returned them).
 *
 * Detects: an edited record (its hash does not match its content), a deleted
 * record (a `seq` gap, a `prevHash` that does not match the previous hash), a
 * reorder (`seq` not increasing by one), a wrong genesis (first `prevHash` not
 * 64 zeros, first `seq` not 0), records of another chain, and, with
 * `ended: true`, a last record that is not terminal.
 *
 * @example
 * const { ok, problems } = verifyChain(await lineage.chain(runId), { ended: true });
 */
export function verifyChain(
  records: readonly LineageRecord[],
  options: VerifyOptions = {},
): ChainVerification {
  const problems: ChainProblem[] = [];
  const first = records[0];
  if (first === undefined) {
    if (options.ended) problems.push({ seq: 0, problem: 'chain is empty, but the run ended' });
    return { ok: problems.length === 0, problems };
  }

  let previous: LineageRecord | undefined;
  for (const record of records) {
    const { seq } = record;
    const computed = computeRecordHash(record);
    if (record.hash !== computed) {
      problems.push({
        seq,
        problem: `hash mismatch: stored ${record.hash}, content hashes to ${computed} (record edited)`,
      });
    }
    if (record.chainId !== first.chainId) {
      problems.push({ seq, problem: `belongs to chain "${record.chainId}", not "${first.chainId}"` });
    }
    if (previous === undefined) {
      if (seq !== 0) {
        problems.push({
          seq,
          problem: `chain starts at seq ${seq}, expected 0 (records 0..${seq - 1} missing)`,
        });
      }
      if (record.prevHash !== GENESIS_HASH) {
        problems.push({
          seq,
          problem: `wrong genesis: first record's prevHash is ${record.prevHash}, expected ${GENESIS_HASH}`,
        });
      }
    } else {
      if (seq <= previous.seq) {
        problems.push({ seq, problem: `out of order: seq ${seq} follows seq ${previous.seq}` });
      } else if (seq !== previous.seq + 1) {
        const gap = seq - 1 === previous.seq + 1 ? `${previous.seq + 1}` : `${previous.seq + 1}..${seq - 1}`;
        problems.push({
          seq,
          problem: `gap: seq ${seq} follows seq ${previous.seq} (records ${gap} missing)`,
        });
      }
      if (record.prevHash !== previous.hash) {
        problems.push({
          seq,
          problem: `prevHash ${record.prevHash} does not match the hash ${previous.hash} of the record before it (seq ${previous.seq})`,
        });
      }
    }
    previous = record;
  }

  const last = records[records.length - 1];
  if (options.ended && last !== undefined && !TERMINAL_LINEAGE_TYPES.includes(last.type)) {
    problems.push({
      seq: last.seq,
      problem: `run ended, but the last record is "${last.type}", not one of ${TERMINAL_LINEAGE_TYPES.join(', ')} (records cut off)`,
    });
  }
  return { ok: problems.length === 0, problems };
}

/** The verdict on who wrote a chain's records. */
export interface MacVerification {
  readonly ok: boolean;
  /** Records the registry's writer did not make (no MAC, a MAC under another key, an unknown type), in `seq` order. */
  readonly forged: readonly ForgedRecord[];
}

/**
 * Checks every record's MAC against the record key of the step the lineage
 * registry names as its type's writer. A record with no MAC (written before
 * records were authenticated, or put directly in the table), a MAC that does
 * not verify under that key (made with another step's key, or invented), or
 * a type the registry does not know is reported as forged, naming its `seq`,
 * type and expected writer.
 *
 * Run it beside {@link verifyChain}: a MAC covers the stored `hash`, and only
 * `verifyChain` checks that the content still hashes to it.
 *
 * @throws what `keys.verify` throws when a writer's key cannot be used (access denied, unknown key).
 * @example
 * const { forged } = await verifyRecordMacs(records, recordKeys);
 */
export async function verifyRecordMacs(
  records: readonly LineageRecord[],
  keys: Pick<RecordKeys, 'verify'>,
): Promise<MacVerification> {
  const found = await Promise.all(records.map((record) => macProblem(record, keys)));
  const forged = found.filter((problem): problem is ForgedRecord => problem !== undefined);
  return { ok: forged.length === 0, forged };
}
