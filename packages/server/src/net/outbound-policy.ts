import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { type AddressClass, canonicalAddress, classifyAddress, embeddedIpv4 } from './ip-address.js';

/**
 * Who aimed a request. `trusted`: the operator (environment-configured providers and image
 * service, admin-only model downloads) or an administrator's own provider entry; they may reach
 * private networks (Ollama on localhost). `untrusted`: anything an ordinary user can aim.
 */
export type OutboundTrust = 'trusted' | 'untrusted';

export interface OutboundPolicy {
  /** True when a connection to `address` (resolved from `hostname`) is allowed. */
  allows(hostname: string, address: string, trust: OutboundTrust): boolean;
}

/**
 * The policy from the allow-list (`LUMINA_OUTBOUND_ALLOW`: host names, IP addresses and CIDR
 * ranges). Public addresses are always allowed; an allow-listed name or address is allowed for
 * everyone; trusted callers may also reach every other non-public address except cloud metadata
 * endpoints, which only the allow-list opens.
 * @example createOutboundPolicy(['127.0.0.1', '10.0.0.0/8', 'ollama.internal']).allows('ollama.internal', '10.1.2.3', 'untrusted') // true
 */
/** Policy answers remembered; the map starts over when full. */
const DECISIONS_KEPT = 1024;

export function createOutboundPolicy(allow: readonly string[] = []): OutboundPolicy {
  const { hosts, addresses } = parseAllowList(allow);
  const listed = (address: string) => {
    const v4 = isIPv4(address) ? address : embeddedIpv4(address);
    return (
      addresses.check(address, isIPv4(address) ? 'ipv4' : 'ipv6') ||
      (v4 !== null && addresses.check(v4, 'ipv4'))
    );
  };
  const decide = (hostname: string, address: string, trust: OutboundTrust): boolean => {
    const canonical = canonicalAddress(address);
    if (canonical === null) return false;
    if (hosts.has(normaliseHost(hostname)) || listed(canonical)) return true;
    const kind: AddressClass = classifyAddress(canonical)!;
    if (kind === 'public') return true;
    return trust === 'trusted' && kind !== 'metadata';
  };
  // Every model call asks again (the connect step checks what it connects to), and parsing and
  // classifying an address each time cost ~0.15 ms of a turn: the answer depends on nothing but
  // its three inputs and the fixed allow-list, so it is remembered (a bounded map).
  const decided = new Map<string, boolean>();
  return {
    allows(hostname, address, trust) {
      const key = `${trust} ${hostname} ${address}`;
      let allowed = decided.get(key);
      if (allowed === undefined) {
        allowed = decide(hostname, address, trust);
        if (decided.size >= DECISIONS_KEPT) decided.clear();
        decided.set(key, allowed);
      }
      return allowed;
    },
  };
}

/**
 * Parses allow-list entries; throws with the offending entry when one is not a host name, an IP
 * address or a CIDR range (config.ts turns that into a one-line configuration error).
 */
export function parseAllowList(entries: readonly string[]): { hosts: Set<string>; addresses: BlockList } {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    const [base = '', prefixText, extra] = entry.split('/');
    const address = canonicalAddress(base);
    if (prefixText !== undefined) {
      const prefix = Number(prefixText);
      const max = address && isIPv6(address) ? 128 : 32;
      if (!address || extra !== undefined || !/^\d+$/.test(prefixText) || prefix > max)
        throw new Error(`"${entry}" is not a CIDR range such as 10.0.0.0/8 or fd00::/8`);
      addresses.addSubnet(address, prefix, isIPv6(address) ? 'ipv6' : 'ipv4');
    } else if (address) {
      addresses.addAddress(address, isIPv6(address) ? 'ipv6' : 'ipv4');
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(entry)) {
      hosts.add(normaliseHost(entry));
    } else {
      throw new Error(`"${entry}" is not a host name, an IP address or a CIDR range`);
    }
  }
  return { hosts, addresses };
}

function normaliseHost(hostname: string): string {
  return hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}
