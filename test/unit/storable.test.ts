/**
 * What records can hold: prototype keys, integers beyond 2^53, non-finite
 * numbers, nesting beyond DynamoDB's depth and oversized values are each named
 * with their path; ordinary data passes.
 */
import fc from 'fast-check';
import { MAX_STORED_BYTES, MAX_STORED_DEPTH, storabilityProblems } from '../../core/storable.js';

describe('storabilityProblems', () => {
  it('passes ordinary JSON data', () => {
    expect(
      storabilityProblems({ orderId: 'ord_1', amount: 45.5, items: [{ qty: 2 }], note: null }, 'detail'),
    ).toEqual([]);
  });

  it('names a prototype key wherever it is nested', () => {
    const hostile = JSON.parse('{"a":{"b":[{"constructor":{"x":1}}]},"__proto__":{"admin":true}}');
    expect(storabilityProblems(hostile, 'detail')).toEqual([
      'detail.a.b[0].constructor: the key "constructor" is not allowed (it names an object\'s prototype, not data)',
      'detail.__proto__: the key "__proto__" is not allowed (it names an object\'s prototype, not data)',
    ]);
  });

  it('names integers beyond 2^53 and non-finite numbers', () => {
    expect(
      storabilityProblems({ amount: 2 ** 60, ratio: Number.NaN, ok: Number.MAX_SAFE_INTEGER }, 'input'),
    ).toEqual([
      `input.amount: ${2 ** 60} is beyond the integers a record can hold exactly (±${Number.MAX_SAFE_INTEGER})`,
      'input.ratio: NaN is not a number a record can hold',
    ]);
  });

  it('names nesting deeper than DynamoDB holds, and a value larger than a record may carry', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_STORED_DEPTH + 1; i++) deep = { d: deep };
    expect(storabilityProblems(deep, 'detail')[0]).toMatch(/nested deeper than the 32 levels/);
    expect(storabilityProblems({ text: 'x'.repeat(MAX_STORED_BYTES) }, 'detail')).toEqual([
      `detail: ${MAX_STORED_BYTES + 11} bytes is more than the ${MAX_STORED_BYTES} bytes a record may carry`,
    ]);
  });

  it('accepts every JSON value of safe numbers and ordinary keys (property)', () => {
    const key = fc
      .string({ maxLength: 8 })
      .filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
    const safe = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 8 }),
        fc.boolean(),
        fc.constant(null),
        fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(fc.property(safe, (value) => storabilityProblems(value, 'v').length === 0));
  });
});
