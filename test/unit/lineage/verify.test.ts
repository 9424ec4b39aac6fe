import fc from 'fast-check';
import { computeRecordHash } from '../../../core/lineage/chain.js';
import { GENESIS_HASH, type LineageRecord, type LineageRecordType } from '../../../core/lineage/record.js';
import { verifyChain } from '../../../core/lineage/verify.js';
import { aValidChain } from '../../support/lineage-builders.js';

const rehash = (record: LineageRecord): LineageRecord => ({ ...record, hash: computeRecordHash(record) });

describe('verifyChain', () => {
  it('accepts a valid chain', () => {
    expect(verifyChain(aValidChain(), { ended: true })).toEqual({ ok: true, problems: [] });
  });

  it('accepts an empty chain of a run that has not ended', () => {
    expect(verifyChain([])).toEqual({ ok: true, problems: [] });
  });

  it('fails an empty chain of a run that ended', () => {
    expect(verifyChain([], { ended: true }).problems).toEqual([
      { seq: 0, problem: 'chain is empty, but the run ended' },
    ]);
  });

  it('fails an edited record with a hash mismatch at its seq', () => {
    const chain = aValidChain();
    chain[1] = { ...(chain[1] as LineageRecord), data: { index: 99 } };
    const { ok, problems } = verifyChain(chain);
    expect(ok).toBe(false);
    expect(problems).toEqual([{ seq: 1, problem: expect.stringContaining('hash mismatch') }]);
  });

  it('fails an edited record whose hash was recomputed, at the record after it', () => {
    const chain = aValidChain();
    chain[1] = rehash({ ...(chain[1] as LineageRecord), actor: 'human:mallory' });
    expect(verifyChain(chain).problems).toEqual([
      { seq: 2, problem: expect.stringContaining('does not match the hash') },
    ]);
  });

  it('fails a deleted record with a gap naming the missing seq', () => {
    const chain = aValidChain();
    chain.splice(1, 1);
    expect(verifyChain(chain).problems).toContainEqual({
      seq: 2,
      problem: 'gap: seq 2 follows seq 0 (records 1 missing)',
    });
  });

  it('fails a chain whose first records were deleted', () => {
    const chain = aValidChain().slice(2);
    expect(verifyChain(chain).problems).toContainEqual({
      seq: 2,
      problem: 'chain starts at seq 2, expected 0 (records 0..1 missing)',
    });
  });

  it('fails reordered records', () => {
    const chain = aValidChain();
    const [a, b] = [chain[1] as LineageRecord, chain[2] as LineageRecord];
    chain[1] = b;
    chain[2] = a;
    expect(verifyChain(chain).problems).toContainEqual({
      seq: 1,
      problem: 'out of order: seq 1 follows seq 2',
    });
  });

  it('fails a wrong genesis', () => {
    const chain = aValidChain();
    chain[0] = rehash({ ...(chain[0] as LineageRecord), prevHash: 'a'.repeat(64) });
    expect(verifyChain(chain).problems).toContainEqual({
      seq: 0,
      problem: `wrong genesis: first record's prevHash is ${'a'.repeat(64)}, expected ${GENESIS_HASH}`,
    });
  });

  it('fails a record of another chain mixed in', () => {
    const chain = aValidChain('run-a');
    const foreign = aValidChain('run-b');
    chain[2] = foreign[2] as LineageRecord;
    expect(verifyChain(chain).problems).toContainEqual({
      seq: 2,
      problem: 'belongs to chain "run-b", not "run-a"',
    });
  });

  it('fails a run that ended when its last record is not terminal', () => {
    const chain = aValidChain().slice(0, 3);
    expect(verifyChain(chain).ok).toBe(true);
    expect(verifyChain(chain, { ended: true }).problems).toEqual([
      { seq: 2, problem: expect.stringContaining('the last record is "actions.proposed"') },
    ]);
  });
});

describe('verifyChain (properties)', () => {
  const middleTypes: LineageRecordType[] = [
    'context.grounded',
    'model.invoked',
    'actions.proposed',
    'policy.evaluated',
    'approval.requested',
    'approval.decided',
    'action.executed',
  ];
  const json = fc.jsonValue({ maxDepth: 2 });
  /** A valid chain of an ended run: run.started, 0-10 middle records, a terminal record. */
  const validChain = fc
    .record({
      middle: fc.array(fc.constantFrom(...middleTypes), { maxLength: 10 }),
      end: fc.constantFrom<LineageRecordType>('run.completed', 'run.escalated'),
      payloads: fc.array(json, { minLength: 12, maxLength: 12 }),
    })
    .map(({ middle, end, payloads }) =>
      aValidChain('run-prop', ['run.started', ...middle, end], (i) => ({ payload: payloads[i] ?? null })),
    );

  it('accepts every valid chain', () => {
    fc.assert(fc.property(validChain, (chain) => verifyChain(chain, { ended: true }).ok));
  });

  it('detects any single edit of any field of any record', () => {
    const edits: ((record: LineageRecord) => LineageRecord)[] = [
      (r) => ({ ...r, data: { ...r.data, injected: true } }),
      (r) => ({ ...r, actor: `${r.actor}x` }),
      (r) => ({ ...r, type: r.type === 'run.escalated' ? 'run.completed' : 'run.escalated' }),
      (r) => ({ ...r, at: new Date(Date.parse(r.at) + 1).toISOString() }),
      (r) => ({ ...r, entityId: `${r.entityId}x` }),
      (r) => ({ ...r, versions: { ...r.versions, modelId: 'other-model' } }),
      (r) => ({ ...r, seq: r.seq + 1 }),
      (r) => ({ ...r, prevHash: r.prevHash.replace(/^./, (c) => (c === '0' ? '1' : '0')) }),
      (r) => ({ ...r, hash: r.hash.replace(/^./, (c) => (c === '0' ? '1' : '0')) }),
    ];
    fc.assert(
      fc.property(validChain, fc.nat(), fc.nat({ max: edits.length - 1 }), (chain, at, which) => {
        const index = at % chain.length;
        const edit = edits[which] as (record: LineageRecord) => LineageRecord;
        const tampered = chain.map((r, i) => (i === index ? edit(r) : r));
        return !verifyChain(tampered, { ended: true }).ok;
      }),
    );
  });

  it('detects the deletion of any record', () => {
    fc.assert(
      fc.property(validChain, fc.nat(), (chain, at) => {
        const index = at % chain.length;
        const tampered = chain.filter((_, i) => i !== index);
        return !verifyChain(tampered, { ended: true }).ok;
      }),
    );
  });

  it('detects a swap of any two records, with or without their seqs swapped back', () => {
    fc.assert(
      fc.property(
        validChain.filter((chain) => chain.length >= 2),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        (chain, a, b, keepSeqs) => {
          const i = a % chain.length;
          const j = (i + 1 + (b % (chain.length - 1))) % chain.length;
          const tampered = [...chain];
          const [first, second] = [chain[i] as LineageRecord, chain[j] as LineageRecord];
          tampered[i] = keepSeqs ? { ...second, seq: first.seq } : second;
          tampered[j] = keepSeqs ? { ...first, seq: second.seq } : first;
          return !verifyChain(tampered, { ended: true }).ok;
        },
      ),
    );
  });
});
