/**
 * Authenticated lineage records: every record carries a MAC of its hash under
 * the record key of the one step the registry names as its type's writer.
 *
 * The hash chain shows an edit, a deletion or a reorder, but anyone who may
 * put items in the table can append a well-formed record with a correct hash.
 * The MAC shows who wrote it: in AWS each writing step has a KMS HMAC key of
 * its own and only its role may `GenerateMac` with it, so an `approval.decided`
 * whose MAC does not verify under the decide-approval step's key was not made
 * by that step. Readers that act on another step's record (Gate on Ground's
 * `context.grounded`, Act on Plan's `actions.proposed` and the approvals) check
 * it with {@link requireAuthentic}; auditors check every record
 * (`verifyRecordMacs`, `awf audit trail`).
 */
import type { StepName } from '../steps/step-names.js';
import { STEP_NAMES } from '../steps/step-names.js';
import { computeRecordHash } from './chain.js';
import { ForgedLineageRecordError } from './errors.js';
import type { LineageRecord } from './record.js';
import { isLineageRecordType, LINEAGE_REGISTRY } from './registry.js';

/**
 * Port: the record keys, one per step the registry names as a writer.
 *
 * The message is the record's `hash` (64 hex characters, as UTF-8), the MAC
 * HMAC-SHA-256, as lowercase hex. In AWS a KMS HMAC key per writer
 * (`adapters/kms-record-keys.ts`); in process, keys derived from one secret
 * (`adapters/memory-record-keys.ts`). A step is given this port restricted to
 * what it declared (`recordKeys` in `core/steps/ports.ts`): signing as itself,
 * verifying the writers it names.
 */
export interface RecordKeys {
  /** The MAC of a record hash under `writer`'s record key. */
  sign(writer: StepName, hash: string): Promise<string>;
  /**
   * Whether `mac` is the MAC of `hash` under `writer`'s record key. False for
   * a wrong or malformed MAC; throws only when the key cannot be used.
   */
  verify(writer: StepName, hash: string, mac: string): Promise<boolean>;
}

/** The steps that hold a record key: every step the registry names as a writer, in run order. */
export const RECORD_WRITERS: readonly StepName[] = STEP_NAMES.filter((step) =>
  Object.values(LINEAGE_REGISTRY).some((entry) => entry.writer === step),
);

/** The step whose key must have made the MAC of a record type, or undefined for a type the registry lacks. */
export function recordWriter(type: string): StepName | undefined {
  return isLineageRecordType(type) ? LINEAGE_REGISTRY[type].writer : undefined;
}

/** A record the registry's writer did not make. */
export interface ForgedRecord {
  readonly seq: number;
  readonly type: string;
  /** The step the registry names as the type's writer; undefined for an unknown type. */
  readonly expectedWriter: StepName | undefined;
  readonly problem: string;
}

/**
 * Why a record's MAC does not show that its registry writer made it, or
 * undefined when it does. Checks the MAC over the stored `hash` only; that the
 * content matches the hash is `verifyChain`'s (or {@link requireAuthentic}'s) part.
 *
 * @throws what `keys.verify` throws when the writer's key cannot be used.
 */
export async function macProblem(
  record: LineageRecord,
  keys: Pick<RecordKeys, 'verify'>,
): Promise<ForgedRecord | undefined> {
  const { seq, type } = record;
  const writer = recordWriter(type);
  if (writer === undefined) {
    return {
      seq,
      type,
      expectedWriter: undefined,
      problem: `forged: "${type}" is no record type of the lineage registry, so no step may write it`,
    };
  }
  if (typeof record.mac !== 'string' || record.mac === '') {
    return {
      seq,
      type,
      expectedWriter: writer,
      problem: `forged: "${type}" record carries no MAC (unauthenticated); only the ${writer} step may write it`,
    };
  }
  if (!(await keys.verify(writer, record.hash, record.mac))) {
    return {
      seq,
      type,
      expectedWriter: writer,
      problem: `forged: the MAC of this "${type}" record does not verify under the record key of the ${writer} step, its only writer`,
    };
  }
  return undefined;
}

/**
 * Throws unless the record is authentic: its content hashes to its `hash` and
 * its MAC verifies under the key of the step the registry names as its writer.
 * For a step about to act on another step's record.
 *
 * @throws ForgedLineageRecordError naming the chain, seq, type and expected writer.
 * @throws UndeclaredPortError when the step did not declare `verify` of that writer.
 * @example
 * const grounded = recordsOfType(chain, 'context.grounded').at(-1);
 * if (grounded) await requireAuthentic(grounded, ports.recordKeys);
 */
export async function requireAuthentic(
  record: LineageRecord,
  keys: Pick<RecordKeys, 'verify'>,
): Promise<void> {
  const where = `lineage record ${record.seq} of chain ${record.chainId}`;
  const computed = computeRecordHash(record);
  if (computed !== record.hash) {
    throw new ForgedLineageRecordError(
      `${where} ("${record.type}") was edited: stored hash ${record.hash}, its content hashes to ${computed}`,
    );
  }
  const forged = await macProblem(record, keys);
  if (forged !== undefined) throw new ForgedLineageRecordError(`${where}: ${forged.problem}`);
}
