// Which IP addresses Plugboard may connect to on someone else's say-so (webhook targets): public
// addresses only, unless an operator allows more (ADR 0013). Loopback, link-local (the cloud
// metadata service at 169.254.169.254), private, shared, unspecified, multicast and reserved
// ranges are refused, also when written in another form: IPv4-mapped (::ffff:127.0.0.1),
// NAT64 (64:ff9b::7f00:1) and 6to4 (2002:7f00:1::) IPv6 addresses are checked as the IPv4
// address they carry. Decimal, hex and octal IPv4 (http://2130706433/, http://0x7f.1/) are
// normalised by the WHATWG URL parser before they get here.
import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/** [category, CIDR], in the order they are checked: the first match names the category. */
const INTERNAL_V4: Array<[string, string]> = [
  ['unspecified', '0.0.0.0/8'],
  ['loopback', '127.0.0.0/8'],
  ['link-local', '169.254.0.0/16'],
  ['private', '10.0.0.0/8'],
  ['private', '172.16.0.0/12'],
  ['private', '192.168.0.0/16'],
  ['shared (carrier-grade NAT)', '100.64.0.0/10'],
  ['reserved', '192.0.0.0/24'],
  ['reserved', '192.0.2.0/24'],
  ['reserved', '198.18.0.0/15'],
  ['reserved', '198.51.100.0/24'],
  ['reserved', '203.0.113.0/24'],
  ['multicast', '224.0.0.0/4'],
  ['reserved', '240.0.0.0/4'],
];

const INTERNAL_V6: Array<[string, string]> = [
  ['unspecified', '::/128'],
  ['loopback', '::1/128'],
  ['link-local', 'fe80::/10'],
  ['private', 'fc00::/7'],
  ['private', 'fec0::/10'],
  ['multicast', 'ff00::/8'],
  ['reserved', '::/96'],
  ['reserved', '100::/64'],
  ['reserved', '2001:db8::/32'],
];

export interface Cidr {
  address: string;
  prefix: number;
  family: Family;
}

/** "10.0.0.0/8" or "fd00::/8" (a bare address is a /32 or /128); null when it is not one. */
export function parseCidr(text: string): Cidr | null {
  const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!m) return null;
  const v = isIP(m[1]);
  if (v === 0) return null;
  const family: Family = v === 4 ? 'ipv4' : 'ipv6';
  const prefix = m[2] === undefined ? (v === 4 ? 32 : 128) : Number(m[2]);
  if (prefix > (v === 4 ? 32 : 128)) return null;
  return { address: m[1], prefix, family };
}

const v4Hex = (address: string): [string, string] => {
  const [a, b, c, d] = address.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
};

/** Adds an IPv4 range, and the same range as carried in NAT64 and 6to4 IPv6 addresses. */
function addV4(list: BlockList, address: string, prefix: number): void {
  list.addSubnet(address, prefix, 'ipv4');
  const [hi, lo] = v4Hex(address);
  list.addSubnet(`64:ff9b::${hi}:${lo}`, 96 + prefix, 'ipv6');
  list.addSubnet(`2002:${hi}:${lo}::`, 16 + prefix, 'ipv6');
}

function listOf(cidrs: Cidr[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    if (c.family === 'ipv4') addV4(list, c.address, c.prefix);
    else list.addSubnet(c.address, c.prefix, 'ipv6');
  }
  return list;
}

// One list per category (BlockList.check also matches IPv4-mapped IPv6 against IPv4 ranges).
const CATEGORIES: Array<[string, BlockList]> = [...INTERNAL_V4, ...INTERNAL_V6].map(([name, cidr]) => [name, listOf([parseCidr(cidr)!])]);

/** The kind of non-public address this is (loopback, link-local, private, ...), or null for a public one. */
export function internalCategory(address: string): string | null {
  const v = isIP(address);
  if (v === 0) throw new TypeError(`not an IP address: ${address}`);
  const family: Family = v === 4 ? 'ipv4' : 'ipv6';
  for (const [name, list] of CATEGORIES) if (list.check(address, family)) return name;
  return null;
}

/** `localhost` and names under `.localhost` always mean this machine (RFC 6761). */
export const isLocalhostName = (host: string): boolean => /(^|\.)localhost\.?$/i.test(host);

export class AddressPolicy {
  readonly #allowAll: boolean;
  readonly #allowed: BlockList;
  readonly #hasAllowed: boolean;

  constructor(opts: { allowPrivateTargets: boolean; allowedTargets: readonly string[] }) {
    this.#allowAll = opts.allowPrivateTargets;
    const cidrs = opts.allowedTargets.map((t) => {
      const c = parseCidr(t);
      if (!c) throw new TypeError(`not a CIDR: ${t}`);
      return c;
    });
    this.#allowed = listOf(cidrs);
    this.#hasAllowed = cidrs.length > 0;
  }

  /** Null when Plugboard may connect to this IP address, else why not (its category). */
  refusal(address: string): string | null {
    if (this.#allowAll) return null;
    const category = internalCategory(address);
    if (category === null) return null;
    if (this.#hasAllowed && this.#allowed.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6')) return null;
    return category;
  }

  /**
   * For a URL's hostname (IPv6 in brackets, as URL.hostname gives it): null when it may be a
   * target (a DNS name is checked again once resolved), else the category of what it names.
   */
  hostRefusal(hostname: string): string | null {
    const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
    if (isIP(host)) return this.refusal(host);
    if (isLocalhostName(host)) return this.refusal('127.0.0.1') === null || this.refusal('::1') === null ? null : 'loopback';
    return null;
  }
}

/** How an operator lets Plugboard reach internal targets; for error messages. */
export const ALLOW_HELP = 'only public addresses are allowed as webhook targets; an operator allows internal ones with webhooks.allowPrivateTargets: true (PLUGBOARD_WEBHOOK_ALLOW_PRIVATE_TARGETS) or lists CIDRs in webhooks.allowedTargets (PLUGBOARD_WEBHOOK_ALLOWED_TARGETS)';
