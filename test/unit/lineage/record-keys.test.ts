/**
 * Authenticated lineage records: each record carries a MAC of its hash under
 * the key of the step the registry names as its writer; a record without one,
 * or with one made under another key, is reported as forged, naming it.
 */
import { InMemoryRecordKeys } from '../../../adapters/memory-record-keys.js';
import { computeRecordHash } from '../../../core/lineage/chain.js';
import { ForgedLineageRecordError } from '../../../core/lineage/errors.js';
import type { LineageRecord } from '../../../core/lineage/record.js';
import { RECORD_WRITERS, requireAuthentic } from '../../../core/lineage/record-keys.js';
import { LINEAGE_RECORD_TYPES, LINEAGE_REGISTRY } from '../../../core/lineage/registry.js';
import { verifyChain, verifyRecordMacs } from '../../../core/lineage/verify.js';
import { lineageWriter } from '../../../core/lineage/writer.js';
import { declaredPorts } from '../../../core/steps/definitions.js';
import { portsFor, recordKeysVerified, UndeclaredPortError } from '../../../core/steps/ports.js';
import { STEP_NAMES } from '../../../core/steps/step-names.js';
import { fixedClock, InMemoryLineageStore } from '../../support/in-memory-stores.js';
import { aLineageDraft, aRecordData, aValidChain } from '../../support/lineage-builders.js';
import { testRecordKeys } from '../../support/trusted-ports.js';

const clock = fixedClock('2026-11-02T14:21:00.000Z');
const APPROVAL_CHAIN = ['run.started', 'approval.requested', 'approval.decided', 'run.completed'] as const;

/** The valid chain with its `approval.decided` (seq 2) replaced by `edit` of it. */
function withDecided(edit: (decided: LineageRecord) => LineageRecord): LineageRecord[] {
  const chain = aValidChain('run-1', APPROVAL_CHAIN);
  chain[2] = edit(chain[2] as LineageRecord);
  return chain;
}

describe('who may write each record type', () => {
  it.each(LINEAGE_RECORD_TYPES.map((type) => [type, LINEAGE_REGISTRY[type].writer]))(
    '%s: only the %s step, with its own record key',
    (_type, writer) => {
      expect(RECORD_WRITERS).toContain(writer);
    },
  );

  it('gives a record key to the registry writers, and every step that appends lineage signs with its own', () => {
    const signing = STEP_NAMES.filter((step) => declaredPorts(step).recordKeys !== undefined);
    const appending = STEP_NAMES.filter((step) => declaredPorts(step).lineage === 'append');
    expect(signing).toEqual(appending);
    expect(signing).toEqual([...RECORD_WRITERS]);
  });

  it('lets Gate verify Ground, Act verify what it acts on, decide-approval the approval records, remind the records it climbs the ladder from, the follow-up step what schedules and cancels a follow-up, and no other step verify anything', () => {
    const verifying = Object.fromEntries(
      STEP_NAMES.map((step) => [step, recordKeysVerified(declaredPorts(step).recordKeys)]),
    );
    expect(verifying).toEqual({
      ...Object.fromEntries(STEP_NAMES.map((step) => [step, []])),
      gate: ['ground'],
      'decide-approval': ['request-approval', 'decide-approval', 'remind', 'follow-up'],
      act: ['plan', 'request-approval', 'decide-approval', 'remind'],
      remind: ['request-approval', 'remind'],
      'follow-up': ['act', 'decide-approval'],
    });
  });
});

describe('lineageWriter', () => {
  it('stores a MAC of the hash under its step key, outside the hash', async () => {
    const keys = testRecordKeys();
    const record = await lineageWriter('ground', new InMemoryLineageStore(), clock, keys).append(
      'run-1',
      aLineageDraft({ type: 'context.grounded' }) as never,
    );
    expect(record.mac).toBe(keys.macOf('ground', record.hash));
    expect(computeRecordHash(record)).toBe(record.hash);
    expect(await verifyRecordMacs([record], keys)).toEqual({ ok: true, forged: [] });
  });
});

describe('verifyRecordMacs', () => {
  const keys = testRecordKeys();

  it('accepts a chain whose every record carries its writer MAC', async () => {
    expect(await verifyRecordMacs(aValidChain('run-1', APPROVAL_CHAIN), keys)).toEqual({
      ok: true,
      forged: [],
    });
  });

  it('reports an approval.decided with a correct hash but an invalid MAC as forged, naming it', async () => {
    const chain = withDecided((decided) => ({ ...decided, mac: 'ab'.repeat(32) }));
    expect(verifyChain(chain, { ended: true })).toEqual({ ok: true, problems: [] });
    expect(await verifyRecordMacs(chain, keys)).toEqual({
      ok: false,
      forged: [
        {
          seq: 2,
          type: 'approval.decided',
          expectedWriter: 'decide-approval',
          problem:
            'forged: the MAC of this "approval.decided" record does not verify under the record key of the decide-approval step, its only writer',
        },
      ],
    });
  });

  it('reports an approval.decided MACed with another step key (act) as forged', async () => {
    const chain = withDecided((decided) => ({ ...decided, mac: keys.macOf('act', decided.hash) }));
    expect((await verifyRecordMacs(chain, keys)).forged).toEqual([
      expect.objectContaining({ seq: 2, type: 'approval.decided', expectedWriter: 'decide-approval' }),
    ]);
  });

  it('reports an approval.decided without a MAC as forged (unauthenticated)', async () => {
    const chain = withDecided(({ mac: _mac, ...decided }) => decided);
    expect((await verifyRecordMacs(chain, keys)).forged).toEqual([
      {
        seq: 2,
        type: 'approval.decided',
        expectedWriter: 'decide-approval',
        problem:
          'forged: "approval.decided" record carries no MAC (unauthenticated); only the decide-approval step may write it',
      },
    ]);
  });

  it('reports a record under keys of another secret as forged: the MAC is not the key holder', async () => {
    const chain = aValidChain('run-1', APPROVAL_CHAIN);
    const { forged } = await verifyRecordMacs(chain, new InMemoryRecordKeys('another secret'));
    expect(forged.map((f) => f.seq)).toEqual([0, 1, 2, 3]);
  });

  it('reports a record of a type the registry lacks as forged, with no writer', async () => {
    const chain = withDecided((decided) => {
      const unknown = { ...decided, type: 'approval.overridden' as never };
      return { ...unknown, hash: computeRecordHash(unknown) };
    });
    expect((await verifyRecordMacs(chain, keys)).forged).toContainEqual(
      expect.objectContaining({ seq: 2, type: 'approval.overridden', expectedWriter: undefined }),
    );
  });
});

describe('requireAuthentic', () => {
  const keys = testRecordKeys();

  it('accepts a record its writer made', async () => {
    await expect(
      requireAuthentic(aValidChain('run-1', APPROVAL_CHAIN)[2] as LineageRecord, keys),
    ).resolves.toBe(undefined);
  });

  it('fails with ForgedLineageRecordError naming the chain, seq, type and expected writer', async () => {
    const decided = withDecided((record) => ({ ...record, mac: keys.macOf('act', record.hash) }))[2];
    await expect(requireAuthentic(decided as LineageRecord, keys)).rejects.toThrow(
      new ForgedLineageRecordError(
        'lineage record 2 of chain run-1: forged: the MAC of this "approval.decided" record does not verify under the record key of the decide-approval step, its only writer',
      ),
    );
  });

  it('fails on a record edited after it was MACed', async () => {
    const decided = withDecided((record) => ({
      ...record,
      data: aRecordData('approval.decided', { decision: 'APPROVED', reason: 'edited' }),
    }))[2];
    await expect(requireAuthentic(decided as LineageRecord, keys)).rejects.toThrow(/was edited: stored hash/);
  });
});

describe('the recordKeys port', () => {
  const ports = (step: (typeof STEP_NAMES)[number]) =>
    portsFor(
      step,
      { recordKeys: declaredPorts(step).recordKeys },
      { recordKeys: testRecordKeys() },
      clock,
    ) as unknown as {
      recordKeys: InMemoryRecordKeys;
    };

  it('signs only as the step itself', async () => {
    const { recordKeys } = ports('act');
    expect(() => recordKeys.sign('decide-approval', 'a'.repeat(64))).toThrow(
      new UndeclaredPortError(
        'the act step asked for a MAC under the record key of decide-approval; a step signs with its own key only',
      ),
    );
    await expect(recordKeys.sign('act', 'a'.repeat(64))).resolves.toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies only the writers the step declared', async () => {
    const { recordKeys } = ports('gate');
    const hash = 'a'.repeat(64);
    await expect(recordKeys.verify('ground', hash, testRecordKeys().macOf('ground', hash))).resolves.toBe(
      true,
    );
    expect(() => recordKeys.verify('plan', hash, 'x')).toThrow(
      new UndeclaredPortError(
        'the gate step verified a record of plan, but declared recordKeys verify of ground',
      ),
    );
  });
});
