/**
 * IP addresses and CIDR blocks as EventBridge reads them.
 *
 * EventBridge compares addresses, not spellings: `2001:db8::1` and
 * `2001:0db8:0:0:0:0:0:1` are the same address, and an exact pattern value that
 * is an address matches either. Addresses are held as integers so that a CIDR
 * test is two comparisons.
 */

/** An IPv4 or IPv6 address as an unsigned integer. */
export interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

/** The addresses of one CIDR block, both ends included. */
export interface IpRange {
  readonly version: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
}

// Octets with leading zeros ("010") are refused, as Node's net.isIPv4 and current
// Java releases refuse them: some readers take them as octal, so the text is ambiguous.
const OCTET = '(0|[1-9]\\d{0,2})';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const IPV6_CHARACTERS = /^[0-9A-Fa-f:.]+$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const MASK_BITS = /^\d{1,3}$/;

function parseIpv4(text: string): bigint | undefined {
  const match = IPV4.exec(text);
  if (!match) return undefined;
  let value = 0n;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i]);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** Parses the colon-separated groups on one side of `::` into 16-bit values. */
function parseGroups(text: string, mayEndInIpv4: boolean): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (mayEndInIpv4 && i === parts.length - 1 && part.includes('.')) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === undefined) return undefined;
      groups.push(Number(ipv4 >> 16n), Number(ipv4 & 0xffffn));
    } else if (HEX_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIpv6(text: string): bigint | undefined {
  if (!text.includes(':') || !IPV6_CHARACTERS.test(text)) return undefined;
  const gap = text.indexOf('::');
  let groups: number[];
  if (gap === -1) {
    const all = parseGroups(text, true);
    if (all === undefined || all.length !== 8) return undefined;
    groups = all;
  } else {
    if (text.indexOf('::', gap + 1) !== -1) return undefined;
    const head = parseGroups(text.slice(0, gap), false);
    const tail = parseGroups(text.slice(gap + 2), true);
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** Parses an IPv4 dotted quad or an IPv6 address; `undefined` when the text is neither. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { version: 4, value: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== undefined) return { version: 6, value: v6 };
  return undefined;
}

/**
 * Parses a CIDR block such as `10.0.0.0/24` or `2001:db8::/32`.
 *
 * Like EventBridge, the mask must leave at least one host bit (IPv4 /0–/31,
 * IPv6 /0–/127): a single address is matched with the address itself as an
 * exact value. Host bits set in the address are ignored.
 * @returns the range, or a sentence saying what is wrong with the text.
 */
export function parseCidr(text: string): IpRange | string {
  const parts = text.split('/');
  if (parts.length !== 2) return 'cidr expects an address and a mask such as "10.0.0.0/24"';
  const [addressText = '', maskText = ''] = parts;
  const address = parseIpAddress(addressText);
  if (address === undefined) return `cidr expects an IPv4 or IPv6 address before the "/"`;
  if (!MASK_BITS.test(maskText)) return 'cidr expects the mask to be a whole number of bits';
  const mask = Number(maskText);
  const width = address.version === 4 ? 32 : 128;
  if (mask >= width) {
    return `cidr mask for IPv${address.version} must be less than ${width}; match a single address with the address itself as an exact value`;
  }
  const hostBits = (1n << BigInt(width - mask)) - 1n;
  const first = address.value & ~hostBits;
  return { version: address.version, first, last: first | hostBits };
}

/** Whether `address` lies inside `range` (an IPv4 address is never inside an IPv6 range). */
export function isInRange(range: IpRange, address: IpAddress): boolean {
  return address.version === range.version && address.value >= range.first && address.value <= range.last;
}
