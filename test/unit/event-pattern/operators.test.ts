/**
 * Each content filter of EventBridge event patterns, table-driven: what it
 * matches and what it does not, with arrays, null and missing fields.
 * Every case puts the filter at `detail.field` and the value in the event there.
 */
import { compilePattern, type PatternValue } from '../../../core/event-pattern/index.js';

/** Stands for an event without the field at all. */
const MISSING = Symbol('missing');

/** [values of the pattern field, value of the event field, whether it matches, what the case shows] */
type Case = readonly [readonly PatternValue[], unknown, boolean, string];

function eventWith(value: unknown): unknown {
  return {
    source: 'acme.test',
    detail: value === MISSING ? { other: 'x' } : { other: 'x', field: value },
  };
}

function describeCases(operator: string, cases: readonly Case[]): void {
  describe(operator, () => {
    for (const [values, value, expected, what] of cases) {
      it(`${expected ? 'matches' : 'does not match'} ${what}`, () => {
        const matches = compilePattern({ detail: { field: values } });
        expect(matches(eventWith(value))).toBe(expected);
      });
    }
  });
}

describeCases('exact values', [
  [['running'], 'running', true, 'an equal string'],
  [['running'], 'Running', false, 'a string differing in case'],
  [['running'], 'running ', false, 'a string with trailing space'],
  [['running', 'stopped'], 'stopped', true, 'any one of the listed values'],
  [['5'], 5, false, 'the number 5 against the string "5"'],
  [[5], '5', false, 'the string "5" against the number 5'],
  [[300], JSON.parse('3.0e2'), true, '3.0e2 against 300 (numbers compare by value)'],
  [[0.1], 0.1000000001, true, 'a number equal to six decimal places'],
  [[0.1], 0.100001, false, 'a number differing in the sixth decimal'],
  [[123456789012], 123456789012, true, 'a number beyond ±5e9 equal in value'],
  [[123456789012], 123456789013, false, 'a different number beyond ±5e9'],
  [[true], true, true, 'the boolean true'],
  [[true], 'true', false, 'the string "true" against the boolean true'],
  [[false], 0, false, '0 against false'],
  [[null], null, true, 'null'],
  [[null], MISSING, false, 'a missing field against null'],
  [[null], '', false, 'an empty string against null'],
  [[''], '', true, 'an empty string'],
  [[''], null, false, 'null against an empty string'],
  [['running'], ['pending', 'running'], true, 'an event array holding the value'],
  [['running'], ['pending', 'stopped'], false, 'an event array without the value'],
  [['running'], [['pending'], ['running']], true, 'the value inside nested event arrays'],
  [['running'], [], false, 'an empty event array'],
  [['running'], MISSING, false, 'a missing field'],
  [['running'], { state: 'running' }, false, 'an object holding the value one level down'],
  [['10.0.0.1'], '10.0.0.1', true, 'an equal IPv4 address'],
  [['2001:db8::1'], '2001:0DB8:0:0:0:0:0:1', true, 'the same IPv6 address spelled out in full'],
  [['2001:db8::1'], '2001:db8::2', false, 'a different IPv6 address'],
]);

describeCases('prefix', [
  [[{ prefix: 'us-' }], 'us-east-1', true, 'a string starting with the prefix'],
  [[{ prefix: 'us-' }], 'us-', true, 'the prefix itself'],
  [[{ prefix: 'us-' }], 'eu-west-1', false, 'a string with another start'],
  [[{ prefix: 'us-' }], 'US-EAST-1', false, 'the prefix in another case'],
  [[{ prefix: 'us-' }], 'xus-east-1', false, 'the prefix in the middle'],
  [[{ prefix: '12' }], 123, false, 'a number whose digits start with the prefix'],
  [[{ prefix: 'nu' }], null, false, 'null'],
  [[{ prefix: 'us-' }], MISSING, false, 'a missing field'],
  [[{ prefix: 'us-' }], ['eu-west-1', 'us-east-2'], true, 'an event array with one prefixed string'],
  [[{ prefix: '' }], 'anything', true, 'any string with an empty prefix'],
  [[{ prefix: '' }], 7, false, 'a number with an empty prefix'],
  [
    [{ prefix: { 'equals-ignore-case': 'EventB' } }],
    'eventbridge',
    true,
    'the prefix in lower case when ignoring case',
  ],
  [
    [{ prefix: { 'equals-ignore-case': 'EventB' } }],
    'EVENTBRIDGE',
    true,
    'the prefix in upper case when ignoring case',
  ],
  [[{ prefix: { 'equals-ignore-case': 'EventB' } }], 'event', false, 'a shorter string when ignoring case'],
]);

describeCases('suffix', [
  [[{ suffix: '.png' }], 'photo.png', true, 'a string ending with the suffix'],
  [[{ suffix: '.png' }], 'photo.PNG', false, 'the suffix in another case'],
  [[{ suffix: '.png' }], 'photo.png.txt', false, 'the suffix in the middle'],
  [[{ suffix: '5' }], 15, false, 'a number whose digits end with the suffix'],
  [[{ suffix: '.png' }], MISSING, false, 'a missing field'],
  [[{ suffix: '.png' }], ['a.jpg', 'b.png'], true, 'an event array with one matching string'],
  [
    [{ suffix: { 'equals-ignore-case': '.png' } }],
    'PHOTO.PNG',
    true,
    'the suffix in another case when ignoring case',
  ],
  [[{ suffix: { 'equals-ignore-case': 'tBridge' } }], 'EventBridge', true, 'mixed case when ignoring case'],
  [[{ suffix: { 'equals-ignore-case': '.png' } }], 'photo.jpg', false, 'another suffix when ignoring case'],
]);

// EventBridge (Event Ruler) folds the pattern, one character at a time, into its lower- and
// upper-case spellings; the event is not folded (core/event-pattern/case-folding.ts).
describeCases('equals-ignore-case folding as EventBridge does', [
  [[{ 'equals-ignore-case': 'straße' }], 'STRASSE', true, 'ß against SS, its upper case'],
  [[{ 'equals-ignore-case': 'straße' }], 'Straße', true, 'ß against itself'],
  [[{ 'equals-ignore-case': 'STRASSE' }], 'straße', false, 'SS against ß: the event is not folded'],
  [[{ 'equals-ignore-case': 'ß' }], 'ss', false, 'ß against ss, neither its lower nor its upper case'],
  [[{ 'equals-ignore-case': 'ÉLAN' }], 'élan', true, 'accented capitals against their lower case'],
  [[{ 'equals-ignore-case': 'Σοφία' }], 'ΣΟΦΊΑ', true, 'Greek in upper case'],
  [
    [{ 'equals-ignore-case': 'kelvin' }],
    '\u212Aelvin',
    false,
    'the Kelvin sign against k (it lower-cases to k)',
  ],
  [[{ 'equals-ignore-case': 'ıd' }], 'ID', true, 'dotless ı against I, its upper case'],
  [[{ 'equals-ignore-case': 'id' }], '\u0130D', false, 'İ against i'],
  [[{ prefix: { 'equals-ignore-case': 'straße' } }], 'STRASSE 5', true, 'a prefix whose ß is spelled SS'],
  [[{ suffix: { 'equals-ignore-case': 'straße' } }], 'HAUPTSTRASSE', true, 'a suffix whose ß is spelled SS'],
  [[{ suffix: { 'equals-ignore-case': 'straße' } }], 'Hauptstrasse', false, 'a suffix whose ß is spelled ss'],
  [
    [{ 'anything-but': { 'equals-ignore-case': 'straße' } }],
    'STRASSE',
    false,
    'anything-but: a spelling of the value',
  ],
  [
    [{ 'anything-but': { 'equals-ignore-case': 'kelvin' } }],
    '\u212Aelvin',
    true,
    'anything-but: the Kelvin sign',
  ],
]);

describeCases('equals-ignore-case', [
  [[{ 'equals-ignore-case': 'alice' }], 'ALICE', true, 'the string in upper case'],
  [[{ 'equals-ignore-case': 'alice' }], 'Alice', true, 'the string capitalized'],
  [[{ 'equals-ignore-case': 'alice' }], 'alice ', false, 'the string with trailing space'],
  [[{ 'equals-ignore-case': 'alice' }], 'alicia', false, 'another string'],
  [[{ 'equals-ignore-case': 'true' }], true, false, 'the boolean true against "true"'],
  [[{ 'equals-ignore-case': 'alice' }], MISSING, false, 'a missing field'],
  [[{ 'equals-ignore-case': 'alice' }], ['bob', 'ALICE'], true, 'an event array holding the string'],
]);

describeCases('anything-but', [
  [[{ 'anything-but': 'initializing' }], 'running', true, 'another string'],
  [[{ 'anything-but': 'initializing' }], 'initializing', false, 'the excluded string'],
  [[{ 'anything-but': 'initializing' }], 'INITIALIZING', true, 'the excluded string in another case'],
  [[{ 'anything-but': 'initializing' }], 5, true, 'a number'],
  [[{ 'anything-but': 'initializing' }], null, true, 'null (a value that is not the excluded one)'],
  [[{ 'anything-but': 'initializing' }], MISSING, false, 'a missing field'],
  [[{ 'anything-but': 'initializing' }], [], false, 'an empty event array'],
  [[{ 'anything-but': 'a' }], ['a', 'b'], true, 'an event array holding another value'],
  [[{ 'anything-but': 'a' }], ['a', 'a'], false, 'an event array holding only the excluded value'],
  [[{ 'anything-but': 123 }], 124, true, 'another number'],
  [[{ 'anything-but': 123 }], 123, false, 'the excluded number'],
  [[{ 'anything-but': 123 }], 123.0000001, false, 'the excluded number to six decimal places'],
  [[{ 'anything-but': 123 }], '123', true, 'the string "123"'],
  [[{ 'anything-but': ['stopped', 'overloaded'] }], 'running', true, 'a string outside the list'],
  [[{ 'anything-but': ['stopped', 'overloaded'] }], 'overloaded', false, 'a string in the list'],
  [[{ 'anything-but': [100, 200, 300] }], 250, true, 'a number outside the list'],
  [[{ 'anything-but': [100, 200, 300] }], 3e2, false, 'a number in the list'],
  [[{ 'anything-but': { prefix: 'init' } }], 'running', true, 'a string without the prefix'],
  [[{ 'anything-but': { prefix: 'init' } }], 'initializing', false, 'a string with the prefix'],
  [[{ 'anything-but': { prefix: 'init' } }], 42, true, 'a number, which has no prefix'],
  [[{ 'anything-but': { prefix: 'init' } }], MISSING, false, 'a missing field'],
  [[{ 'anything-but': { suffix: '.png' } }], 'photo.jpg', true, 'a string without the suffix'],
  [[{ 'anything-but': { suffix: '.png' } }], 'photo.png', false, 'a string with the suffix'],
  [
    [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }],
    'running',
    true,
    'another string ignoring case',
  ],
  [
    [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }],
    'INITIALIZING',
    false,
    'the excluded string in another case',
  ],
  [[{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }], 'B', false, 'a listed string in another case'],
  [
    [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }],
    'c',
    true,
    'a string outside the list ignoring case',
  ],
  [[{ 'anything-but': { wildcard: '*/lib/*' } }], '/usr/bin/awf', true, 'a path the wildcard does not match'],
  [[{ 'anything-but': { wildcard: '*/lib/*' } }], '/usr/lib/awf', false, 'a path the wildcard matches'],
  [
    [{ 'anything-but': { wildcard: ['*.png', '*.jpg'] } }],
    'a.jpg',
    false,
    'a string one listed wildcard matches',
  ],
  [
    [{ 'anything-but': { wildcard: ['*.png', '*.jpg'] } }],
    'a.gif',
    true,
    'a string no listed wildcard matches',
  ],
]);

describeCases('numeric', [
  [[{ numeric: ['>', 0, '<=', 5] }], 0, false, 'the open lower bound'],
  [[{ numeric: ['>', 0, '<=', 5] }], 0.000001, true, 'just above the open lower bound'],
  [[{ numeric: ['>', 0, '<=', 5] }], 5, true, 'the closed upper bound'],
  [[{ numeric: ['>', 0, '<=', 5] }], 5.000001, false, 'just above the closed upper bound'],
  [[{ numeric: ['>=', 5] }], 5, true, 'a closed lower bound'],
  [[{ numeric: ['>', 5] }], 5, false, 'an open lower bound'],
  [[{ numeric: ['<', 10] }], -1e9, true, 'a large negative number below the bound'],
  [[{ numeric: ['<', 10] }], 10, false, 'an open upper bound'],
  [[{ numeric: ['<=', 10] }], 10, true, 'a closed upper bound'],
  [[{ numeric: ['=', 301.8] }], JSON.parse('3.018e2'), true, 'an equal number in exponent form'],
  [[{ numeric: ['=', 301.8] }], 301.81, false, 'a different number'],
  [[{ numeric: ['>', 0] }], '3', false, 'a numeric string'],
  [[{ numeric: ['>', 0] }], true, false, 'a boolean'],
  [[{ numeric: ['>', -1] }], null, false, 'null'],
  [[{ numeric: ['>', 0] }], MISSING, false, 'a missing field'],
  [[{ numeric: ['>', 0] }], 6e9, false, 'a number beyond ±5e9, which EventBridge cannot compare'],
  [[{ numeric: ['<', 10] }], [20, 1], true, 'an event array with one number in range'],
  [[{ numeric: ['<', 10] }], ['1', 20], false, 'an event array whose only small value is a string'],
  [[{ numeric: ['>', 0, '<', 1] }, { numeric: ['>', 10] }], 11, true, 'the second of two ranges'],
]);

describeCases('exists', [
  [[{ exists: true }], 'x', true, 'a present string'],
  [[{ exists: true }], '', true, 'an empty string'],
  [[{ exists: true }], null, true, 'null, which counts as present'],
  [[{ exists: true }], [1], true, 'a non-empty array'],
  [[{ exists: true }], MISSING, false, 'a missing field'],
  [[{ exists: true }], [], false, 'an empty array, which holds no value'],
  [[{ exists: true }], { nested: 1 }, false, 'an object, which is not a leaf value'],
  [[{ exists: false }], MISSING, true, 'a missing field'],
  [[{ exists: false }], [], true, 'an empty array'],
  [[{ exists: false }], { nested: 1 }, true, 'an object, which is not a leaf value'],
  [[{ exists: false }], null, false, 'null, which counts as present'],
  [[{ exists: false }], 'x', false, 'a present string'],
  [[{ exists: false }], false, false, 'the boolean false'],
  [['pending', { exists: false }], MISSING, true, 'a missing field when listed beside a value'],
  [['pending', { exists: false }], 'pending', true, 'the listed value when listed beside exists: false'],
  [['pending', { exists: false }], 'running', false, 'another value when listed beside exists: false'],
]);

describeCases('cidr', [
  [[{ cidr: '10.0.0.0/24' }], '10.0.0.0', true, 'the first address of the block'],
  [[{ cidr: '10.0.0.0/24' }], '10.0.0.255', true, 'the last address of the block'],
  [[{ cidr: '10.0.0.0/24' }], '10.0.1.0', false, 'the address after the block'],
  [[{ cidr: '10.0.0.0/24' }], '9.255.255.255', false, 'the address before the block'],
  [[{ cidr: '10.0.0.77/24' }], '10.0.0.1', true, 'an address of a block written with host bits set'],
  [[{ cidr: '0.0.0.0/0' }], '203.0.113.9', true, 'any IPv4 address in /0'],
  [[{ cidr: '0.0.0.0/0' }], '::1', false, 'an IPv6 address in an IPv4 block'],
  [[{ cidr: '10.0.0.0/8' }], '10.0.0', false, 'a truncated address'],
  [[{ cidr: '10.0.0.0/8' }], '10.0.0.256', false, 'an address with an octet above 255'],
  [[{ cidr: '10.0.0.0/8' }], 'ten', false, 'a string that is not an address'],
  [[{ cidr: '10.0.0.0/8' }], '010.0.0.1', false, 'an address with an ambiguous leading zero'],
  [[{ cidr: '10.0.0.0/8' }], 167772161, false, 'the address as a number'],
  [[{ cidr: '10.0.0.0/8' }], MISSING, false, 'a missing field'],
  [[{ cidr: '10.0.0.0/8' }], ['192.168.0.1', '10.1.2.3'], true, 'an event array with one address inside'],
  [[{ cidr: '2001:db8::/32' }], '2001:db8:ffff::1', true, 'an IPv6 address inside the block'],
  [[{ cidr: '2001:db8::/32' }], '2001:DB8::1', true, 'an IPv6 address in upper case'],
  [[{ cidr: '2001:db8::/32' }], '2001:db9::1', false, 'an IPv6 address outside the block'],
  [[{ cidr: '::ffff:0:0/96' }], '::ffff:10.0.0.1', true, 'an IPv4-mapped IPv6 address'],
  [[{ cidr: '2001:db8::/32' }], '2001:db8::1::2', false, 'an IPv6 text with two gaps'],
]);

describeCases('wildcard', [
  [[{ wildcard: '*.png' }], 'photo.png', true, 'any run before a literal suffix'],
  [[{ wildcard: '*.png' }], '.png', true, 'an empty run'],
  [[{ wildcard: '*.png' }], 'photo.png.txt', false, 'text after the literal end'],
  [[{ wildcard: 'dir/*.png' }], 'dir/sub/photo.png', true, 'a run crossing a slash'],
  [[{ wildcard: 'dir/*.png' }], 'other/photo.png', false, 'a different literal start'],
  [[{ wildcard: 'a*b*c' }], 'abc', true, 'empty runs between literals'],
  [[{ wildcard: 'a*b*c' }], 'a-b-b-c', true, 'repeated literals between runs'],
  [[{ wildcard: 'a*b*c' }], 'acb', false, 'the literals out of order'],
  [[{ wildcard: 'a*a' }], 'a', false, 'one character where the literals need two'],
  [[{ wildcard: '\\*literal' }], '*literal', true, 'an escaped asterisk as a literal asterisk'],
  [[{ wildcard: '\\*literal' }], 'xliteral', false, 'any character in place of an escaped asterisk'],
  [[{ wildcard: 'a\\\\b' }], 'a\\b', true, 'an escaped backslash as a literal backslash'],
  [[{ wildcard: '*' }], '', true, 'the empty string with a lone wildcard'],
  [[{ wildcard: '*' }], 5, false, 'a number with a lone wildcard'],
  [[{ wildcard: 'exact' }], 'exact', true, 'a wildcard without stars as an exact string'],
  [[{ wildcard: 'exact' }], 'exactly', false, 'a longer string for a wildcard without stars'],
  [[{ wildcard: '*.png' }], ['a.jpg', 'b.png'], true, 'an event array with one matching string'],
  [[{ wildcard: '*' }], MISSING, false, 'a missing field'],
]);
