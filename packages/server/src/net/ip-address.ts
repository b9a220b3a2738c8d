import { isIPv4, isIPv6 } from 'node:net';

/**
 * What kind of network an address belongs to. Everything but `public` is refused for requests an
 * ordinary user aims; `metadata` is refused even for the operator's own (see outbound-policy).
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'reserved'
  | 'unique-local';

/** Cloud instance-metadata endpoints (AWS/GCP/Azure/OpenStack, AWS IPv6, AWS ECS, Alibaba). */
const METADATA_V4 = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200']);
const METADATA_V6 = 'fd00:ec2::254';

/** [first address, prefix length, class]; the first match wins, so narrow ranges come first. */
const V4_RANGES: [string, number, AddressClass][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.0.2.0', 24, 'reserved'], // documentation
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'reserved'], // documentation
  ['203.0.113.0', 24, 'reserved'], // documentation
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved'],
];

/**
 * Classifies an IP address (v4 or v6, in any form the WHATWG URL parser accepts: `2130706433`,
 * `0177.0.0.1`, `0x7f.1`, `127.1`, `::ffff:127.0.0.1`, `[::ffff:7f00:1]`). IPv6 forms that carry
 * an IPv4 address (mapped, compatible, NAT64, 6to4) take the class of the address they carry.
 * Returns null for something that is not an IP address (a host name).
 * @example classifyAddress('0x7f.1') // 'loopback'
 */
export function classifyAddress(text: string): AddressClass | null {
  const address = canonicalAddress(text);
  if (address === null) return null;
  if (isIPv4(address)) return classifyV4(v4ToNumber(address));
  return classifyV6(parseIpv6(address)!);
}

/**
 * The address the way a socket would connect to it: dotted IPv4 or IPv6 without brackets or zone,
 * or null when the text is not an IP address. Odd IPv4 spellings are normalised by the same URL
 * parser that fetch uses, so what is checked is what is connected to.
 * @example canonicalAddress('2130706433') // '127.0.0.1'
 */
export function canonicalAddress(text: string): string | null {
  const bare = text.trim().replace(/^\[(.*)\]$/, '$1');
  const unzoned = bare.replace(/%.*$/, '');
  if (isIPv6(unzoned)) return unzoned.toLowerCase();
  if (isIPv4(bare)) return bare;
  if (!/^[0-9a-fx.]+$/i.test(bare)) return null; // names never parse as numbers; skip the URL parser
  try {
    const host = new URL(`http://${bare}/`).hostname;
    return isIPv4(host) ? host : null;
  } catch {
    return null;
  }
}

/** For an IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4), that IPv4 address. */
export function embeddedIpv4(address: string): string | null {
  if (!isIPv6(address)) return null;
  const groups = parseIpv6(address)!;
  const v4 = embedded(groups);
  return v4 === null ? null : numberToV4(v4);
}

function classifyV4(value: number): AddressClass {
  if (METADATA_V4.has(numberToV4(value))) return 'metadata';
  for (const [first, prefix, kind] of V4_RANGES) {
    if (inV4Range(value, v4ToNumber(first), prefix)) return kind;
  }
  return 'public';
}

function classifyV6(groups: number[]): AddressClass {
  const [g0 = 0, g1 = 0] = groups;
  if (groups.join(':') === parseIpv6(METADATA_V6)!.join(':')) return 'metadata';
  if (groups.every((g) => g === 0)) return 'unspecified';
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return 'loopback';
  const carried = embedded(groups);
  if (carried !== null) {
    const kind = classifyV4(carried);
    // ::a.b.c.d (compatible) is deprecated: whatever it carries, it is not a public address.
    const compatible = groups.slice(0, 6).every((g) => g === 0);
    return compatible && kind === 'public' ? 'reserved' : kind;
  }
  if (g0 === 0x64 && g1 === 0xff9b) return 'private'; // 64:ff9b:1::/48, local-use NAT64
  if ((g0 & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && (g1 === 0 || g1 === 0xdb8)) return 'reserved'; // Teredo, documentation
  if ((g0 & 0xe000) !== 0x2000) return 'reserved'; // outside 2000::/3, the global unicast space
  return 'public';
}

/** The IPv4 address inside ::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d and 2002:aabb:ccdd::. */
function embedded(groups: number[]): number | null {
  const low = ((groups[6]! << 16) | groups[7]!) >>> 0;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return low; // mapped
  if (zeros(0, 6) && low > 1) return low; // compatible (:: and ::1 are handled before)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return low; // NAT64 well-known prefix
  if (groups[0] === 0x2002) return ((groups[1]! << 16) | groups[2]!) >>> 0; // 6to4
  return null;
}

/** Eight 16-bit groups of a valid IPv6 address (with `::` and a trailing dotted IPv4 part). */
function parseIpv6(address: string): number[] | null {
  if (!isIPv6(address)) return null;
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const value = v4ToNumber(dotted[1]!);
    text = `${text.slice(0, -dotted[1]!.length)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
}

function v4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => ((value << 8) | Number(octet)) >>> 0, 0);
}

function numberToV4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

function inV4Range(value: number, first: number, prefix: number): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (value & mask) >>> 0 === (first & mask) >>> 0;
}
