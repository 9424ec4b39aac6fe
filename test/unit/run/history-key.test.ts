/**
 * The history key: which customer (or other key) a run's executed actions are
 * counted under. It is normalized as the spec says and stored only as a keyed
 * hash, so `Frank@Acme.example` and ` frank@acme.example` are one key, and no
 * table holds the value itself.
 */
import { InMemoryKeyedHasher } from '../../../adapters/memory-keyed-hasher.js';
import {
  MissingHistoryKeyError,
  normalizeHistoryKey,
  storedHistoryKey,
} from '../../../core/runs/history-key.js';
import type { WorkflowSpec } from '../../../core/workflow/spec.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';
import { aRefundRequestedEvent } from '../../support/event-builders.js';

type HistorySpec = Pick<WorkflowSpec, 'grounding' | 'data'>;

/** A spec counting grants per requester email, normalized as given. */
const byEmail = (normalize: ('trim' | 'case-fold')[]): HistorySpec => ({
  data: refundTriage.data,
  grounding: {
    facts: {},
    history: { key: '$.detail.requester', normalize, window: '30d', actions: ['grantAccess'], measures: {} },
  },
});

const event = (requester: unknown) => ({ detail: { requester } });

describe('normalizeHistoryKey', () => {
  it('trims and folds case when the spec says so, in that order', () => {
    expect(normalizeHistoryKey(byEmail(['trim', 'case-fold']), '  Frank@Acme.Example ')).toBe(
      'frank@acme.example',
    );
  });

  it('folds compatibility forms of one letter together (NFKC) before lowering case', () => {
    // A fullwidth "Ｆ" is the same letter as "F" to a person reading the email.
    expect(normalizeHistoryKey(byEmail(['case-fold']), 'Ｆrank@acme.example')).toBe('frank@acme.example');
  });

  it('keeps the value as it is without normalization steps', () => {
    expect(normalizeHistoryKey(byEmail([]), ' Frank@Acme ')).toBe(' Frank@Acme ');
  });
});

describe('storedHistoryKey', () => {
  const keys = new InMemoryKeyedHasher('history-key-test');

  it('gives one key for Frank@Acme and frank@acme when the spec folds case', async () => {
    const spec = byEmail(['trim', 'case-fold']);
    const upper = await storedHistoryKey(spec, event('Frank@Acme.example'), keys);
    expect(upper).toBeDefined();
    expect(await storedHistoryKey(spec, event(' frank@acme.example'), keys)).toBe(upper);
    expect(await storedHistoryKey(spec, event('frank@other.example'), keys)).not.toBe(upper);
  });

  it('tells Frank@Acme and frank@acme apart when the spec does not normalize', async () => {
    const spec = byEmail([]);
    expect(await storedHistoryKey(spec, event('Frank@Acme.example'), keys)).not.toBe(
      await storedHistoryKey(spec, event('frank@acme.example'), keys),
    );
  });

  it('is a keyed hash: never the value, and another key gives another hash', async () => {
    const spec = byEmail(['case-fold']);
    const stored = await storedHistoryKey(spec, event('frank@acme.example'), keys);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain('frank');
    expect(
      await storedHistoryKey(spec, event('frank@acme.example'), new InMemoryKeyedHasher('another')),
    ).not.toBe(stored);
  });

  it('hashes a numeric key by its decimal text', async () => {
    const spec = byEmail([]);
    expect(await storedHistoryKey(spec, event(42), keys)).toBe(
      await storedHistoryKey(spec, event('42'), keys),
    );
  });

  it('fails naming the path when the event has no key value, rather than counting under none', async () => {
    for (const missing of [undefined, '', null, { id: 1 }]) {
      await expect(
        storedHistoryKey(refundTriage, aRefundRequestedEvent({ customerId: missing }), keys),
      ).rejects.toThrow(MissingHistoryKeyError);
    }
    await expect(
      storedHistoryKey(refundTriage, aRefundRequestedEvent({ customerId: undefined }), keys),
    ).rejects.toThrow('history key $.detail.customerId must be a non-empty string or a number, got nothing');
  });

  it('gives nothing for a spec that keeps no history', async () => {
    const spec: HistorySpec = { ...refundTriage, grounding: { facts: {} } };
    expect(await storedHistoryKey(spec, aRefundRequestedEvent(), keys)).toBeUndefined();
  });
});
