// TLS and security profile 3, version-neutral: the charger listener's certificate, key, CA and
// cipher settings (reloaded without a restart when their files change), the CAs trusted for
// station client certificates (ocpp.tls.caFile plus any a module adds, e.g. the built-in CA),
// where a station's client certificate comes from (the TLS handshake, or a header set by a
// trusted TLS-terminating proxy), and whether it admits a profile-3 station: valid chain, not
// revoked, subject bound to the station (certificates/binding.ts), at the upgrade and again at
// BootNotification. Every refused certificate is logged and recorded as a security event.
// ADR 0009.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { PeerCertificate } from 'node:tls';
import type { AppContext } from '../../context.ts';
import { FORWARD_SECRET_CIPHERS, type AdmittedCertificate, type ListenerTlsOptions } from '../../gateway/index.ts';
import { subjectCheck, type StationIdentity } from '../certificates/binding.ts';
import { addressList, certificatesFromHeader, chainProblem, inAddressList, parsePemCertificates, subjectOf } from './chain.ts';

/**
 * ocpp.tls.ciphers "whitepaper": the forward-secret default plus the Security Whitepaper's two
 * TLS_RSA_WITH_AES_*_GCM suites (RSA key exchange, no forward secrecy), for stations that
 * offer nothing else.
 */
export const WHITEPAPER_CIPHERS = `${FORWARD_SECRET_CIPHERS}:AES128-GCM-SHA256:AES256-GCM-SHA384`;

export const DEFAULT_RELOAD_INTERVAL_SECONDS = 60;

/** The security event type Plugboard records for a station certificate it refuses (Security Whitepaper's own name). */
export const INVALID_CERTIFICATE_EVENT = 'InvalidChargePointCertificate';

/** What the gateway knows of a connection attempt (a subset of its AuthRequest). */
export interface ClientRequest {
  identity: string;
  secure: boolean;
  remoteAddress: string;
  headers?: IncomingHttpHeaders;
  clientCertificate?: PeerCertificate;
  clientCertificateError?: { reason: string; certificate: PeerCertificate };
}

/** Where the charger's TLS ended and which client certificate it showed there. */
export interface ClientView {
  /** TLS from the charger: our own listener, or a trusted proxy that says it terminated TLS */
  secure: boolean;
  certificate: X509Certificate | null;
  /** why the certificate does not verify (chain, dates); null when it does or there is none */
  problem: string | null;
  via: 'tls' | 'proxy' | null;
}

/** provisional: the subject could not be checked yet (serial-number rule, the station never booted); BootNotification checks it */
export type Profile3Result = { ok: true; certificate: AdmittedCertificate; provisional: boolean } | { ok: false; status: 401 | 403; reason: string };

interface GatewayTls {
  setTls(tls: ListenerTlsOptions): void;
}

// Refusals of the same certificate problem for the same station are recorded at most once per
// this long: a charger retrying every few seconds must not flood the security log.
const EVENT_REPEAT_MS = 60_000;
const TECH_INFO_MAX = 255; // SecurityEventNotification techInfo is CiString255

const NODE_VERIFY_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the certificate expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is not issued by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is not issued by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate is not issued by a trusted CA',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed, not issued by a trusted CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends at a self-signed CA that is not trusted',
  CERT_SIGNATURE_FAILURE: 'the certificate signature does not verify',
  INVALID_PURPOSE: 'the certificate is not for TLS client authentication (extended key usage)',
};

export function admitted(cert: X509Certificate): AdmittedCertificate {
  return { subject: subjectOf(cert), serialNumber: cert.serialNumber.toUpperCase(), fingerprint256: cert.fingerprint256 };
}

export function createTlsService(ctx: AppContext) {
  const ocpp = ctx.config.ocpp;
  const rule = ocpp.security.certificateSubject;
  const proxies = addressList(ocpp.security.trustedProxies);
  const certHeader = ocpp.security.clientCertHeader?.toLowerCase() ?? null;
  /** the listener's files as last read: contents, and a digest to see changes */
  let files: { cert: Buffer[]; key: Buffer[]; ca: Buffer | null; digest: string } | null = null;
  let fileCas: X509Certificate[] = [];
  /** CAs added by modules, per source (e.g. the built-in CA), PEM and parsed */
  const addedCas = new Map<string, Array<{ pem: string; cert: X509Certificate }>>();
  let gateway: GatewayTls | null = null;
  let timer: NodeJS.Timeout | null = null;
  /** the digest of files found unusable, not tried again until they change */
  let failedDigest: string | null = null;
  const eventsSeen = new Map<string, number>();

  function ciphers(): string {
    const configured = ocpp.tls?.ciphers ?? null;
    if (configured === null) return FORWARD_SECRET_CIPHERS;
    if (configured === 'whitepaper') return WHITEPAPER_CIPHERS;
    return configured;
  }

  function readFiles(): NonNullable<typeof files> {
    const tls = ocpp.tls!;
    const cert = [tls.certFile].flat().map((f) => readFileSync(f));
    const key = [tls.keyFile].flat().map((f) => readFileSync(f));
    const ca = tls.caFile ? readFileSync(tls.caFile) : null;
    const hash = createHash('sha256');
    for (const b of [...cert, ...key, ca ?? Buffer.alloc(0)]) hash.update(createHash('sha256').update(b).digest());
    return { cert, key, ca, digest: hash.digest('hex') };
  }

  function trusted(): X509Certificate[] {
    return [...fileCas, ...[...addedCas.values()].flat().map((c) => c.cert)];
  }

  function listenerOptions(): ListenerTlsOptions {
    const f = files!;
    const ca = [...(f.ca ? [f.ca] : []), ...[...addedCas.values()].flat().map((c) => c.pem)];
    return {
      cert: f.cert.length === 1 ? f.cert[0] : f.cert,
      key: f.key.length === 1 ? f.key[0] : f.key,
      ca: ca.length > 0 ? ca : undefined,
      requestClientCert: ocpp.tls!.requestClientCert,
      ciphers: ciphers(),
    };
  }

  function pushToGateway(): void {
    if (gateway === null || files === null) return;
    gateway.setTls(listenerOptions());
  }

  /** A refused certificate: a log line, and a security event (at most one per station and problem per EVENT_REPEAT_MS). */
  function recordRefusal(stationId: string, remoteAddress: string, problem: string, detail: { subject?: string; serialNumber?: string; via: ClientView['via'] | 'boot' }): void {
    ctx.log.warn({ chargePointId: stationId, remoteAddress, reason: problem, ...detail }, 'charger client certificate refused');
    const key = `${stationId}\u0000${problem}`;
    const now = Date.now();
    const last = eventsSeen.get(key);
    if (last !== undefined && now - last < EVENT_REPEAT_MS) return;
    if (eventsSeen.size >= 10_000) eventsSeen.delete(eventsSeen.keys().next().value!);
    eventsSeen.set(key, now);
    const about = [detail.subject && `subject ${JSON.stringify(detail.subject)}`, detail.serialNumber && `serial ${detail.serialNumber}`].filter(Boolean).join(', ');
    const techInfo = `${detail.via === 'boot' ? 'at BootNotification: ' : ''}${problem}${about ? ` (${about})` : ''}`.slice(0, TECH_INFO_MAX);
    ctx.services.security
      .record({ stationId, type: INVALID_CERTIFICATE_EVENT, source: 'csms', at: ctx.now().toISOString(), techInfo, critical: true })
      .catch((err: unknown) => ctx.log.error({ err, chargePointId: stationId }, 'recording a security event failed'));
  }

  function fromProxy(req: ClientRequest): { secure: boolean; view: ClientView | null } {
    if (certHeader === null && ocpp.security.trustedProxies.length === 0) return { secure: false, view: null };
    const headers = req.headers ?? {};
    const raw = certHeader === null ? undefined : headers[certHeader];
    const value = Array.isArray(raw) ? raw[0] : raw;
    const trustedProxy = inAddressList(proxies, req.remoteAddress);
    if (!trustedProxy) {
      if (value !== undefined && value !== '') {
        ctx.log.warn({ chargePointId: req.identity, remoteAddress: req.remoteAddress, header: certHeader }, 'client certificate header from an address that is not a trusted proxy: ignored');
      }
      return { secure: false, view: null };
    }
    const proto = String(headers['x-forwarded-proto'] ?? '').split(',')[0].trim().toLowerCase();
    const secure = proto === 'https' || proto === 'wss' || (value !== undefined && value !== '');
    if (value === undefined || value === '') return { secure, view: null };
    let chain: X509Certificate[];
    try {
      chain = certificatesFromHeader(value);
    } catch {
      chain = [];
    }
    if (chain.length === 0) return { secure, view: { secure, certificate: null, problem: `the ${certHeader} header holds no readable certificate`, via: 'proxy' } };
    return { secure, view: { secure, certificate: chain[0], problem: chainProblem(chain, trusted(), ctx.now()), via: 'proxy' } };
  }

  const service = {
    /** The TLS listener's settings, files read now (null without ocpp.tls). For app.ts, at start. */
    listenerTls(): ListenerTlsOptions | null {
      if (ocpp.tls === null) return null;
      files ??= readFiles();
      fileCas = files.ca ? parsePemCertificates(files.ca) : [];
      return listenerOptions();
    },

    /** The gateway whose TLS listeners follow file changes and added CAs; starts watching the files. */
    useGateway(g: GatewayTls): void {
      gateway = g;
      const seconds = ocpp.tls?.reloadIntervalSeconds ?? DEFAULT_RELOAD_INTERVAL_SECONDS;
      if (ocpp.tls !== null && seconds > 0 && timer === null) {
        // Polled (content digest), not fs.watch: certificate tools replace files by rename or
        // swap a symlinked directory (Kubernetes secrets), which watchers on the old inode miss.
        timer = setInterval(() => service.reload(), seconds * 1000);
        timer.unref();
      }
    },

    /**
     * Reads the certificate, key and CA files again and, when they changed, gives the listener the
     * new ones (connections from now on use them). Unusable material (a key that does not match
     * its certificate, a half-written file) is logged and the previous material kept.
     */
    reload(): boolean {
      if (ocpp.tls === null) return false;
      let next: NonNullable<typeof files>;
      try {
        next = readFiles();
      } catch (err) {
        ctx.log.error({ err }, 'TLS files could not be read: keeping the certificate in use');
        return false;
      }
      if (files !== null && next.digest === files.digest) return false;
      if (next.digest === failedDigest) return false; // logged once; waits for the next change
      const previous = files;
      const previousCas = fileCas;
      try {
        fileCas = next.ca ? parsePemCertificates(next.ca) : [];
        files = next;
        pushToGateway();
      } catch (err) {
        files = previous;
        fileCas = previousCas;
        failedDigest = next.digest;
        ctx.log.error({ err }, 'new TLS files are not usable: keeping the certificate in use');
        return false;
      }
      ctx.log.info({ certFile: ocpp.tls.certFile, caFile: ocpp.tls.caFile }, 'TLS certificate files reloaded');
      return true;
    },

    /**
     * Sets the CAs one source (e.g. 'builtin-ca') adds to those trusted for station client
     * certificates, replacing what that source set before (an empty list removes them). PEM, one
     * or more certificates each. Applied to the TLS listener at once.
     */
    setTrustedCas(source: string, pems: string[]): void {
      const parsed = pems.flatMap((pem) => parsePemCertificates(pem).map((cert) => ({ pem: cert.toString(), cert })));
      if (parsed.length === 0) addedCas.delete(source);
      else addedCas.set(source, parsed);
      pushToGateway();
    },

    /**
     * Trusts the certificates module's CA (the built-in CA's chain; nothing with an external
     * signer) for station client certificates, when client certificates are in use at all
     * (ocpp.tls.requestClientCert or a proxy header): otherwise no CA is created for it.
     * app.ts calls it at start; call again after the CA changes.
     */
    async trustCertificateAuthority(): Promise<void> {
      if (ocpp.tls?.requestClientCert !== true && certHeader === null) return;
      try {
        service.setTrustedCas('certificates', await ctx.services.certificates.trustedCaPems());
      } catch (err) {
        ctx.log.error({ err }, 'the built-in CA could not be added to the trusted client CAs');
      }
    },

    /** Every CA trusted for station client certificates now. */
    trustedCas(): X509Certificate[] {
      return trusted();
    },

    /** Where the charger's TLS ended and the client certificate it presented there, verified or with its problem. */
    clientOf(req: ClientRequest): ClientView {
      const proxied = fromProxy(req);
      if (proxied.view !== null) return proxied.view;
      const secure = req.secure || proxied.secure;
      if (req.clientCertificate !== undefined) return { secure, certificate: new X509Certificate(req.clientCertificate.raw), problem: null, via: 'tls' };
      if (req.clientCertificateError !== undefined) {
        const { reason, certificate } = req.clientCertificateError;
        const code = reason.replace(/^Error:\s*/, '');
        return { secure, certificate: new X509Certificate(certificate.raw), problem: `${NODE_VERIFY_ERRORS[code] ?? 'the certificate does not verify'} (${code})`, via: 'tls' };
      }
      return { secure, certificate: null, problem: null, via: null };
    },

    /**
     * Security profile 3 at the upgrade: TLS from the charger, a client certificate that chains to
     * a trusted CA and is in its validity, not revoked, its subject bound to the station. A
     * password does not stand in for any of it (no downgrade to profile 2).
     */
    async admitProfile3(station: StationIdentity, view: ClientView, remoteAddress: string): Promise<Profile3Result> {
      if (!view.secure) return { ok: false, status: 403, reason: 'security profile 3 requires a TLS (wss://) connection with a client certificate' };
      const cert = view.certificate;
      if (cert === null && view.problem === null) {
        ctx.log.info({ chargePointId: station.id, remoteAddress }, 'profile 3 charger connected without a client certificate: refused');
        return { ok: false, status: 401, reason: 'security profile 3 requires a client certificate; none was presented' };
      }
      let problem = view.problem;
      let provisional = false;
      if (problem === null && cert !== null) {
        if (await ctx.services.certificates.isRevoked({ serialNumber: cert.serialNumber.toUpperCase(), fingerprint256: cert.fingerprint256 })) {
          problem = 'the certificate is revoked';
        } else {
          const check = subjectCheck(subjectOf(cert), station, rule);
          problem = check.problem;
          provisional = check.provisional;
        }
      }
      if (problem !== null) {
        recordRefusal(station.id, remoteAddress, problem, { subject: cert?.subject.replaceAll('\n', ', '), serialNumber: cert?.serialNumber.toUpperCase(), via: view.via });
        // `reason` is for the log: the stations service answers the charger as it answers a wrong password.
        return { ok: false, status: 401, reason: `client certificate refused: ${problem}` };
      }
      return { ok: true, certificate: admitted(cert!), provisional };
    },

    /**
     * BootNotification of a charger admitted with a client certificate: the serial number it
     * reports is now known, so the subject is checked against it (the upgrade could only check
     * the serial stored from an earlier boot). Returns why the boot must be refused, or null.
     */
    async checkAtBoot(stationId: string, certificate: AdmittedCertificate, serialNumber: string | null, remoteAddress: string): Promise<string | null> {
      let problem: string | null;
      if (rule.commonName === 'serialNumber' && serialNumber === null) {
        problem = 'the BootNotification carries no serial number to check the certificate CN against';
      } else {
        problem = subjectCheck(certificate.subject, { id: stationId, serialNumber }, rule).problem;
      }
      if (problem === null && rule.commonName === 'serialNumber' && serialNumber !== null) {
        // A station that never booted could otherwise take over another's certificate by
        // reporting that station's serial number: a serial stays with the station that reported it first.
        const owners = await ctx.services.stations.stationsWithSerial(serialNumber, stationId);
        if (owners.length > 0) problem = `the certificate CN ${JSON.stringify(serialNumber)} is the serial number of station ${owners[0]}`;
      }
      if (problem === null) return null;
      recordRefusal(stationId, remoteAddress, problem, { serialNumber: certificate.serialNumber, via: 'boot' });
      return problem;
    },

    stop(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
      gateway = null;
    },
  };
  return service;
}

export type TlsService = ReturnType<typeof createTlsService>;
