/**
 * Making checkpoints into a folder: each extends the latest one it signed,
 * a file once stored is never replaced, two checkpointers racing for one
 * sequence both land, and a damaged latest checkpoint stops the series.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointFileName, FolderCheckpointStore } from '../../../adapters/folder-checkpoint-store.js';
import { verifyAnchored } from '../../../core/lineage/anchored-verify.js';
import { publicKeyVerifier } from '../../../core/lineage/checkpoint-signature.js';
import { CheckpointConflictError } from '../../../core/lineage/checkpoint-store.js';
import { writeNextCheckpoint } from '../../../core/lineage/checkpointer.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import { testRecordKeys } from '../../support/trusted-ports.js';
import { aChainOf, appended, at, sourceOf, TestSigner } from './checkpoint-fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'awf-checkpoints-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ORIGIN = 'awf-local:test-lineage';

describe('writeNextCheckpoint with a folder store', () => {
  it('stores checkpoint 0, then 1 linked to it, as <sequence>.json files that verify with their leaves', async () => {
    const chains = new Map<string, LineageRecord[]>([['run-a', aChainOf('run-a', 3)]]);
    const store = new FolderCheckpointStore(dir);
    const signer = new TestSigner();
    const ports = {
      store,
      source: sourceOf(chains),
      signers: [signer],
      origin: ORIGIN,
      recordKeys: testRecordKeys(),
    };

    const first = await writeNextCheckpoint({ ...ports, clock: at('2026-11-02T15:00:00Z') });
    chains.set('run-a', appended(chains.get('run-a') ?? [], 2));
    const second = await writeNextCheckpoint({ ...ports, clock: at('2026-11-02T15:05:00Z') });

    expect([first.sequence, first.leafCount, second.sequence, second.leafCount]).toEqual([0, 3, 1, 2]);
    expect(readdirSync(dir).sort()).toEqual([checkpointFileName(0), checkpointFileName(1)]);
    expect(checkpointFileName(1)).toBe('000000000001.json');
    const verification = await verifyAnchored({
      chains,
      checkpoints: await store.list(),
      verifier: publicKeyVerifier([signer.pem]),
      now: new Date('2026-11-02T15:06:00Z'),
      origin: ORIGIN,
    });
    expect(verification.ok).toBe(true);
    expect(verification.checkpoints.trusted).toBe(2);
  });

  it('refuses to store a second checkpoint at a sequence already stored (CheckpointConflictError)', async () => {
    const store = new FolderCheckpointStore(dir);
    const ports = { store, source: sourceOf(new Map()), signers: [new TestSigner()], origin: ORIGIN };
    const { signed } = await writeNextCheckpoint({ ...ports, clock: at('2026-11-02T15:00:00Z') });

    await expect(store.put(signed, [])).rejects.toThrow(CheckpointConflictError);
    expect(readdirSync(dir)).toEqual([checkpointFileName(0)]);
  });

  it('lands both of two checkpointers racing for the next sequence, one after the other', async () => {
    const store = new FolderCheckpointStore(dir);
    const ports = {
      store,
      source: sourceOf(new Map([['run-a', aChainOf('run-a', 2)]])),
      signers: [new TestSigner()],
      origin: ORIGIN,
      clock: at('2026-11-02T15:00:00Z'),
    };

    const sequences = await Promise.all([writeNextCheckpoint(ports), writeNextCheckpoint(ports)]);

    expect(sequences.map((s) => s.sequence).sort()).toEqual([0, 1]);
  });

  it('fails to extend a latest checkpoint whose signature does not verify under its own key, naming it', async () => {
    const store = new FolderCheckpointStore(dir);
    const ports = { store, source: sourceOf(new Map()), signers: [new TestSigner()], origin: ORIGIN };
    await writeNextCheckpoint({ ...ports, clock: at('2026-11-02T15:00:00Z') });
    const file = join(dir, checkpointFileName(0));
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      signed: { signatures: { signature: string }[] };
    };
    const [signature] = stored.signed.signatures;
    if (signature) signature.signature = Buffer.alloc(64, 7).toString('base64');
    writeFileSync(file, JSON.stringify(stored));

    await expect(writeNextCheckpoint({ ...ports, clock: at('2026-11-02T15:05:00Z') })).rejects.toThrow(
      /latest stored checkpoint \(0\) does not verify under the checkpointer's keys/,
    );
  });

  it('hands a file that is not JSON on as evidence the verifier reports as malformed', async () => {
    writeFileSync(join(dir, checkpointFileName(0)), '{ not json');
    const store = new FolderCheckpointStore(dir);

    const verification = await verifyAnchored({
      chains: new Map(),
      checkpoints: await store.list(),
      verifier: publicKeyVerifier([new TestSigner().pem]),
      now: new Date(),
    });

    expect(verification.ok).toBe(false);
    expect(verification.checkpoints.problems[0]).toMatchObject({ kind: 'malformed' });
  });
});
