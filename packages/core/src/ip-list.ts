import { BlockList, isIP } from 'node:net';

/** Cidr is one parsed address range: an address, its prefix length and family. */
export interface Cidr {
  /** address is the range's base address as written. */
  address: string;
  /** prefix is the number of leading bits that must match (32 or 128 for a single address). */
  prefix: number;
  /** family is `ipv4` or `ipv6`. */
  family: 'ipv4' | 'ipv6';
}

/** parseCidr reads `10.0.0.0/8`, `::1` or `fd00::/8` (a bare address is a full-length range); undefined when it is neither. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', bits, extra] = text.trim().split('/');
  const v = isIP(address);
  if (v === 0 || extra !== undefined) return undefined;
  const max = v === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!/^\d+$/.test(bits ?? String(max)) || prefix > max) return undefined;
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/** unmapIPv4 reads an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, as dual-stack sockets report IPv4 peers) as the IPv4 address. */
export function unmapIPv4(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/**
 * ipListMatcher compiles addresses and CIDR ranges (IPv4 and IPv6) into a membership check of one address; entries that
 * do not parse are skipped, so validate them with parseCidr first. IPv4-mapped IPv6 addresses are checked as IPv4.
 */
export function ipListMatcher(list: readonly (string | Cidr)[]): (ip: string) => boolean {
  const block = new BlockList();
  for (const item of list) {
    const c = typeof item === 'string' ? parseCidr(item) : item;
    if (c) block.addSubnet(c.address, c.prefix, c.family);
  }
  return (ip) => {
    const v4 = unmapIPv4(ip);
    const family = isIP(v4);
    return family !== 0 && block.check(v4, family === 4 ? 'ipv4' : 'ipv6');
  };
}
