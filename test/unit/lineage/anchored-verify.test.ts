/**
 * Verifying chains against signed checkpoints: every kind of damage is
 * reported at the first bad record, expired records are told from deleted
 * ones, broken checkpoints are reported, malformed input never throws, and
 * (properties) any single tampering of a random chain is detected and
 * located while untouched chains never are.
 */
import fc from 'fast-check';
import { renderAnchoredReport } from '../../../core/lineage/anchored-report.js';
import { type CheckpointEvidence, verifyAnchored } from '../../../core/lineage/anchored-verify.js';
import type { SignedCheckpoint } from '../../../core/lineage/checkpoint.js';
import { buildCheckpoint, type CheckpointBuild } from '../../../core/lineage/checkpoint-builder.js';
import {
  type CheckpointSigner,
  publicKeyVerifier,
  signCheckpoint,
} from '../../../core/lineage/checkpoint-signature.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import { testRecordKeys } from '../../support/trusted-ports.js';
import { aChainOf, appended, at, rewrittenFrom, sourceOf, TestSigner } from './checkpoint-fixtures.js';

const ORIGIN = 'test-lineage';
const OLD_KEY = new TestSigner();
const NEW_KEY = new TestSigner();
const NOW = new Date('2026-11-10T00:00:00.000Z');

/** Checkpoints made one hour apart from 15:00, after each change of the chains. */
async function series(
  chains: Map<string, LineageRecord[]>,
  changes: readonly ((chains: Map<string, LineageRecord[]>) => void)[] = [],
  options: { signers?: CheckpointSigner[]; retentionDays?: number } = {},
): Promise<{ signed: SignedCheckpoint[]; builds: CheckpointBuild[] }> {
  const signers = options.signers ?? [OLD_KEY];
  const keyIds = await Promise.all(signers.map((s) => s.keyId()));
  const signed: SignedCheckpoint[] = [];
  const builds: CheckpointBuild[] = [];
  for (const [i, change] of [() => {}, ...changes].entries()) {
    change(chains);
    const build = await buildCheckpoint({
      origin: ORIGIN,
      previous: signed.at(-1)?.checkpoint,
      source: sourceOf(chains),
      clock: at(new Date(Date.UTC(2026, 10, 2, 15 + i)).toISOString()),
      keyIds,
      ...(options.retentionDays !== undefined && { retentionDays: options.retentionDays }),
    });
    builds.push(build);
    signed.push(await signCheckpoint(build.checkpoint, signers));
  }
  return { signed, builds };
}

function verify(
  chains: Map<string, readonly unknown[]>,
  checkpoints: readonly CheckpointEvidence[],
  extra: { now?: Date; keys?: string[] } = {},
) {
  return verifyAnchored({
    chains,
    checkpoints,
    verifier: publicKeyVerifier(extra.keys ?? [OLD_KEY.pem]),
    now: extra.now ?? NOW,
    recordKeys: testRecordKeys(),
  });
}

const evidence = (
  signed: readonly SignedCheckpoint[],
  builds?: readonly CheckpointBuild[],
): CheckpointEvidence[] =>
  signed.map((s, i) => ({ signed: s, ...(builds && { leaves: builds[i]?.leaves }) }));

function twoRuns(): Map<string, LineageRecord[]> {
  return new Map([
    ['run-a', aChainOf('run-a', 5)],
    ['run-b', aChainOf('run-b', 3)],
  ]);
}

describe('verifyAnchored', () => {
  it('verifies untouched chains against their checkpoints, and says what is not yet anchored', async () => {
    const chains = twoRuns();
    const { signed } = await series(chains);
    chains.set('run-b', appended(chains.get('run-b') as LineageRecord[], 2));
    const report = await verify(chains, evidence(signed));
    expect(report).toMatchObject({
      ok: true,
      checkpoints: { given: 1, trusted: 1, problems: [] },
      summary: { runs: 2, intact: 2, damaged: 0, expired: 0, records: 10 },
    });
    expect(report.runs.map((r) => [r.runId, r.status, r.anchoredThrough, r.lastSeq])).toEqual([
      ['run-a', 'intact', 4, 4],
      ['run-b', 'intact', 2, 4],
    ]);
    expect(renderAnchoredReport(report)).toContain('LINEAGE VERIFIED');
  });

  it.each([
    [
      'modified',
      (c: LineageRecord[]) => c.map((r) => (r.seq === 2 ? { ...r, data: { edited: true } } : r)),
      { seq: 2, kind: 'modified' },
    ],
    [
      'deleted',
      (c: LineageRecord[]) => c.filter((r) => r.seq !== 1 && r.seq !== 2),
      { seq: 1, lastSeq: 2, kind: 'deleted' },
    ],
    ['truncated', (c: LineageRecord[]) => c.slice(0, 3), { seq: 3, lastSeq: 4, kind: 'truncated' }],
    [
      'inserted',
      (c: LineageRecord[]) => [
        ...c.slice(0, 3),
        { ...(c[2] as LineageRecord), data: { extra: true } },
        ...c.slice(3),
      ],
      { seq: 2, kind: 'inserted' },
    ],
    [
      'reordered',
      (c: LineageRecord[]) => [c[0], c[3], c[2], c[1], c[4]] as LineageRecord[],
      { seq: 1, kind: 'reordered' },
    ],
    [
      'forged',
      (c: LineageRecord[]) => c.map((r) => (r.seq === 3 ? { ...r, mac: 'a'.repeat(64) } : r)),
      { seq: 3, kind: 'forged' },
    ],
    ['vanished', () => [], { seq: 0, lastSeq: 4, kind: 'vanished' }],
    [
      'rewritten (a writer key holder recomputed the tail)',
      (c: LineageRecord[]) => rewrittenFrom(c, 2),
      { seq: 0, lastSeq: 4, kind: 'rewritten' },
    ],
  ] as const)('reports a %s chain at its first bad record', async (_name, tamper, first) => {
    const chains = twoRuns();
    const { signed } = await series(chains);
    chains.set('run-a', tamper(chains.get('run-a') as LineageRecord[]));
    const report = await verify(chains, evidence(signed));
    expect(report.ok).toBe(false);
    const runA = report.runs.find((r) => r.runId === 'run-a');
    expect(runA?.status).toBe('damaged');
    expect(runA?.firstBad).toEqual({ ...first, problem: expect.any(String) });
    expect(report.runs.find((r) => r.runId === 'run-b')?.status).toBe('intact');
    const text = renderAnchoredReport(report);
    expect(text).toContain('LINEAGE DAMAGED');
    expect(text).toContain(`run-a: first bad record${'lastSeq' in first ? 's' : ''} ${first.seq}`);
  });

  it("locates a rewritten record exactly when the checkpoint's leaves are given", async () => {
    const chains = twoRuns();
    const { signed, builds } = await series(chains);
    chains.set('run-a', rewrittenFrom(chains.get('run-a') as LineageRecord[], 2));
    const report = await verify(chains, evidence(signed, builds));
    expect(report.runs.find((r) => r.runId === 'run-a')?.firstBad).toMatchObject({
      seq: 2,
      kind: 'rewritten',
    });
  });

  it('narrows a rewrite to the records after the last head that still matches', async () => {
    const chains = twoRuns();
    const { signed } = await series(chains, [
      (c) => c.set('run-a', appended(c.get('run-a') as LineageRecord[], 3)),
    ]);
    chains.set('run-a', rewrittenFrom(chains.get('run-a') as LineageRecord[], 6));
    const report = await verify(chains, evidence(signed));
    expect(report.runs.find((r) => r.runId === 'run-a')?.firstBad).toMatchObject({
      seq: 5,
      lastSeq: 7,
      kind: 'rewritten',
    });
  });

  it('tells records expired by retention from deleted ones', async () => {
    const chains = twoRuns();
    const { signed } = await series(chains, [], { retentionDays: 30 });
    chains.delete('run-a');
    chains.set('run-b', (chains.get('run-b') as LineageRecord[]).slice(1));
    const early = await verify(chains, evidence(signed), { now: new Date('2026-11-20T00:00:00Z') });
    expect(early.runs.map((r) => [r.runId, r.status, r.firstBad?.kind])).toEqual([
      ['run-a', 'damaged', 'vanished'],
      ['run-b', 'damaged', 'deleted'],
    ]);
    const late = await verify(chains, evidence(signed), { now: new Date('2026-12-03T00:00:00Z') });
    expect(late.ok).toBe(true);
    expect(late.runs.map((r) => [r.runId, r.status, r.expired])).toEqual([
      ['run-a', 'expired', [{ fromSeq: 0, toSeq: 4 }]],
      ['run-b', 'intact', [{ fromSeq: 0, toSeq: 0 }]],
    ]);
    expect(renderAnchoredReport(late)).toContain('expired by retention (not damage)');
  });

  it("accepts records a signed checkpoint declared expired, whatever the auditor's clock says", async () => {
    const chains = twoRuns();
    const { signed } = await series(chains, [], { retentionDays: 30 });
    chains.set('run-b', (chains.get('run-b') as LineageRecord[]).slice(2));
    const later = await buildCheckpoint({
      origin: ORIGIN,
      previous: signed[0]?.checkpoint,
      source: sourceOf(chains),
      clock: at('2026-12-03T00:00:00Z'),
      keyIds: [await OLD_KEY.keyId()],
      retentionDays: 30,
    });
    expect(later.checkpoint.expired).toEqual([{ runId: 'run-b', fromSeq: 0, toSeq: 1 }]);
    const all = [...signed, await signCheckpoint(later.checkpoint, [OLD_KEY])];
    const report = await verify(chains, evidence(all), { now: new Date('2026-11-20T00:00:00Z') });
    expect(report.runs.find((r) => r.runId === 'run-b')).toMatchObject({
      status: 'intact',
      expired: [{ fromSeq: 0, toSeq: 1 }],
    });
  });

  it('reports a checkpoint whose document or signature was changed, and does not use it', async () => {
    const chains = twoRuns();
    const { signed } = await series(chains, [
      (c) => c.set('run-a', appended(c.get('run-a') as LineageRecord[], 1)),
    ]);
    const [first, second] = signed as [SignedCheckpoint, SignedCheckpoint];
    const forgedHead = {
      ...second,
      checkpoint: {
        ...second.checkpoint,
        heads: second.checkpoint.heads.map((h) => ({ ...h, seq: h.seq + 1 })),
      },
    };
    const report = await verify(chains, evidence([first, forgedHead]));
    expect(report.checkpoints.problems).toContainEqual({
      sequence: 1,
      kind: 'signature',
      problem: expect.stringContaining('does not verify'),
    });
    expect(report.checkpoints.trusted).toBe(1);
    expect(report.ok).toBe(false);
  });

  it('reports a missing checkpoint and a previous-hash link that does not match', async () => {
    const chains = twoRuns();
    const grow = (c: Map<string, LineageRecord[]>) =>
      c.set('run-a', appended(c.get('run-a') as LineageRecord[], 1));
    const { signed } = await series(chains, [grow, grow]);
    const gap = await verify(chains, evidence([signed[0], signed[2]] as SignedCheckpoint[]));
    expect(gap.checkpoints.problems).toEqual([
      { sequence: 2, kind: 'link', problem: 'follows checkpoint 0: checkpoints 1..1 are missing' },
    ]);
    const other = await series(new Map([['run-z', aChainOf('run-z', 1)]]), [
      (c) => c.set('run-z', appended(c.get('run-z') as LineageRecord[], 1)),
    ]);
    const spliced = await verify(chains, evidence([signed[0], other.signed[1]] as SignedCheckpoint[]));
    expect(spliced.checkpoints.problems).toContainEqual(
      expect.objectContaining({
        sequence: 1,
        kind: 'link',
        problem: expect.stringContaining("previous checkpoint's hash"),
      }),
    );
  });

  it('verifies a checkpoint signed during a key rotation with either key, and with neither fails', async () => {
    const chains = twoRuns();
    const { signed } = await series(chains, [], { signers: [OLD_KEY, NEW_KEY] });
    expect(signed[0]?.signatures).toHaveLength(2);
    for (const keys of [[OLD_KEY.pem], [NEW_KEY.pem], [OLD_KEY.pem, NEW_KEY.pem]]) {
      expect((await verify(chains, evidence(signed), { keys })).ok).toBe(true);
    }
    const stranger = await verify(chains, evidence(signed), { keys: [new TestSigner().pem] });
    expect(stranger.ok).toBe(false);
    expect(stranger.checkpoints.problems.map((p) => p.problem)).toContainEqual(
      expect.stringContaining('no signature by a trusted key'),
    );
    const oldKeyId = await OLD_KEY.keyId();
    const stripped = {
      ...(signed[0] as SignedCheckpoint),
      signatures: signed[0]?.signatures.filter((s) => s.keyId === oldKeyId) ?? [],
    };
    expect(
      (await verify(chains, [{ signed: stripped }], { keys: [OLD_KEY.pem] })).checkpoints.problems,
    ).toEqual([
      {
        sequence: 0,
        kind: 'signature',
        problem: `no signature of key ${await NEW_KEY.keyId()}, which the checkpoint names`,
      },
    ]);
  });

  it('reports malformed records and checkpoints without throwing', async () => {
    const chains = twoRuns();
    const { signed } = await series(chains);
    const { data: _dropped, ...noData } = (chains.get('run-a') as LineageRecord[])[1] as LineageRecord;
    const broken: unknown[] = [...(chains.get('run-a') as LineageRecord[])];
    broken[1] = noData;
    broken[3] = null;
    const report = await verify(new Map<string, readonly unknown[]>([...chains, ['run-a', broken]]), [
      ...evidence(signed),
      { signed: { checkpoint: { sequence: 7 }, signatures: [] } },
      { signed: 'not json' },
    ]);
    const runA = report.runs.find((r) => r.runId === 'run-a');
    expect(runA?.firstBad).toEqual({
      seq: 1,
      kind: 'malformed',
      problem: expect.stringContaining('data is missing'),
    });
    expect(runA?.damage.map((d) => [d.seq, d.kind])).toContainEqual([3, 'malformed']);
    expect(report.checkpoints.problems.map((p) => [p.sequence, p.kind])).toEqual([
      [7, 'malformed'],
      [undefined, 'malformed'],
    ]);
  });

  it("reports leaves that do not make the checkpoint's root, and ignores them", async () => {
    const chains = twoRuns();
    const { signed, builds } = await series(chains);
    const leaves = builds[0]?.leaves.map((l, i) => (i === 1 ? { ...l, hash: 'c'.repeat(64) } : l));
    const report = await verify(chains, [{ signed: signed[0], leaves }]);
    expect(report.checkpoints.problems).toEqual([
      { sequence: 0, kind: 'leaves', problem: expect.stringContaining('the leaves make the root') },
    ]);
    expect(report.summary.intact).toBe(2);
  });

  it('keeps a chain a checkpoint found damaged damaged, even once it verifies again', async () => {
    const chains = twoRuns();
    const original = chains.get('run-a') as LineageRecord[];
    const { signed } = await series(chains, [
      (c) =>
        c.set(
          'run-a',
          original.map((r) => (r.seq === 1 ? { ...r, data: { edited: true } } : r)),
        ),
      (c) => c.set('run-a', original),
    ]);
    const report = await verify(chains, evidence(signed));
    expect(report.runs.find((r) => r.runId === 'run-a')).toMatchObject({
      status: 'damaged',
      firstBad: { seq: 1, kind: 'modified', problem: expect.stringContaining('checkpoint 1 found') },
    });
  });
});

describe('verifyAnchored (properties)', () => {
  const length = fc.integer({ min: 2, max: 12 });

  /** Single tamperings of a chain of n records, all anchored, and the damage each must be reported as. */
  const tamperings = (n: number) =>
    fc.oneof(
      fc.nat({ max: n - 1 }).map((i) => ({
        name: `edit ${i}`,
        apply: (c: LineageRecord[]) => c.map((r) => (r.seq === i ? { ...r, actor: `${r.actor}x` } : r)),
        expect: { seq: i, kind: 'modified' },
      })),
      fc.nat({ max: n - 1 }).map((i) => ({
        name: `delete ${i}`,
        apply: (c: LineageRecord[]) => c.filter((r) => r.seq !== i),
        expect: { seq: i, kind: i === n - 1 ? 'truncated' : 'deleted' },
      })),
      fc.nat({ max: n - 1 }).map((i) => ({
        name: `insert at ${i}`,
        apply: (c: LineageRecord[]) => [
          ...c.slice(0, i),
          { ...(c[i] as LineageRecord), data: { inserted: true } },
          ...c.slice(i),
        ],
        expect: { seq: i, kind: 'inserted' },
      })),
      fc
        .tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 }))
        .filter(([i, j]) => i !== j)
        .map(([i, j]) => ({
          name: `swap ${i} and ${j}`,
          apply: (c: LineageRecord[]) =>
            c.map((r, k) => (k === i ? c[j] : k === j ? c[i] : r) as LineageRecord),
          expect: { seq: Math.min(i, j), kind: 'reordered' },
        })),
      fc.nat({ max: n - 1 }).map((i) => ({
        name: `truncate from ${i}`,
        apply: (c: LineageRecord[]) => c.slice(0, i),
        expect: { seq: i, kind: i === 0 ? 'vanished' : 'truncated' },
      })),
      fc.nat({ max: n - 1 }).map((i) => ({
        name: `forge ${i} (re-hashed, no key)`,
        apply: (c: LineageRecord[]) =>
          rewrittenFrom(c, i).map((r) =>
            r.seq === i ? { ...r, mac: '0'.repeat(64) } : (c[r.seq] as LineageRecord),
          ),
        expect: { seq: i, kind: 'forged' },
      })),
      fc.nat({ max: n - 1 }).map((i) => ({
        name: `rewrite from ${i} (with the writers' keys)`,
        apply: (c: LineageRecord[]) => rewrittenFrom(c, i),
        expect: { seq: i, kind: 'rewritten' },
      })),
    );

  it('detects and locates any single tampering of any anchored chain, to the record with the leaves', async () => {
    await fc.assert(
      fc.asyncProperty(
        length.chain((n) => fc.tuple(fc.constant(n), tamperings(n))),
        fc.boolean(),
        async ([n, tampering], withLeaves) => {
          const chains = new Map([
            ['run-x', aChainOf('run-x', n)],
            ['run-y', aChainOf('run-y', 2)],
          ]);
          const { signed, builds } = await series(chains);
          chains.set('run-x', tampering.apply(chains.get('run-x') as LineageRecord[]));
          const report = await verify(chains, evidence(signed, withLeaves ? builds : undefined));
          const run = report.runs.find((r) => r.runId === 'run-x');
          const untouched = report.runs.find((r) => r.runId === 'run-y');
          if (report.ok || untouched?.status !== 'intact') throw new Error(`${tampering.name}: not detected`);
          const first = run?.firstBad;
          if (!withLeaves && tampering.expect.kind === 'rewritten') {
            // Without the leaves, the rewritten record lies in the range named.
            expect(first?.kind).toBe('rewritten');
            expect(first?.seq).toBeLessThanOrEqual(tampering.expect.seq);
            expect(first?.lastSeq).toBeGreaterThanOrEqual(tampering.expect.seq);
          } else {
            expect({ name: tampering.name, ...first }).toMatchObject({
              name: tampering.name,
              ...tampering.expect,
            });
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never reports damage in untouched chains, anchored or not yet, over thousands of random chains', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(length, fc.nat({ max: 3 })), { minLength: 1, maxLength: 8 }),
        async (runs) => {
          const chains = new Map(runs.map(([n], i) => [`run-${i}`, aChainOf(`run-${i}`, n)]));
          const { signed, builds } = await series(chains);
          runs.forEach(([, more], i) => {
            if (more > 0) chains.set(`run-${i}`, appended(chains.get(`run-${i}`) as LineageRecord[], more));
          });
          const report = await verify(chains, evidence(signed, builds));
          if (!report.ok) throw new Error(renderAnchoredReport(report));
        },
      ),
      { numRuns: 600 },
    );
  });
});
