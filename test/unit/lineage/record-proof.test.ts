/**
 * A record's inclusion proof: made from a checkpoint's leaves, verified
 * offline with the public key alone, and failed by any change to the proof,
 * the checkpoint in it, or the record it is checked against.
 */
import { buildCheckpoint } from '../../../core/lineage/checkpoint-builder.js';
import { CheckpointError } from '../../../core/lineage/checkpoint-errors.js';
import { signCheckpoint } from '../../../core/lineage/checkpoint-signature.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import { proveRecord, type RecordProof, verifyProof } from '../../../core/lineage/record-proof.js';
import { aChainOf, at, sourceOf, TestSigner } from './checkpoint-fixtures.js';

const KEY = new TestSigner();

async function anchored() {
  const chains = new Map([
    ['run-a', aChainOf('run-a', 4)],
    ['run-b', aChainOf('run-b', 3)],
    ['run-c', aChainOf('run-c', 2)],
  ]);
  const { checkpoint, leaves } = await buildCheckpoint({
    origin: 'test-lineage',
    source: sourceOf(chains),
    clock: at('2026-11-02T15:00:00.000Z'),
    keyIds: [await KEY.keyId()],
  });
  return { chains, signed: await signCheckpoint(checkpoint, [KEY]), leaves };
}

describe('record proofs', () => {
  it('proves every record of a checkpoint, offline, with the record itself', async () => {
    const { chains, signed, leaves } = await anchored();
    for (const record of [...chains.values()].flat()) {
      const proof = JSON.parse(JSON.stringify(proveRecord(record, signed, leaves)));
      expect(verifyProof(proof, KEY.pem, record)).toEqual({
        ok: true,
        problems: [],
        leaf: { runId: record.chainId, seq: record.seq, hash: record.hash },
        checkpoint: { origin: 'test-lineage', sequence: 0, createdAt: '2026-11-02T15:00:00.000Z' },
      });
    }
  });

  it('fails a proof with anything changed, naming what', async () => {
    const { chains, signed, leaves } = await anchored();
    const record = chains.get('run-b')?.[1] as LineageRecord;
    const proof = proveRecord(record, signed, leaves);
    const changes: [string, (p: RecordProof) => unknown, string][] = [
      ['leaf hash', (p) => ({ ...p, leaf: { ...p.leaf, hash: 'e'.repeat(64) } }), 'audit path does not lead'],
      ['leaf seq', (p) => ({ ...p, leaf: { ...p.leaf, seq: 2 } }), "the checkpoint's ranges at leaf 6"],
      [
        'leaf index',
        (p) => ({ ...p, leafIndex: p.leafIndex + 1 }),
        'the proof puts record 1 of run run-b at leaf 6',
      ],
      ['tree size', (p) => ({ ...p, treeSize: p.treeSize + 1 }), 'a tree of 10 leaves'],
      ['audit path', (p) => ({ ...p, auditPath: [...p.auditPath].reverse() }), 'audit path does not lead'],
      [
        'checkpoint root',
        (p) => ({
          ...p,
          checkpoint: {
            ...p.checkpoint,
            checkpoint: { ...p.checkpoint.checkpoint, merkleRoot: 'd'.repeat(64) },
          },
        }),
        'does not verify',
      ],
      [
        'signature',
        (p) => ({
          ...p,
          checkpoint: {
            ...p.checkpoint,
            signatures: p.checkpoint.signatures.map((s) => ({
              ...s,
              signature: Buffer.alloc(64).toString('base64'),
            })),
          },
        }),
        'does not verify',
      ],
      ['shape', (p) => ({ ...p, auditPath: 'none' }), 'not a record proof'],
    ];
    for (const [what, change, problem] of changes) {
      const result = verifyProof(change(proof), KEY.pem);
      expect({ what, ok: result.ok }).toEqual({ what, ok: false });
      expect(result.problems.join(' | ')).toContain(problem);
    }
    expect(verifyProof(proof, new TestSigner().pem).problems).toEqual([
      expect.stringContaining('no signature by a trusted key'),
    ]);
    expect(verifyProof(proof, KEY.pem, { ...record, data: { changed: true } }).problems).toEqual([
      expect.stringMatching(
        /^the record given hashes to [0-9a-f]{64}, the proof anchors [0-9a-f]{64}: it was changed$/,
      ),
    ]);
  });

  it('refuses to prove a record the checkpoint does not hold, or holds with another hash', async () => {
    const { chains, signed, leaves } = await anchored();
    const record = chains.get('run-a')?.[0] as LineageRecord;
    expect(() => proveRecord({ ...record, seq: 9 }, signed, leaves)).toThrow(
      new CheckpointError('checkpoint 0 does not cover record 9 of run run-a'),
    );
    expect(() => proveRecord({ ...record, hash: 'a'.repeat(64) }, signed, leaves)).toThrow(
      `checkpoint 0 anchored record 0 of run run-a with hash ${record.hash}, not ${'a'.repeat(64)}`,
    );
    expect(() => proveRecord(record, signed, leaves.slice(1))).toThrow(/the 8 leaves given make the root/);
  });
});
