// The base URL chargers use to reach Plugboard's charger listener over plain HTTP: the
// configured files.publicBaseUrl, or else one derived from where the OCPP listener is bound.
import { networkInterfaces } from 'node:os';

export interface ListenerAddress {
  host: string;
  port: number;
  tls: boolean;
}

/** A routable address of this machine for a wildcard bind: the first non-internal IPv4 one. */
function machineAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return machineAddress();
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * `configured` (without a trailing slash) when set. Otherwise http(s)://host:port of the
 * listeners: the plain one first (chargers on security profile 0/1 have no TLS trust set up
 * for a file server), else the TLS one. A wildcard bind (0.0.0.0) is replaced by this machine's
 * first non-internal IPv4 address: a guess, which is why publicBaseUrl exists.
 */
export function publicBaseUrl(configured: string | null, listeners: readonly ListenerAddress[], fallback: ListenerAddress): string {
  if (configured) return configured.replace(/\/+$/, '');
  const listener = listeners.find((l) => !l.tls) ?? listeners[0] ?? fallback;
  return `${listener.tls ? 'https' : 'http'}://${hostForUrl(listener.host)}:${listener.port}`;
}
