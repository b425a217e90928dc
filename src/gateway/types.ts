import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { PeerCertificate } from 'node:tls';
import type { Logger } from 'pino';
import type { ChargerConnection } from './connection.ts';
import type { AdmissionOptions } from './admission.ts';
import type { HandshakeLimits } from './handshakes.ts';
import type { OcppVersion } from '../protocol/versions.ts';

/** What the gateway knows about a charger knocking on the door; the business layer decides. */
export interface AuthRequest {
  identity: string;
  /** Raw bytes of the Basic-auth password (OCPP-J 1.6 §5.2 allows a 20-byte binary key); null when no Authorization header was sent. */
  password: Buffer | null;
  /** The request arrived over TLS (security profile 2 or 3). */
  secure: boolean;
  remoteAddress: string;
  /** Present only when the listener requests client certificates and the chain verified against its `ca` (profile 3). */
  clientCertificate?: PeerCertificate;
  /** A client certificate was presented but did not verify against the listener's `ca`: why, and the certificate (profile 3 refuses it). */
  clientCertificateError?: { reason: string; certificate: PeerCertificate };
  /** The upgrade request's headers (a TLS-terminating proxy forwards the client certificate in one). */
  headers: IncomingHttpHeaders;
  /** The address has refused upgrades in its current window (admission.ts): its expensive checks go after clean addresses'. */
  suspect?: boolean;
  /** Over a failure limit (admission.ts): accept only what can be checked cheaply (a known-good credential), else answer 429. */
  throttled?: boolean;
}

/** The client certificate a connection was admitted with (security profile 3), kept on the connection. */
export interface AdmittedCertificate {
  subject: { CN?: string | string[]; O?: string | string[] };
  /** hex, upper case */
  serialNumber: string;
  /** SHA-256 fingerprint, AA:BB:... */
  fingerprint256: string;
}

/** `reason` is the body the charger gets; `detail`, when given, is logged instead (what the operator needs, the charger must not learn). */
export type AuthResult =
  | {
      ok: true;
      certificate?: AdmittedCertificate;
      /** the OCPP versions this charger may speak (within GatewayOptions.versions); null or absent: those */
      versions?: readonly OcppVersion[] | null;
    }
  | { ok: false; status: 401 | 403 | 404 | 429 | 503; reason: string; detail?: string; retryAfterSeconds?: number };

export interface ListenerTlsOptions {
  /** PEM. Pass arrays to serve an RSA and an ECDSA certificate side by side (Security Whitepaper §2.1, OCTT TC_086 wants both cipher families). */
  cert: string | Buffer | Array<string | Buffer>;
  key: string | Buffer | Array<string | Buffer>;
  /** CA(s) that client certificates must chain to (security profile 3). */
  ca?: string | Buffer | Array<string | Buffer>;
  requestClientCert?: boolean;
  /** OpenSSL cipher list (TLS 1.2 and 1.3 names); default FORWARD_SECRET_CIPHERS. */
  ciphers?: string;
}

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: ListenerTlsOptions;
}

export interface FrameInfo {
  type: number;
  messageId: string | null;
  action: string | null;
  /** counted, but not for the message log (an unknown-id answer beyond the per-minute sample) */
  unlogged?: boolean;
}

export interface DisconnectInfo {
  code: number;
  reason: string;
  /** True when the charger opened a newer connection under the same identity. */
  replaced: boolean;
}

export interface GatewayOptions {
  listeners: ListenerOptions[];
  /** The OCPP versions this server speaks (config ocpp.versions); default both. A charger offering none of them is refused with 400. */
  versions?: readonly OcppVersion[];
  /** '/ocpp' serves ws://host:port/ocpp/{identity}. */
  pathPrefix: string;
  /** Largest accepted WebSocket message; a larger one closes the socket with 1009. */
  maxFrameBytes: number;
  /** 0 turns server pings off; otherwise a peer that did not pong since the previous ping is terminated. */
  pingIntervalMs: number;
  callTimeoutMs: number;
  /** Beyond this many bad messages within a minute the charger is disconnected with 1008. */
  maxBadMessagesPerMinute: number;
  /** Timeout and bound for sockets not yet upgraded (handshakes.ts); absent: none. */
  handshakes?: HandshakeLimits;
  /** Limits on failed upgrades per address and per identity (admission.ts); absent: none. */
  admission?: AdmissionOptions;
  /** stop(): how long to wait for the CALLs already read to be answered before closing (default 10 s). */
  drainTimeoutMs?: number;
  log: Logger;
  authenticate(req: AuthRequest): Promise<AuthResult>;
  onCall(conn: ChargerConnection, action: string, payload: unknown): Promise<unknown>;
  onConnected?(conn: ChargerConnection): void;
  onDisconnected?(conn: ChargerConnection, info: DisconnectInfo): void;
  onFrame?(conn: ChargerConnection, direction: 'in' | 'out', text: string, info: FrameInfo): void;
  onCallHandled?(action: string, durationMs: number, errorCode: string | null): void;
  /**
   * Plain HTTP requests (not WebSocket upgrades) on the charger listeners, e.g. firmware
   * downloads and diagnostics uploads, which chargers can only make to the address they reach
   * us on. Return true when the request is (being) answered; false leaves it to the default
   * answer, 426 Upgrade Required.
   */
  onHttpRequest?(req: IncomingMessage, res: ServerResponse): boolean;
}
