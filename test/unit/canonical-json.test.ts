import fc from 'fast-check';
import { canonicalJson } from '../../core/canonical-json.js';
import { hashOf } from '../../core/hash.js';

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
