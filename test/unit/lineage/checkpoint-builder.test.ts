/**
 * Building checkpoints: what the root covers is counted per chain by seq
 * (late appends are never missed), heads are carried forward, damage is
 * listed and never becomes leaves, missing records are expired only by the
 * retention rule, and the document hashes and signs canonically.
 */
import fc from 'fast-check';
import { canonicalJson } from '../../../core/canonical-json.js';
import {
  type Checkpoint,
  checkpointBytes,
  checkpointHash,
  FIRST_CHECKPOINT_PREVIOUS,
  parseSignedCheckpoint,
} from '../../../core/lineage/checkpoint.js';
import { buildCheckpoint, type CheckpointBuild } from '../../../core/lineage/checkpoint-builder.js';
import { CheckpointError } from '../../../core/lineage/checkpoint-errors.js';
import { checkpointLeafHash, leafBytes } from '../../../core/lineage/checkpoint-leaf.js';
import {
  checkCheckpointSignatures,
  publicKeyVerifier,
  signCheckpoint,
} from '../../../core/lineage/checkpoint-signature.js';
import { merkleRoot } from '../../../core/lineage/merkle.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import { testRecordKeys } from '../../support/trusted-ports.js';
import { aChainOf, appended, at, sourceOf, TestSigner } from './checkpoint-fixtures.js';

const ORIGIN = 'test-lineage';
const KEY = new TestSigner();

async function next(
  chains: Map<string, LineageRecord[]>,
  previous: Checkpoint | undefined,
  when: string,
  extra: { retentionDays?: number } = {},
): Promise<CheckpointBuild> {
  return buildCheckpoint({
    origin: ORIGIN,
    previous,
    source: sourceOf(chains),
    clock: at(when),
    keyIds: [await KEY.keyId()],
    recordKeys: testRecordKeys(),
    ...extra,
  });
}

describe('buildCheckpoint', () => {
  it('anchors every record of every chain in the first checkpoint, leaves by run id then seq', async () => {
    const chains = new Map([
      ['run-b', aChainOf('run-b', 2)],
      ['run-a', aChainOf('run-a', 3)],
    ]);
    const { checkpoint, leaves } = await next(chains, undefined, '2026-11-02T15:00:00.000Z');
    expect(checkpoint).toMatchObject({
      version: 1,
      origin: ORIGIN,
      sequence: 0,
      previousCheckpointHash: FIRST_CHECKPOINT_PREVIOUS,
      createdAt: '2026-11-02T15:00:00.000Z',
      leafCount: 5,
      ranges: [
        { runId: 'run-a', fromSeq: 0, toSeq: 2 },
        { runId: 'run-b', fromSeq: 0, toSeq: 1 },
      ],
      damaged: [],
      expired: [],
    });
    expect(leaves.map((l) => `${l.runId}/${l.seq}`)).toEqual([
      'run-a/0',
      'run-a/1',
      'run-a/2',
      'run-b/0',
      'run-b/1',
    ]);
    expect(checkpoint.heads).toEqual([
      {
        runId: 'run-a',
        seq: 2,
        hash: chains.get('run-a')?.[2]?.hash,
        anchoredAt: '2026-11-02T15:00:00.000Z',
      },
      {
        runId: 'run-b',
        seq: 1,
        hash: chains.get('run-b')?.[1]?.hash,
        anchoredAt: '2026-11-02T15:00:00.000Z',
      },
    ]);
    expect(checkpoint.merkleRoot).toBe(merkleRoot(leaves.map(checkpointLeafHash)).toString('hex'));
  });

  it('makes a leaf the canonical JSON of the record hash, run id and seq', () => {
    expect(leafBytes({ runId: 'run-a', seq: 2, hash: 'ab'.repeat(32) }).toString('utf8')).toBe(
      `{"hash":"${'ab'.repeat(32)}","runId":"run-a","seq":2}`,
    );
    fc.assert(
      fc.property(fc.string(), fc.nat(), fc.string(), (runId, seq, hash) =>
        leafBytes({ runId, seq, hash }).equals(Buffer.from(canonicalJson({ seq, runId, hash }), 'utf8')),
      ),
    );
  });

  it('covers only the records added since the previous checkpoint, and carries the other heads', async () => {
    const chains = new Map([
      ['run-a', aChainOf('run-a', 2)],
      ['run-b', aChainOf('run-b', 2)],
    ]);
    const first = await next(chains, undefined, '2026-11-02T15:00:00.000Z');
    chains.set('run-a', appended(chains.get('run-a') as LineageRecord[], 2));
    const second = await next(chains, first.checkpoint, '2026-11-02T16:00:00.000Z');
    expect(second.checkpoint).toMatchObject({
      sequence: 1,
      previousCheckpointHash: checkpointHash(first.checkpoint),
      ranges: [{ runId: 'run-a', fromSeq: 2, toSeq: 3 }],
      leafCount: 2,
    });
    expect(second.checkpoint.heads.map((h) => [h.runId, h.seq, h.anchoredAt])).toEqual([
      ['run-a', 3, '2026-11-02T16:00:00.000Z'],
      ['run-b', 1, '2026-11-02T15:00:00.000Z'],
    ]);
  });

  it('covers a record appended late, whose writer clock says it predates the previous checkpoint', async () => {
    const chains = new Map([['run-a', aChainOf('run-a', 2)]]);
    const first = await next(chains, undefined, '2026-11-02T15:00:00.000Z');
    chains.set('run-a', appended(chains.get('run-a') as LineageRecord[], 1, '2026-11-02T14:59:59.000Z'));
    const second = await next(chains, first.checkpoint, '2026-11-02T16:00:00.000Z');
    expect(second.checkpoint.ranges).toEqual([{ runId: 'run-a', fromSeq: 2, toSeq: 2 }]);
  });

  it('lists a damaged chain, makes no leaf of it, and keeps its last good head', async () => {
    const chains = new Map([
      ['run-a', aChainOf('run-a', 3)],
      ['run-b', aChainOf('run-b', 2)],
    ]);
    const first = await next(chains, undefined, '2026-11-02T15:00:00.000Z');
    const edited = appended(chains.get('run-a') as LineageRecord[], 1);
    edited[1] = { ...(edited[1] as LineageRecord), data: { edited: true } };
    chains.set('run-a', edited);
    const second = await next(chains, first.checkpoint, '2026-11-02T16:00:00.000Z');
    expect(second.checkpoint.damaged).toEqual([
      {
        runId: 'run-a',
        firstBadSeq: 1,
        kind: 'modified',
        problem: expect.stringContaining('record 1 was edited'),
      },
    ]);
    expect(second.leaves).toEqual([]);
    expect(second.checkpoint.heads.find((h) => h.runId === 'run-a')).toEqual(
      first.checkpoint.heads.find((h) => h.runId === 'run-a'),
    );
  });

  it('lists a chain whose anchored tail was cut off as damaged (truncated)', async () => {
    const chains = new Map([['run-a', aChainOf('run-a', 4)]]);
    const first = await next(chains, undefined, '2026-11-02T15:00:00.000Z');
    chains.set('run-a', (chains.get('run-a') as LineageRecord[]).slice(0, 2));
    const second = await next(chains, first.checkpoint, '2026-11-02T16:00:00.000Z');
    expect(second.checkpoint.damaged).toEqual([
      expect.objectContaining({ runId: 'run-a', firstBadSeq: 2, kind: 'truncated' }),
    ]);
  });

  it('lists records gone after the retention as expired, and drops a chain gone whole from the heads', async () => {
    const chains = new Map([
      ['run-a', aChainOf('run-a', 3)],
      ['run-b', aChainOf('run-b', 3)],
    ]);
    const first = await next(chains, undefined, '2026-11-02T15:00:00.000Z', { retentionDays: 30 });
    chains.delete('run-a');
    chains.set('run-b', (chains.get('run-b') as LineageRecord[]).slice(2));
    const early = await next(chains, first.checkpoint, '2026-11-20T15:00:00.000Z', { retentionDays: 30 });
    expect(early.checkpoint.damaged.map((d) => [d.runId, d.kind, d.firstBadSeq])).toEqual([
      ['run-a', 'vanished', 0],
      ['run-b', 'deleted', 0],
    ]);
    const late = await next(chains, first.checkpoint, '2026-12-02T15:00:00.000Z', { retentionDays: 30 });
    expect(late.checkpoint).toMatchObject({
      damaged: [],
      expired: [
        { runId: 'run-a', fromSeq: 0, toSeq: 2 },
        { runId: 'run-b', fromSeq: 0, toSeq: 1 },
      ],
    });
    expect(late.checkpoint.heads.map((h) => h.runId)).toEqual(['run-b']);
  });

  it("lists a record whose MAC is not its writer's as forged", async () => {
    const chain = aChainOf('run-a', 3);
    chain[2] = { ...(chain[2] as LineageRecord), mac: 'f'.repeat(64) };
    const { checkpoint } = await next(new Map([['run-a', chain]]), undefined, '2026-11-02T15:00:00.000Z');
    expect(checkpoint.damaged).toEqual([
      expect.objectContaining({ runId: 'run-a', firstBadSeq: 2, kind: 'forged' }),
    ]);
  });

  it('fails when the previous checkpoint is of another origin, or the clock runs backwards', async () => {
    const chains = new Map([['run-a', aChainOf('run-a', 1)]]);
    const { checkpoint } = await next(chains, undefined, '2026-11-02T15:00:00.000Z');
    await expect(next(chains, checkpoint, '2026-11-02T14:00:00.000Z')).rejects.toThrow(
      new CheckpointError(
        'the clock says 2026-11-02T14:00:00.000Z, before checkpoint 0 (2026-11-02T15:00:00.000Z): a checkpoint cannot predate the one before it',
      ),
    );
    await expect(
      buildCheckpoint({
        origin: 'other',
        previous: checkpoint,
        source: sourceOf(chains),
        clock: at('2026-11-03T00:00:00Z'),
        keyIds: ['k'],
      }),
    ).rejects.toThrow('the previous checkpoint is of "test-lineage", not "other"');
  });

  it('signs the canonical bytes, and the signature survives a JSON round trip', async () => {
    const { checkpoint } = await next(
      new Map([['run-a', aChainOf('run-a', 2)]]),
      undefined,
      '2026-11-02T15:00:00.000Z',
    );
    const signed = await signCheckpoint(checkpoint, [KEY]);
    const parsed = parseSignedCheckpoint(JSON.parse(JSON.stringify(signed)));
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(checkpointBytes(parsed.signed.checkpoint).equals(checkpointBytes(checkpoint))).toBe(true);
    expect(checkCheckpointSignatures(parsed.signed, publicKeyVerifier([KEY.pem]))).toEqual({
      ok: true,
      authentic: true,
      verifiedBy: [await KEY.keyId()],
      problems: [],
    });
  });

  it('refuses to sign with keys the checkpoint does not name', async () => {
    const { checkpoint } = await next(
      new Map([['run-a', aChainOf('run-a', 1)]]),
      undefined,
      '2026-11-02T15:00:00.000Z',
    );
    await expect(signCheckpoint(checkpoint, [new TestSigner()])).rejects.toThrow(CheckpointError);
  });

  it('anchors every record exactly once over any history of appends and checkpoints', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.nat({ max: 3 }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 5,
        }),
        async (rounds) => {
          const chains = new Map<string, LineageRecord[]>();
          let previous: Checkpoint | undefined;
          const anchored = new Map<string, number>();
          for (const [round, growth] of rounds.entries()) {
            growth.forEach((count, run) => {
              const runId = `run-${run}`;
              const chain = chains.get(runId);
              if (count === 0) return;
              chains.set(runId, chain === undefined ? aChainOf(runId, count) : appended(chain, count));
            });
            const { checkpoint, leaves } = await next(
              chains,
              previous,
              new Date(Date.UTC(2026, 10, 3, round)).toISOString(),
            );
            for (const leaf of leaves)
              anchored.set(`${leaf.runId}/${leaf.seq}`, (anchored.get(`${leaf.runId}/${leaf.seq}`) ?? 0) + 1);
            previous = checkpoint;
          }
          const all = [...chains.values()].flat().map((r) => `${r.chainId}/${r.seq}`);
          return all.length === anchored.size && all.every((key) => anchored.get(key) === 1);
        },
      ),
      { numRuns: 50 },
    );
  });
});
