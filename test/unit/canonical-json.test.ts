import fc from 'fast-check';
import { canonicalJson, canonicalJsonWithout } from '../../core/canonical-json.js';
import { hashOf, sha256Hex } from '../../core/hash.js';
import { computeRecordHash } from '../../core/lineage/chain.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import { referenceCanonicalJson } from '../support/reference-canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('drops undefined members as DynamoDB and JSON.stringify do', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });

  it('fails on a non-finite number, naming where it is', () => {
    expect(() => canonicalJson({ usage: { costUsd: Number.NaN } })).toThrow('at $.usage.costUsd');
  });

  it('gives equal hashes to equal values whatever their key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(hashOf(reversed)).toBe(hashOf(value));
      }),
    );
  });

  it('is stable across a JSON round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});

/** What a serializer makes of a value: its text, or the error it throws (by name and message). */
function outcomeOf(serialize: (value: unknown) => string, value: unknown): { text?: string; error?: string } {
  try {
    return { text: serialize(value) };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** Any UTF-16 code unit, lone surrogates and controls included, as one character of a string. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
/** Strings that reach every escape: quotes, backslashes, controls, U+2028, lone and paired surrogates, non-ASCII. */
const anyString = fc.oneof(
  fc.string({ unit: codeUnit }),
  fc.string({ unit: 'binary' }),
  fc.string(),
  fc.constantFrom(
    '',
    '"',
    '\\',
    '\n',
    '\u0000',
    '\u001f',
    '\u007f',
    '\u2028',
    '\ud800',
    'a\udc00b',
    '😀',
    'é',
  ),
);
/** Keys whose order a sort could get wrong: integer-like keys (which objects list first), case, non-ASCII. */
const anyKey = fc.oneof(
  anyString,
  fc.constantFrom('0', '1', '9', '10', '-1', '01', 'a', 'A', 'b', '_', 'é', 'hash', 'mac', '__proto__'),
);
/** Numbers at every edge of the shortest round-trip form, non-finite ones (which must fail alike) included. */
const anyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    -0,
    0,
    1e21,
    1e-7,
    1e-6,
    123456789012345680000,
    5e-324,
    Number.MAX_VALUE,
    0.1 + 0.2,
    -1.5e300,
  ),
);

const hex64 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('hex'));

describe('canonicalJson (fast) against its first implementation', () => {
  it('gives the same bytes, or the same error, for any value', () => {
    fc.assert(
      fc.property(
        fc.anything({
          key: anyKey,
          values: [
            anyString,
            anyNumber,
            fc.boolean(),
            fc.constant(null),
            fc.constant(undefined),
            fc.bigInt(),
            fc.constant(() => 0),
            fc.constant(Symbol('s')),
          ],
          maxDepth: 4,
          withBoxedValues: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withBigInt: true,
          withDate: true,
          withTypedArray: true,
          withSparseArray: true,
          withObjectString: true,
        }),
        (value) => {
          expect(outcomeOf(canonicalJson, value)).toEqual(outcomeOf(referenceCanonicalJson, value));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('gives the same bytes for any JSON value, as stored records hold', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives the same bytes at the edges of numbers, strings and holes', () => {
    const edges: unknown[] = [
      -0,
      [-0, 1e21, 1e-7, 5e-324, 2 ** 53, 0.1 + 0.2],
      { '10': 1, '9': 2, b: 3, B: 4, é: 5, '': 6 },
      ['"\\\n\u2028\ud800\udc00\ud800', '😀'],
      // biome-ignore lint/suspicious/noSparseArray: a hole must serialize as the first implementation did
      [1, , 3],
      [undefined, { a: undefined, b: [undefined] }],
      new Date(0),
      { nested: { deeper: { deepest: [{ z: 1, a: [] }] } } },
      { bad: [1, { n: Number.NaN }] },
      { fn: () => 0 },
      undefined,
      10n,
    ];
    for (const value of edges) {
      expect(outcomeOf(canonicalJson, value)).toEqual(outcomeOf(referenceCanonicalJson, value));
    }
  });

  it('omits members as a copy without them would', () => {
    fc.assert(
      fc.property(
        fc.dictionary(anyKey, fc.jsonValue({ maxDepth: 3 })),
        fc.uniqueArray(anyKey, { maxLength: 3 }),
        (object, omitted) => {
          const copy = Object.fromEntries(Object.entries(object).filter(([key]) => !omitted.includes(key)));
          expect(canonicalJsonWithout(object, new Set(omitted))).toBe(referenceCanonicalJson(copy));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('hashes a lineage record as its first definition did: the copy without hash and mac', () => {
    fc.assert(
      fc.property(
        fc.record({
          type: fc.constantFrom('run.started', 'model.invoked'),
          actor: anyString,
          workflowId: anyString,
          entityId: anyString,
          versions: fc.record({ workflowVersion: anyString }),
          data: fc.dictionary(anyKey, fc.jsonValue({ maxDepth: 3 })),
          chainId: anyString,
          seq: fc.nat(),
          at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          entityKey: anyString,
          prevHash: hex64,
          hash: hex64,
          mac: fc.option(hex64, { nil: undefined }),
        }),
        (record) => {
          const { hash: _hash, mac: _mac, ...rest } = record;
          expect(computeRecordHash(record as unknown as LineageRecord)).toBe(
            sha256Hex(referenceCanonicalJson(rest)),
          );
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
