// Pure parsing of the charger's HTTP upgrade request: where it wants to go, which
// subprotocol it speaks and which credentials it brings. No sockets, no I/O, so every
// rule here can be tested without a network.

import type { IncomingHttpHeaders } from 'node:http';
import { OCPP_VERSIONS, subprotocolOf, versionOfSubprotocol, type OcppVersion } from '../protocol/versions.ts';

/** Subprotocols we speak, in order of preference: the newest first (OCPP-J 1.6 §3.2, OCPP 2.0.1 Part 4 §3.1.2). */
export const SUPPORTED_SUBPROTOCOLS: readonly string[] = ['ocpp2.0.1', 'ocpp1.6'];

export type Refusal = { status: 400 | 401 | 404 | 405; message: string };

/** Returns the charger identity, or why the path is not a charger endpoint. */
export function identityFromPath(url: string | undefined, pathPrefix: string): { identity: string } | Refusal {
  const raw = url ?? '';
  const queryAt = raw.indexOf('?');
  const path = queryAt === -1 ? raw : raw.slice(0, queryAt);
  const prefix = normalizePrefix(pathPrefix) + '/';
  if (!path.startsWith(prefix)) {
    return { status: 404, message: `No charger endpoint here: connect to ${prefix}{chargePointId}` };
  }
  const segment = path.slice(prefix.length);
  if (segment.includes('/')) {
    return { status: 404, message: `No charger endpoint here: connect to ${prefix}{chargePointId}` };
  }
  if (segment === '') {
    return { status: 404, message: `Missing charge point identity: connect to ${prefix}{chargePointId}` };
  }
  // OCPP-J 1.6 §3.1.1: the identity is percent-encoded into the last path segment.
  let identity: string;
  try {
    identity = decodeURIComponent(segment);
  } catch {
    return { status: 400, message: 'Charge point identity is not valid percent-encoding' };
  }
  // Identities end up in logs, URLs and database keys; control characters there only
  // cause harm and no real charger uses them.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(identity)) {
    return { status: 400, message: 'Charge point identity contains control characters' };
  }
  if (identity.length > MAX_IDENTITY_LENGTH) {
    return { status: 400, message: `Charge point identity is longer than ${MAX_IDENTITY_LENGTH} characters` };
  }
  return { identity };
}

// OCPP 1.6 limits chargeBoxIdentity to 48 characters (S1 §7 CiString48 in the SOAP
// header); we allow more so that odd installations still connect, but not without bound.
const MAX_IDENTITY_LENGTH = 255;

export function normalizePrefix(pathPrefix: string): string {
  let prefix = pathPrefix.trim();
  while (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
  if (prefix !== '' && !prefix.startsWith('/')) prefix = '/' + prefix;
  return prefix;
}

/**
 * The preferred subprotocol (the newest version) among those the client offered and `allowed`
 * (default: every version Plugboard speaks), or null when none is both.
 */
export function pickSubprotocol(offered: Iterable<string>, allowed: readonly OcppVersion[] = OCPP_VERSIONS): string | null {
  const set = new Set<string>();
  for (const p of offered) set.add(p);
  for (const p of SUPPORTED_SUBPROTOCOLS) if (set.has(p) && allowed.includes(versionOfSubprotocol(p))) return p;
  return null;
}

/** Names for messages: "ocpp1.6, ocpp2.0.1". */
export function subprotocolList(versions: readonly OcppVersion[]): string {
  return versions.length === 0 ? 'none' : versions.map(subprotocolOf).join(', ');
}

export function parseSubprotocolHeader(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header.split(',').map((p) => p.trim()).filter((p) => p !== '');
}

const WS_KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * Cheap checks of the WebSocket request itself (RFC 6455 §4.2.1), done before the
 * authenticate callback so that junk never costs a database lookup. `ws` repeats them.
 */
export function checkUpgradeRequest(method: string | undefined, headers: IncomingHttpHeaders): Refusal | null {
  if (method !== 'GET') return { status: 405, message: 'WebSocket upgrade requires GET' };
  if (headers.upgrade?.toLowerCase() !== 'websocket') return { status: 400, message: 'Invalid Upgrade header' };
  const key = headers['sec-websocket-key'];
  if (key === undefined || !WS_KEY.test(key)) return { status: 400, message: 'Missing or invalid Sec-WebSocket-Key header' };
  const version = headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return { status: 400, message: 'Missing or invalid Sec-WebSocket-Version header' };
  return null;
}

export type BasicCredentials = { username: Buffer; password: Buffer };

/**
 * Parses `Authorization: Basic base64(id:password)`. The password stays raw bytes:
 * OCPP-J 1.6 §5.2 allows a 20-byte binary key, which is not valid text in any charset.
 * Only the first colon separates (RFC 7617 §2), so the password may contain colons.
 * Returns null when there is no Authorization header at all.
 */
export function parseBasicAuth(header: string | undefined): BasicCredentials | { error: string } | null {
  if (header === undefined) return null;
  const match = /^\s*basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (match === null) return { error: 'Authorization header is not HTTP Basic' };
  const decoded = Buffer.from(match[1], 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon === -1) return { error: 'Basic credentials have no colon between user and password' };
  return { username: decoded.subarray(0, colon), password: decoded.subarray(colon + 1) };
}

/** Security Profile 1/2 (Security Whitepaper §2.1): the user name must be the URL identity. */
export function usernameMatches(credentials: BasicCredentials, identity: string): boolean {
  return credentials.username.equals(Buffer.from(identity, 'utf8'));
}
