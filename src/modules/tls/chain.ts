// Client-certificate checks done by Plugboard itself, with node:crypto's X509Certificate: the
// chain of a certificate forwarded by a TLS-terminating proxy (no TLS stack of ours saw it), and
// reading subjects. Pure functions, no I/O.
import { X509Certificate } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
const MAX_CHAIN_DEPTH = 8;

/** Every PEM certificate in a text (a bundle, a chain); throws on one that does not parse. */
export function parsePemCertificates(text: string | Buffer): X509Certificate[] {
  return (text.toString().match(PEM_BLOCK) ?? []).map((block) => new X509Certificate(block));
}

/**
 * The PEM chain a proxy forwarded in a header: URL-encoded (nginx $ssl_client_escaped_cert,
 * HAProxy, Envoy's Cert="..." in x-forwarded-client-cert) or raw PEM with its newlines turned
 * into spaces (nginx's deprecated $ssl_client_cert, some load balancers). Leaf first.
 */
export function certificatesFromHeader(value: string): X509Certificate[] {
  let text = value.trim();
  const envoy = /(?:^|;)\s*Cert="([^"]+)"/.exec(text);
  if (envoy) text = envoy[1];
  if (text.includes('%')) text = decodeURIComponent(text);
  // Spaces inside the base64 body stand for line breaks; the armour lines keep theirs.
  text = text.replace(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g, (_m, body: string) => `-----BEGIN CERTIFICATE-----\n${body.replace(/\s+/g, '\n').trim()}\n-----END CERTIFICATE-----`);
  return parsePemCertificates(text);
}

function validityProblem(cert: X509Certificate, now: Date, what: string): string | null {
  if (now < new Date(cert.validFrom)) return `${what} is not valid before ${new Date(cert.validFrom).toISOString()}`;
  if (now > new Date(cert.validTo)) return `${what} expired at ${new Date(cert.validTo).toISOString()}`;
  return null;
}

/**
 * Why this chain (leaf first, then intermediates the peer sent) does not lead to one of the
 * trusted CAs, or null when it does: every certificate on the path within its validity, each
 * signed by the next (checkIssued + verify), every issuer a CA, ending at a trusted one; the
 * leaf usable for TLS client authentication when it has an extended key usage at all.
 */
export function chainProblem(chain: X509Certificate[], trusted: X509Certificate[], now: Date): string | null {
  const leaf = chain[0];
  if (leaf === undefined) return 'no certificate';
  const expired = validityProblem(leaf, now, 'the certificate');
  if (expired) return expired;
  const eku = leaf.keyUsage;
  if (eku !== undefined && eku.length > 0 && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EXTENDED_KEY_USAGE)) {
    return 'the certificate is not for TLS client authentication (extended key usage)';
  }
  const trustedPrints = new Set(trusted.map((c) => c.fingerprint256));
  const candidates = [...trusted, ...chain.slice(1)];
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    const issuer = candidates.find((c) => c.ca && current.checkIssued(c) && current.verify(c.publicKey));
    if (issuer === undefined) return depth === 0 ? 'the certificate is not issued by a trusted CA' : `the chain ends at ${JSON.stringify(current.subject.replaceAll('\n', ', '))}, not at a trusted CA`;
    const issuerExpired = validityProblem(issuer, now, `the issuing CA ${JSON.stringify(issuer.subject.replaceAll('\n', ', '))}`);
    if (issuerExpired) return issuerExpired;
    if (trustedPrints.has(issuer.fingerprint256)) return null;
    if (issuer.checkIssued(issuer)) return 'the chain ends at a self-signed CA that is not trusted';
    current = issuer;
  }
  return 'the certificate chain is too long';
}

/** X509Certificate.subject ("C=DE\nO=Operator\nCN=SERIAL") as the Subject of binding.ts. */
export function subjectOf(cert: X509Certificate): { CN?: string | string[]; O?: string | string[] } {
  const out: Record<string, string | string[]> = {};
  for (const line of cert.subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const prev = out[key];
    out[key] = prev === undefined ? value : [prev, value].flat();
  }
  return { CN: out.CN, O: out.O };
}

/** The peer's address as a plain IP (an IPv4-mapped IPv6 address as IPv4). */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** Addresses and CIDR ranges ("10.0.0.5", "10.1.0.0/16", "fd00::/8"); throws on one that is neither. */
export function addressList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    if (type === null) throw new Error(`${entry} is not an IP address or CIDR range`);
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

export function inAddressList(list: BlockList, address: string): boolean {
  const plain = plainAddress(address);
  if (isIPv4(plain)) return list.check(plain, 'ipv4');
  if (isIPv6(plain)) return list.check(plain, 'ipv6');
  return false;
}
