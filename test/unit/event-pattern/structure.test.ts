/**
 * How a pattern's structure combines with the event's: fields AND, array
 * entries OR, nested objects, `$or`, and arrays of objects in the event
 * (matched element by element, never mixing elements of one array).
 */
import {
  compilePattern,
  type EventPattern,
  matchesPattern,
  validatePattern,
} from '../../../core/event-pattern/index.js';

const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated', 'c-count': 5 },
};

describe('fields and nesting', () => {
  it('matches when every field matches and ignores fields the pattern does not name', () => {
    const pattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
  });

  it('does not match when one of several fields does not match', () => {
    const pattern = { source: ['aws.ec2'], detail: { state: ['running'] } };
    expect(matchesPattern(pattern, ec2Event)).toBe(false);
  });

  it('matches a field nested three levels deep', () => {
    const pattern = { detail: { order: { customer: { tier: ['gold'] } } } };
    expect(matchesPattern(pattern, { detail: { order: { customer: { tier: 'gold' } } } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { order: { customer: { tier: 'silver' } } } })).toBe(false);
  });

  it('does not match a nested pattern where the event holds a string', () => {
    expect(matchesPattern({ detail: { state: ['terminated'] } }, { detail: 'terminated' })).toBe(false);
  });

  it('does not match when the parent object is missing', () => {
    expect(matchesPattern({ detail: { state: ['terminated'] } }, { source: 'aws.ec2' })).toBe(false);
  });

  it('treats a field under a missing parent as absent for exists: false', () => {
    expect(matchesPattern({ detail: { state: [{ exists: false }] } }, { source: 'aws.ec2' })).toBe(true);
  });

  it('does not match events that are not objects', () => {
    const matches = compilePattern({ source: ['aws.ec2'] });
    for (const event of [null, 'aws.ec2', 42, ['aws.ec2'], undefined]) expect(matches(event)).toBe(false);
  });

  it('matches a field named like an object prototype property only when the event has it', () => {
    const pattern = validatePattern(JSON.parse('{"detail": {"__proto__": ["x"]}}'));
    expect(matchesPattern(pattern, JSON.parse('{"detail": {"__proto__": "x"}}'))).toBe(true);
    expect(matchesPattern(pattern, { detail: {} })).toBe(false);
    expect(matchesPattern({ detail: { constructor: [{ exists: true }] } }, { detail: {} })).toBe(false);
  });

  it('matches the resources array by intersection with the pattern array', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-west-1:999999999999:instance/i-0',
        'arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0',
      ],
    };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern(pattern, { ...ec2Event, resources: [] })).toBe(false);
  });
});

describe('arrays of objects in the event', () => {
  const staff = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones', middleName: 'Paul' },
    ],
  };

  it('matches a field of any element', () => {
    expect(matchesPattern({ employees: { firstName: ['Anna'] } }, staff)).toBe(true);
  });

  it('matches a field of an element of nested arrays', () => {
    const nested = { employees: [[{ firstName: 'John' }], [{ firstName: 'Anna' }]] };
    expect(matchesPattern({ employees: { firstName: ['Anna'] } }, nested)).toBe(true);
  });

  it('does not combine fields from different elements of the same array', () => {
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, staff)).toBe(false);
  });

  it('matches fields that come from the same element', () => {
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, staff)).toBe(true);
  });

  it('combines elements of different arrays freely', () => {
    const event = { teams: [{ name: 'red' }, { name: 'blue' }], rooms: [{ floor: 1 }, { floor: 2 }] };
    expect(matchesPattern({ teams: { name: ['blue'] }, rooms: { floor: [1] } }, event)).toBe(true);
  });

  it('keeps inner array elements apart while matching within one outer element', () => {
    const event = {
      orders: [
        {
          id: 'o1',
          lines: [
            { sku: 'a', qty: 1 },
            { sku: 'b', qty: 2 },
          ],
        },
        { id: 'o2', lines: [{ sku: 'a', qty: 2 }] },
      ],
    };
    expect(matchesPattern({ orders: { id: ['o1'], lines: { sku: ['a'], qty: [2] } } }, event)).toBe(false);
    expect(matchesPattern({ orders: { id: ['o2'], lines: { sku: ['a'], qty: [2] } } }, event)).toBe(true);
  });

  it('with exists: false alone, matches only when no element has the field', () => {
    expect(matchesPattern({ employees: { middleName: [{ exists: false }] } }, staff)).toBe(false);
    expect(matchesPattern({ employees: { nickname: [{ exists: false }] } }, staff)).toBe(true);
  });

  it('with exists: false after a field that settles the element, looks at that element only', () => {
    // Conditions apply in path order; "firstName" comes before "middleName".
    const pattern = { employees: { firstName: ['Anna'], middleName: [{ exists: false }] } };
    expect(matchesPattern(pattern, staff)).toBe(true);
    const peterPattern = { employees: { firstName: ['Peter'], middleName: [{ exists: false }] } };
    expect(matchesPattern(peterPattern, staff)).toBe(false);
  });

  it('does not treat an object inside an array as a value of the array field', () => {
    expect(matchesPattern({ employees: [{ exists: true }] }, staff)).toBe(false);
  });
});

describe('$or', () => {
  const metric = {
    source: 'aws.cloudwatch',
    metricName: 'NetworkIn',
    namespace: 'AWS/EC2',
    scope: 'Service',
  };

  it('matches when any alternative matches', () => {
    const pattern: EventPattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };
    expect(matchesPattern(pattern, metric)).toBe(true);
  });

  it('does not match when no alternative matches', () => {
    const pattern: EventPattern = { $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/ES'] }] };
    expect(matchesPattern(pattern, metric)).toBe(false);
  });

  it('still requires the fields beside $or', () => {
    const pattern: EventPattern = {
      source: ['aws.ec2'],
      $or: [{ metricName: ['NetworkIn'] }, { scope: ['Service'] }],
    };
    expect(matchesPattern(pattern, metric)).toBe(false);
  });

  it('requires every field of an alternative', () => {
    const pattern: EventPattern = {
      $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }],
    };
    expect(matchesPattern(pattern, metric)).toBe(false);
    expect(matchesPattern(pattern, { ...metric, metricType: 'MetricType' })).toBe(true);
  });

  it('applies parallel $or operators together', () => {
    const pattern: EventPattern = {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    };
    expect(matchesPattern(pattern, { ...metric, detail: { source: 'aws.cloudwatch' } })).toBe(true);
    expect(matchesPattern(pattern, { ...metric, detail: { source: 'aws.ec2' } })).toBe(false);
  });

  it('matches an alternative holding its own $or', () => {
    const pattern: EventPattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        { namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
      ],
    };
    expect(matchesPattern(pattern, { ...metric, spaceId: 1000 })).toBe(true);
    expect(matchesPattern(pattern, { ...metric, spaceId: 1001 })).toBe(false);
  });

  it('requires a field constrained beside $or and inside an alternative to satisfy both', () => {
    const pattern: EventPattern = { state: ['a', 'b'], $or: [{ state: ['b'] }, { other: ['x'] }] };
    expect(matchesPattern(pattern, { state: 'a', other: 'x' })).toBe(true);
    expect(matchesPattern(pattern, { state: 'b' })).toBe(true);
    expect(matchesPattern(pattern, { state: 'a' })).toBe(false);
    expect(matchesPattern(pattern, { state: 'c', other: 'x' })).toBe(false);
  });

  it('nests its alternatives under the object that holds it', () => {
    const pattern: EventPattern = {
      detail: { $or: [{ state: ['stopped'] }, { 'c-count': [{ numeric: ['<', 10] }] }] },
    };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern(pattern, { ...ec2Event, 'c-count': 1, detail: { state: 'running' } })).toBe(false);
  });
});

describe('compiled matchers', () => {
  it('counts exactly the qualifying events among 1,000', () => {
    const isLargeUsdRefund = compilePattern({
      source: ['acme.payments'],
      'detail-type': ['RefundRequested'],
      detail: { currency: ['USD'], amount: [{ numeric: ['>=', 500] }] },
    });
    const events = Array.from({ length: 1000 }, (_, i) => ({
      source: 'acme.payments',
      'detail-type': 'RefundRequested',
      detail: { currency: i % 2 === 0 ? 'USD' : 'EUR', amount: i, orderId: `ord_${i}` },
    }));
    // Even amounts from 500 to 998: 250 events.
    expect(events.filter(isLargeUsdRefund)).toHaveLength(250);
  });

  it('give the same answers as matchesPattern on raw and validated patterns', () => {
    const raw = { detail: { state: [{ 'anything-but': ['running'] }] } };
    const validated = validatePattern(raw);
    for (const state of ['running', 'terminated']) {
      const event = { detail: { state } };
      const expected = state !== 'running';
      expect(compilePattern(raw)(event)).toBe(expected);
      expect(matchesPattern(raw, event)).toBe(expected);
      expect(matchesPattern(validated, event)).toBe(expected);
      expect(matchesPattern(validated, event)).toBe(expected);
    }
  });
});
