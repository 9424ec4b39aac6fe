/**
 * Typed lineage: the registry names each record type's one writer and its
 * shape; appends are checked against it before anything is written, and reads
 * fail loudly on a record of the right type with the wrong shape.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendLineage } from '../../../core/lineage/chain.js';
import { LineageRegistryError, MalformedLineageRecordError } from '../../../core/lineage/errors.js';
import { asRecordOfType, recordsOfType } from '../../../core/lineage/read.js';
import { LINEAGE_RECORD_TYPES, LINEAGE_REGISTRY } from '../../../core/lineage/registry.js';
import { lineageWriter } from '../../../core/lineage/writer.js';
import { STEP_NAMES } from '../../../core/steps/step-names.js';
import { AWF_PACKAGE_ROOT } from '../../../lib/project-paths.js';
import { fixedClock, InMemoryLineageStore } from '../../support/in-memory-stores.js';
import { aLineageDraft, aRecordData } from '../../support/lineage-builders.js';
import { testRecordKeys } from '../../support/trusted-ports.js';

const clock = fixedClock('2026-11-02T14:21:00.000Z');

describe('the lineage registry', () => {
  it('names a step of the workflow as the writer of every record type', () => {
    for (const type of LINEAGE_RECORD_TYPES) {
      expect(STEP_NAMES).toContain(LINEAGE_REGISTRY[type].writer);
    }
  });

  it('is the record table of docs/AUDIT.md, row for row', () => {
    const audit = readFileSync(join(AWF_PACKAGE_ROOT, 'docs', 'AUDIT.md'), 'utf8');
    const rows = audit
      .split('\n')
      .filter((line) => /^\|\s*`[a-z]+\.[a-z]+`/.test(line))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual(
      LINEAGE_RECORD_TYPES.map((type) => [
        `\`${type}\``,
        LINEAGE_REGISTRY[type].writer,
        LINEAGE_REGISTRY[type].says,
      ]),
    );
  });
});

describe('lineageWriter', () => {
  it('appends a registry-valid record of a type its step writes', async () => {
    const store = new InMemoryLineageStore();
    const record = await lineageWriter('ground', store, clock, testRecordKeys()).append(
      'run-1',
      aLineageDraft({ type: 'context.grounded' }) as never,
    );
    expect(record).toMatchObject({ seq: 0, type: 'context.grounded' });
  });

  it('refuses a type the registry gives to another step, writing nothing', async () => {
    const store = new InMemoryLineageStore();
    const forged = aLineageDraft({ type: 'approval.decided', data: aRecordData('approval.decided') });
    await expect(
      lineageWriter('act', store, clock, testRecordKeys()).append('run-1', forged as never),
    ).rejects.toThrow(
      new LineageRegistryError(
        'the act step may not write "approval.decided" records: the registry names decide-approval as their only writer',
      ),
    );
    expect(await store.chain('run-1')).toEqual([]);
  });

  it('refuses data without the registered shape, naming each field, writing nothing', async () => {
    const store = new InMemoryLineageStore();
    const writer = lineageWriter('act', store, clock, testRecordKeys());
    const missing = aLineageDraft({
      type: 'action.executed',
      data: { ...aRecordData('action.executed'), result: undefined, decision: 'MAYBE' },
    });
    await expect(writer.append('run-1', missing as never)).rejects.toThrow(
      /"action.executed" draft of the act step: data.result: .*; data.decision: /,
    );
    const extra = aLineageDraft({
      type: 'action.executed',
      data: { ...aRecordData('action.executed'), note: 'x' },
    });
    await expect(writer.append('run-1', extra as never)).rejects.toThrow(
      '"action.executed" draft of the act step: data holds fields the registry does not name: note',
    );
    await expect(
      writer.appendFirst('run-1', aLineageDraft({ type: 'run.started', data: {} }) as never),
    ).rejects.toThrow(LineageRegistryError);
    expect(await store.chain('run-1')).toEqual([]);
  });

  it('refuses data no record can hold, naming the field, writing nothing', async () => {
    const store = new InMemoryLineageStore();
    const draft = aLineageDraft({
      type: 'action.executed',
      data: aRecordData('action.executed', { result: { total: 2 ** 60 } }),
    });
    await expect(
      lineageWriter('act', store, clock, testRecordKeys()).append('run-1', draft as never),
    ).rejects.toThrow(
      /"action.executed" draft of the act step: data\.result\.total: \d+ is beyond the integers a record can hold/,
    );
    expect(await store.chain('run-1')).toEqual([]);
  });

  it('refuses a type the registry does not know', async () => {
    const draft = aLineageDraft({ type: 'run.paused' as never, data: {} });
    await expect(
      lineageWriter('admit', new InMemoryLineageStore(), clock, testRecordKeys()).append(
        'run-1',
        draft as never,
      ),
    ).rejects.toThrow('"run.paused" is not a lineage record type of the registry');
  });
});

describe('reading typed records', () => {
  async function chainWith(...drafts: ReturnType<typeof aLineageDraft>[]) {
    const store = new InMemoryLineageStore();
    for (const draft of drafts) await appendLineage(store, clock, 'run-1', draft);
    return store.chain('run-1');
  }

  it('returns the records of a type, parsed, and nothing of other types', async () => {
    const chain = await chainWith(
      aLineageDraft({ type: 'run.started' }),
      aLineageDraft({ type: 'action.executed', data: aRecordData('action.executed', { proposalId: 'p-9' }) }),
    );
    expect(recordsOfType(chain, 'action.executed').map((r) => r.data.proposalId)).toEqual(['p-9']);
    expect(recordsOfType(chain, 'approval.decided')).toEqual([]);
    expect(asRecordOfType(chain[0], 'run.completed')).toBeUndefined();
  });

  it('throws, naming the chain, the record and the field, for a record of the type with the wrong shape', async () => {
    const chain = await chainWith(
      aLineageDraft({ type: 'run.started' }),
      aLineageDraft({
        type: 'actions.proposed',
        data: { iteration: 0, outcome: 'PROPOSED', proposals: [{ action: 1 }] },
      }),
    );
    expect(() => recordsOfType(chain, 'actions.proposed')).toThrow(MalformedLineageRecordError);
    expect(() => recordsOfType(chain, 'actions.proposed')).toThrow(
      /^lineage record 1 of chain run-1 is actions.proposed but its data is malformed: .*proposals\[0\]/,
    );
    expect(() => asRecordOfType(chain[1], 'actions.proposed')).toThrow(MalformedLineageRecordError);
  });
});
