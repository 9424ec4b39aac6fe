/**
 * A step's way to append lineage: bound to the step, checked against the registry.
 *
 * Each step gets a writer for its own name. A draft of a type the registry
 * gives to another step, or whose data is not the registered shape (a missing
 * field, a wrong type, a field the registry does not name), is refused before
 * anything is written, so the evidence only ever holds records their readers
 * can parse. Every record it appends carries a MAC of its hash under the
 * step's own record key (`record-keys.ts`).
 */
import type { Clock } from '../ports.js';
import type { StepName } from '../steps/step-names.js';
import { storabilityProblems } from '../storable.js';
import { type AppendOptions, appendFirstLineage, appendLineage } from './chain.js';
import { LineageRegistryError } from './errors.js';
import type { LineageDraft, LineageRecord, LineageStore } from './record.js';
import type { RecordKeys } from './record-keys.js';
import { LINEAGE_REGISTRY, type LineageData, type LineageRecordType } from './registry.js';

/** A draft whose `data` is typed by its record type. */
export type TypedLineageDraft<T extends LineageRecordType> = Omit<LineageDraft, 'type' | 'data'> & {
  readonly type: T;
  readonly data: LineageData<T>;
};

/** Appends the records one step may write. */
export interface LineageWriter {
  /** The step the writer appends for. */
  readonly step: StepName;
  /** Appends to the end of a chain (see `appendLineage`). */
  append<T extends LineageRecordType>(
    chainId: string,
    draft: TypedLineageDraft<T>,
    options?: AppendOptions,
  ): Promise<LineageRecord>;
  /** Opens a chain unless it exists (see `appendFirstLineage`). */
  appendFirst<T extends LineageRecordType>(
    chainId: string,
    draft: TypedLineageDraft<T>,
  ): Promise<LineageRecord | undefined>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a draft against the registry for a step.
 * @throws LineageRegistryError naming the step, the type and what is wrong.
 */
export function checkLineageDraft(step: StepName, draft: LineageDraft): void {
  const type: string = draft.type;
  if (!Object.hasOwn(LINEAGE_REGISTRY, type)) {
    throw new LineageRegistryError(`"${type}" is not a lineage record type of the registry`);
  }
  const entry = LINEAGE_REGISTRY[draft.type];
  if (entry.writer !== step) {
    throw new LineageRegistryError(
      `the ${step} step may not write "${type}" records: the registry names ${entry.writer} as their only writer`,
    );
  }
  const unstorable = storabilityProblems(draft.data, 'data');
  if (unstorable.length > 0) {
    throw new LineageRegistryError(`"${type}" draft of the ${step} step: ${unstorable.join('; ')}`);
  }
  const parsed = entry.data.safeParse(draft.data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `data.${issue.path.join('.')}: ${issue.message}`);
    throw new LineageRegistryError(`"${type}" draft of the ${step} step: ${problems.join('; ')}`);
  }
  // The registry names every field a record holds: one it does not know would be unreadable evidence.
  if (isPlainObject(parsed.data)) {
    const known = new Set(Object.keys(parsed.data));
    const unknown = Object.keys(draft.data).filter((key) => draft.data[key] !== undefined && !known.has(key));
    if (unknown.length > 0) {
      throw new LineageRegistryError(
        `"${type}" draft of the ${step} step: data holds fields the registry does not name: ${unknown.join(', ')}`,
      );
    }
  }
}

/**
 * The lineage writer of one step: computes each record's hash, then its MAC
 * under the step's record key (`keys.sign(step, hash)`), then puts it.
 * @example
 * const lineage = lineageWriter('ground', ports.lineage, ports.clock, ports.recordKeys);
 * await lineage.append(run.runId, { type: 'context.grounded', actor: 'awf:ground', ... });
 */
export function lineageWriter(
  step: StepName,
  store: LineageStore,
  clock: Clock,
  keys: Pick<RecordKeys, 'sign'>,
): LineageWriter {
  const sign = (hash: string) => keys.sign(step, hash);
  return {
    step,
    async append(chainId, draft, options) {
      checkLineageDraft(step, draft);
      return appendLineage(store, clock, chainId, draft, { ...options, sign });
    },
    async appendFirst(chainId, draft) {
      checkLineageDraft(step, draft);
      return appendFirstLineage(store, clock, chainId, draft, sign);
    },
  };
}
