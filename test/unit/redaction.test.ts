import type { RedactionSpec } from '../../core/redaction.js';
import { dataClassOf, readEventPath, redactDetail, redactDetailWithReport } from '../../core/redaction.js';
import refundTriage from '../../workflows/refund-triage/workflow.js';

const refundDetail = {
  orderId: 'ord_4k8m2p',
  customerId: 'cus_9x2b7d',
  amount: 45.5,
  customerEmail: 'jordan.lee@example.com',
  customerPhone: '+14155550142',
};

const specWith = (data: Partial<RedactionSpec['data']>): RedactionSpec => ({
  data: {
    classification: {},
    defaultClass: 'internal',
    modelMaySee: ['public', 'internal'],
    policyMaySee: [],
    retentionDays: 30,
    ...data,
  },
});

describe('redactDetail', () => {
  it('replaces the pii fields of a refund request and keeps the rest', () => {
    expect(redactDetail(refundTriage, refundDetail)).toEqual({
      orderId: 'ord_4k8m2p',
      customerId: 'cus_9x2b7d',
      amount: 45.5,
      customerEmail: '[REDACTED:pii]',
      customerPhone: '[REDACTED:pii]',
    });
  });

  it('reports the path and class of each redacted field', () => {
    expect(redactDetailWithReport(refundTriage, refundDetail).redacted).toEqual({
      '$.detail.customerEmail': 'pii',
      '$.detail.customerPhone': 'pii',
    });
  });

  it('does not change the detail it was given', () => {
    const detail = structuredClone(refundDetail);
    redactDetail(refundTriage, detail);
    expect(detail).toEqual(refundDetail);
  });

  it('gives unlisted fields the default class', () => {
    const spec = specWith({ defaultClass: 'pii' });
    expect(redactDetail(spec, { note: 'call me at home' })).toEqual({ note: '[REDACTED:pii]' });
  });

  it('walks nested objects, classifying each member by its own path', () => {
    const spec = specWith({
      classification: { '$.detail.customer.email': 'pii', '$.detail.customer.tier': 'public' },
    });
    expect(
      redactDetail(spec, { customer: { email: 'a@b.example', tier: 'gold', address: { city: 'Oslo' } } }),
    ).toEqual({ customer: { email: '[REDACTED:pii]', tier: 'gold', address: { city: 'Oslo' } } });
  });

  it('redacts a whole object when its own path is classified', () => {
    const spec = specWith({ classification: { '$.detail.card': 'secret' } });
    expect(redactDetailWithReport(spec, { card: { number: '4111', cvc: '123' } })).toEqual({
      detail: { card: '[REDACTED:secret]' },
      redacted: { '$.detail.card': 'secret' },
    });
  });

  it('walks arrays of objects with the array path for each item', () => {
    const spec = specWith({ classification: { '$.detail.contacts.email': 'pii' } });
    expect(
      redactDetail(spec, { contacts: [{ email: 'a@b.example', role: 'owner' }, { email: 'c@d.example' }] }),
    ).toEqual({ contacts: [{ email: '[REDACTED:pii]', role: 'owner' }, { email: '[REDACTED:pii]' }] });
  });

  it('redacts null values of a hidden class too', () => {
    const spec = specWith({ classification: { '$.detail.phone': 'pii' } });
    expect(redactDetail(spec, { phone: null })).toEqual({ phone: '[REDACTED:pii]' });
  });
});

describe('pii written into free text', () => {
  it("hides the customer's email in another field, in any case and spacing, and reports that field", () => {
    const { detail, redacted } = redactDetailWithReport(refundTriage, {
      ...refundDetail,
      reason: 'Please answer to Jordan.Lee @ EXAMPLE.com, not to jordan.lee@example.com.org.',
    });
    expect(detail.reason).toBe('Please answer to [REDACTED:pii], not to [REDACTED:pii].org.');
    expect(redacted['$.detail.reason']).toBe('pii');
  });

  it('hides a phone number by its digits, whatever separators and with or without the country code', () => {
    const { detail } = redactDetailWithReport(refundTriage, {
      ...refundDetail,
      reason: 'Call 415-555-0142 or +1 (415) 555 0142; order 41555501420 is not a phone number.',
    });
    expect(detail.reason).toBe(
      'Call [REDACTED:pii] or [REDACTED:pii]; order 41555501420 is not a phone number.',
    );
  });

  it('leaves text alone when it holds no pii value, and reports nothing more', () => {
    const { detail, redacted } = redactDetailWithReport(refundTriage, {
      ...refundDetail,
      reason: 'The mug arrived broken.',
    });
    expect(detail.reason).toBe('The mug arrived broken.');
    expect(Object.keys(redacted).sort()).toEqual(['$.detail.customerEmail', '$.detail.customerPhone']);
  });

  it('lets the email through in no text field, nested or in a list, however it is cased or spaced', () => {
    const email = 'jordan.lee@example.com';
    const casings = [email, email.toUpperCase(), 'Jordan.Lee@Example.Com', 'jordan.lee @ example . com'];
    for (const written of casings) {
      const { detail } = redactDetailWithReport(refundTriage, {
        ...refundDetail,
        reason: `x ${written} y`,
        notes: { free: [`see ${written}`] },
      });
      expect(JSON.stringify(detail).toLowerCase().replace(/\s/g, '')).not.toContain(email);
    }
  });
});

describe('dataClassOf', () => {
  const spec = specWith({
    classification: {
      '$.detail.customer': 'pii',
      '$.detail.customer.tier': 'public',
      '$.detail.orderId': 'internal',
    },
    defaultClass: 'secret',
  });

  it('gives a field its own entry, else the default class', () => {
    expect(dataClassOf(spec, '$.detail.orderId')).toBe('internal');
    expect(dataClassOf(spec, '$.detail.amount')).toBe('secret');
  });

  it("gives every member of a classified object that object's class, as redaction hides it whole", () => {
    expect(dataClassOf(spec, '$.detail.customer.tier')).toBe('pii');
    const { redacted } = redactDetailWithReport(spec, { customer: { tier: 'gold' } });
    expect(redacted).toEqual({ '$.detail.customer': 'pii' });
  });
});

describe('readEventPath', () => {
  const event = { id: 'evt-1', detail: { orderId: 'ord_1', customer: { id: 'cus_1' }, zero: 0 } };

  it('reads nested members', () => {
    expect(readEventPath(event, '$.detail.customer.id')).toBe('cus_1');
    expect(readEventPath(event, '$.detail.zero')).toBe(0);
  });

  it('returns undefined for a missing member or one below a non-object', () => {
    expect(readEventPath(event, '$.detail.missing')).toBeUndefined();
    expect(readEventPath(event, '$.detail.orderId.length')).toBeUndefined();
    expect(readEventPath(event, '$.detail.toString')).toBeUndefined();
  });

  it('fails naming a path that is not a member path', () => {
    expect(() => readEventPath(event, 'detail.orderId')).toThrow(
      'expected a JSONPath of member names such as "$.detail.orderId", got "detail.orderId"',
    );
    expect(() => readEventPath(event, '$.detail.items[0]')).toThrow('got "$.detail.items[0]"');
  });
});
