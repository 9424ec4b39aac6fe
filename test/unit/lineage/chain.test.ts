import { jest } from '@jest/globals';
import { appendFirstLineage, appendLineage, computeRecordHash } from '../../../core/lineage/chain.js';
import { GENESIS_HASH, type LineageRecord, type LineageStore } from '../../../core/lineage/record.js';
import { verifyChain } from '../../../core/lineage/verify.js';
import { fixedClock, InMemoryLineageStore, steppingClock } from '../../support/in-memory-stores.js';
import { aLineageDraft } from '../../support/lineage-builders.js';

const clock = fixedClock('2026-11-02T14:21:00.000Z');
const noWait = async () => {};

describe('computeRecordHash', () => {
  const unhashed = {
    ...aLineageDraft(),
    chainId: 'run-1',
    seq: 0,
    at: '2026-11-02T14:21:00.000Z',
    entityKey: 'refund-triage#ord_4k8m2p',
    prevHash: GENESIS_HASH,
  };

  it('ignores the hash field, so a stored record rehashes to its own hash', () => {
    const hash = computeRecordHash(unhashed);
    expect(computeRecordHash({ ...unhashed, hash })).toBe(hash);
    expect(computeRecordHash({ ...unhashed, hash: 'f'.repeat(64) })).toBe(hash);
  });

  it('does not depend on the order of keys', () => {
    const reversed = Object.fromEntries(Object.entries(unhashed).reverse()) as typeof unhashed;
    expect(computeRecordHash(reversed)).toBe(computeRecordHash(unhashed));
  });

  it('changes when any field changes', () => {
    const base = computeRecordHash(unhashed);
    expect(computeRecordHash({ ...unhashed, seq: 1 })).not.toBe(base);
    expect(computeRecordHash({ ...unhashed, data: { facts: { history: { issueRefund: 2 } } } })).not.toBe(
      base,
    );
    expect(computeRecordHash({ ...unhashed, actor: 'human:mallory' })).not.toBe(base);
  });
});

describe('appendLineage', () => {
  it('opens a chain at seq 0 linked to the genesis hash', async () => {
    const store = new InMemoryLineageStore();
    const record = await appendLineage(store, clock, 'run-1', aLineageDraft({ type: 'run.started' }));
    expect(record).toMatchObject({
      chainId: 'run-1',
      seq: 0,
      prevHash: GENESIS_HASH,
      at: '2026-11-02T14:21:00.000Z',
      entityKey: 'refund-triage#ord_4k8m2p',
      type: 'run.started',
    });
    expect(record.hash).toBe(computeRecordHash(record));
    expect(store.recordsOf('run-1')).toEqual([record]);
  });

  it('links each record to the hash of the one before it', async () => {
    const store = new InMemoryLineageStore();
    const first = await appendLineage(store, steppingClock('2026-11-02T14:21:00Z'), 'run-1', aLineageDraft());
    const second = await appendLineage(
      store,
      steppingClock('2026-11-02T14:22:00Z'),
      'run-1',
      aLineageDraft(),
    );
    expect(second.seq).toBe(1);
    expect(second.prevHash).toBe(first.hash);
    expect(verifyChain(store.recordsOf('run-1')).ok).toBe(true);
  });

  it('keeps chains of different runs apart', async () => {
    const store = new InMemoryLineageStore();
    await appendLineage(store, clock, 'run-1', aLineageDraft());
    const other = await appendLineage(store, clock, 'run-2', aLineageDraft());
    expect(other.seq).toBe(0);
    expect(other.prevHash).toBe(GENESIS_HASH);
  });

  it('lands 20 concurrent appends to one chain with contiguous seqs 0..19', async () => {
    const store = new InMemoryLineageStore();
    const drafts = Array.from({ length: 20 }, (_, i) => aLineageDraft({ data: { branch: i } }));
    const records = await Promise.all(
      drafts.map((draft) =>
        appendLineage(store, clock, 'run-1', draft, { maxAttempts: 25, backoff: noWait }),
      ),
    );
    const chain = store.recordsOf('run-1');
    expect(chain.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(new Set(chain.map((r) => r.data.branch)).size).toBe(20);
    expect(verifyChain(chain)).toEqual({ ok: true, problems: [] });
    expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual(chain.map((r) => r.seq));
    expect(store.conflicts).toBeGreaterThan(0);
  });

  it('stores a value that hashes the same after a JSON round trip (undefined members and array items)', async () => {
    const store = new InMemoryLineageStore();
    const record = await appendLineage(
      store,
      clock,
      'run-1',
      aLineageDraft({ data: { kept: 1, dropped: undefined, list: [1, undefined, 3] } }),
    );
    expect(record.data).toEqual({ kept: 1, list: [1, null, 3] });
    const roundTripped = JSON.parse(JSON.stringify(record)) as LineageRecord;
    expect(computeRecordHash(roundTripped)).toBe(record.hash);
  });

  it('builds on a known head without reading the chain', async () => {
    const store = new InMemoryLineageStore();
    const first = await appendLineage(store, clock, 'run-1', aLineageDraft());
    const head = jest.spyOn(store, 'head');
    const second = await appendLineage(store, clock, 'run-1', aLineageDraft(), { knownHead: first });
    const third = await appendLineage(store, clock, 'run-1', aLineageDraft(), { knownHead: second });
    expect(head).not.toHaveBeenCalled();
    expect([second.seq, third.seq]).toEqual([1, 2]);
    expect(verifyChain(store.recordsOf('run-1')).ok).toBe(true);
  });

  it('opens a chain known to be empty without reading it', async () => {
    const store = new InMemoryLineageStore();
    const head = jest.spyOn(store, 'head');
    const record = await appendLineage(store, clock, 'run-1', aLineageDraft(), { knownHead: null });
    expect(head).not.toHaveBeenCalled();
    expect(record).toMatchObject({ seq: 0, prevHash: GENESIS_HASH });
  });

  it('falls back to reading the head when the known head is stale', async () => {
    const store = new InMemoryLineageStore();
    const first = await appendLineage(store, clock, 'run-1', aLineageDraft());
    await appendLineage(store, clock, 'run-1', aLineageDraft());
    const third = await appendLineage(store, clock, 'run-1', aLineageDraft(), {
      knownHead: first,
      backoff: noWait,
    });
    expect(third.seq).toBe(2);
    expect(verifyChain(store.recordsOf('run-1')).ok).toBe(true);
  });

  it('refuses to build on a known head that does not match its own hash', async () => {
    const store = new InMemoryLineageStore();
    const first = await appendLineage(store, clock, 'run-1', aLineageDraft());
    await expect(
      appendLineage(store, clock, 'run-1', aLineageDraft(), {
        knownHead: { ...first, actor: 'human:mallory' },
      }),
    ).rejects.toThrow('is broken');
  });

  it('fails with LineageWriteError after losing the race maxAttempts times', async () => {
    const alwaysTaken: LineageStore = {
      head: async () => undefined,
      putIfAbsent: async () => false,
      chain: async () => [],
    };
    const waits: number[] = [];
    const appending = appendLineage(alwaysTaken, clock, 'run-1', aLineageDraft(), {
      maxAttempts: 3,
      backoff: async (attempt) => {
        waits.push(attempt);
      },
    });
    await expect(appending).rejects.toMatchObject({
      name: 'LineageWriteError',
      message: expect.stringContaining('lost the race for the next seq 3 times'),
    });
    expect(waits).toEqual([1, 2]);
  });

  it('fails with LineageWriteError when the head does not match its own hash', async () => {
    const store = new InMemoryLineageStore();
    await appendLineage(store, clock, 'run-1', aLineageDraft({ data: { amount: 45.5 } }));
    store.tamper('run-1', 0, (record) => ({ ...record, data: { amount: 4550 } }));
    await expect(appendLineage(store, clock, 'run-1', aLineageDraft())).rejects.toMatchObject({
      name: 'LineageWriteError',
      message: expect.stringMatching(/chain "run-1" is broken: record 0 has hash/),
    });
  });

  it('fails with LineageWriteError naming the path of a value JSON cannot represent', async () => {
    const store = new InMemoryLineageStore();
    await expect(
      appendLineage(store, clock, 'run-1', aLineageDraft({ data: { usage: { cost: Number.NaN } } })),
    ).rejects.toMatchObject({
      name: 'LineageWriteError',
      message: expect.stringContaining('$.data.usage.cost'),
    });
    expect(store.recordsOf('run-1')).toEqual([]);
  });
});

describe('appendFirstLineage', () => {
  it('writes the first record of an empty chain', async () => {
    const store = new InMemoryLineageStore();
    const record = await appendFirstLineage(store, clock, 'run-1', aLineageDraft({ type: 'run.started' }));
    expect(record?.seq).toBe(0);
    expect(store.recordsOf('run-1')).toHaveLength(1);
  });

  it('writes nothing when the chain already has a record', async () => {
    const store = new InMemoryLineageStore();
    await appendFirstLineage(store, clock, 'run-1', aLineageDraft({ type: 'event.rejected' }));
    const again = await appendFirstLineage(store, clock, 'run-1', aLineageDraft({ type: 'event.rejected' }));
    expect(again).toBeUndefined();
    expect(store.recordsOf('run-1')).toHaveLength(1);
  });

  it('opens a chain with one conditional put and no head read', async () => {
    const store = new InMemoryLineageStore();
    const head = jest.spyOn(store, 'head');
    const put = jest.spyOn(store, 'putIfAbsent');
    await appendFirstLineage(store, clock, 'run-1', aLineageDraft({ type: 'run.started' }));
    expect(head).not.toHaveBeenCalled();
    expect(put).toHaveBeenCalledTimes(1);
  });

  it('writes nothing when the chain already has several records', async () => {
    const store = new InMemoryLineageStore();
    await appendFirstLineage(store, clock, 'run-1', aLineageDraft({ type: 'run.started' }));
    await appendLineage(store, clock, 'run-1', aLineageDraft({ type: 'context.grounded' }));
    const again = await appendFirstLineage(store, clock, 'run-1', aLineageDraft({ type: 'run.started' }));
    expect(again).toBeUndefined();
    expect(store.recordsOf('run-1').map((record) => record.type)).toEqual([
      'run.started',
      'context.grounded',
    ]);
  });

  it('writes once when two callers race to open the chain', async () => {
    const store = new InMemoryLineageStore();
    const results = await Promise.all([
      appendFirstLineage(store, clock, 'run-1', aLineageDraft({ type: 'run.started' })),
      appendFirstLineage(store, clock, 'run-1', aLineageDraft({ type: 'run.started' })),
    ]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect(store.recordsOf('run-1')).toHaveLength(1);
  });
});
