// Station certificates, version-neutral: the built-in or external CA that signs station
// certificates (a CSR in, a chain out), the inventory of what each station has installed, and
// revocation. The gateway asks isRevoked() for every client certificate it sees. The messages
// themselves are the protocol's (ocpp16.ts): it hands CSRs and answers in, and gives this
// service a StationCertificateProtocol to send with.
import { X509Certificate } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import { StationNotFoundError } from '../stations/service.ts';
import { subjectCheck, type SubjectRule } from './binding.ts';
import { loadOrCreateCa, type CaState } from './ca.ts';
import * as store from './store.ts';
import {
  CsrError,
  certificateInfo,
  hashDataOf,
  issueCertificate,
  keyProblem,
  normalizeFingerprint,
  normalizeSerial,
  parseCsr,
  pemCertificates,
  publicKeyHashOf,
  type CertificateHashData,
  type CertificateInfo,
  type HashAlgorithm,
} from './x509.ts';

/** What the TLS layer knows of a presented certificate (node:tls PeerCertificate fields). */
export interface PresentedCertificate {
  /** hex, as node:tls gives it (upper case, no separators) */
  serialNumber: string;
  /** SHA-256 fingerprint, as node:tls gives it (AA:BB:...) */
  fingerprint256: string;
}

export type CertificateType = store.CertificateType;
export const CERTIFICATE_TYPES: readonly CertificateType[] = ['CentralSystemRootCertificate', 'ManufacturerRootCertificate'];

/** How the service reaches a station; the protocol module (ocpp16.ts) provides it. */
export interface StationCertificateProtocol {
  /** sends the signed chain (leaf first); the station's answer */
  sendChain(stationId: string, chainPem: string): Promise<'Accepted' | 'Rejected'>;
  /** asks the station to send a new CSR */
  askForCsr(stationId: string): Promise<string>;
  install(stationId: string, type: CertificateType, pem: string): Promise<string>;
  remove(stationId: string, hash: CertificateHashData): Promise<string>;
  /** the station's answer is recorded by the observers (reportInstalled) */
  listInstalled(stationId: string, type: CertificateType): Promise<string>;
  /** CertificateSignedMaxChainSize when the station told us, else null */
  maxChainSize(stationId: string): number | null;
}

/** A request in a state that does not allow what was asked (409). */
export class CertificateConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateConflictError';
  }
}

/** Something the API caller sent that is not acceptable (422). */
export class CertificateInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateInputError';
  }
}

export class CertificateNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateNotFoundError';
  }
}

/** CN and O of a certificate's subject (node:crypto's one-attribute-per-line form). */
function subjectParts(pem: string): { CN?: string | string[]; O?: string | string[] } {
  const out: Record<string, string[]> = {};
  for (const line of new X509Certificate(pem).subject.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) (out[line.slice(0, i)] ??= []).push(line.slice(i + 1));
  }
  const one = (v: string[] | undefined) => (v === undefined ? undefined : v.length === 1 ? v[0] : v);
  return { CN: one(out.CN), O: one(out.O) };
}

const RENEWAL_ASK_AGAIN_MS = 86_400_000;

export type CsrOutcome = { status: 'Accepted'; requestId: number } | { status: 'Rejected'; problem: string };

export function createCertificatesService(ctx: AppContext) {
  const db = ctx.db;
  const iso = () => ctx.now().toISOString();
  const revokedSerials = new Set<string>();
  const revokedFingerprints = new Set<string>();
  const work = new Set<Promise<unknown>>();
  let caPromise: Promise<CaState> | null = null;
  let protocol: StationCertificateProtocol | null = null;
  let renewalTimer: NodeJS.Timeout | null = null;
  let renewalRun: Promise<void> | null = null;
  let stopped = false;

  /** ocpp.security.certificateSubject: the same rule the TLS layer checks at connect. */
  function subjectRule(): SubjectRule {
    return ctx.config.ocpp.security.certificateSubject;
  }

  function transport(): StationCertificateProtocol {
    if (!protocol) throw new Error('no station protocol registered for certificates');
    return protocol;
  }

  function track<T>(p: Promise<T>): Promise<T> {
    work.add(p);
    void p.then(
      () => work.delete(p),
      () => work.delete(p),
    );
    return p;
  }

  async function ca(): Promise<CaState> {
    caPromise ??= loadOrCreateCa(ctx.config, ctx.now(), (m) => ctx.log.warn(m));
    try {
      return await caPromise;
    } catch (err) {
      caPromise = null;
      throw err;
    }
  }

  async function rejectCsr(stationId: string, problem: string): Promise<CsrOutcome> {
    ctx.log.warn({ stationId, problem }, 'SignCertificate rejected');
    await ctx.services.security.record({ stationId, type: 'InvalidCertificateSigningRequest', source: 'csms', at: iso(), techInfo: problem, critical: false });
    return { status: 'Rejected', problem };
  }

  /** The chain as CertificateSigned carries it, within the station's size limit: leaf first, then its CA certificates as far as they fit. */
  function chainWithin(leaf: string, above: string[], limit: number): string {
    let chain = leaf;
    for (const pem of above) {
      if (chain.length + pem.length > limit) break;
      chain += pem;
    }
    if (chain.length > limit) throw new CertificateInputError(`the certificate alone is ${chain.length} characters, over the station's limit of ${limit}`);
    return chain;
  }

  /** Records the certificate and sends the chain; the request ends accepted, rejected or failed. */
  async function deliver(req: store.CertificateRequest, leaf: CertificateInfo, above: string[]): Promise<{ status: 'Accepted' | 'Rejected' | null; certificateId: number; error: string | null }> {
    const limit = Math.min(ctx.config.certificates.maxChainSize, transport().maxChainSize(req.station_id) ?? Infinity);
    const chain = chainWithin(leaf.pem, above, limit);
    const now = iso();
    const certificateId = await db.write(async (trx) => {
      const id = await store.insertIssued(trx, {
        station_id: req.station_id,
        request_id: req.id,
        serial_number: leaf.serialNumber,
        fingerprint256: leaf.fingerprint256,
        subject: leaf.subject,
        issuer: leaf.issuer,
        not_before: leaf.notBefore,
        not_after: leaf.notAfter,
        pem: leaf.pem,
        chain_pem: chain,
        signer: req.signer,
        revoked_at: null,
        revocation_reason: null,
        renewal_requested_at: null,
        created_at: now,
      });
      await store.updateRequest(trx, req.id, { status: 'sending', certificate_id: id, updated_at: now });
      return id;
    });
    let status: 'Accepted' | 'Rejected' | null = null;
    let error: string | null = null;
    try {
      status = await transport().sendChain(req.station_id, chain);
    } catch (err) {
      error = `CertificateSigned: ${(err as Error).message}`;
    }
    await db.write((trx) =>
      store.updateRequest(trx, req.id, { status: status === 'Accepted' ? 'accepted' : status === 'Rejected' ? 'rejected' : 'failed', error: status === 'Rejected' ? 'the station rejected the certificate chain' : error, updated_at: iso() }),
    );
    if (status === 'Rejected') ctx.log.warn({ stationId: req.station_id, requestId: req.id }, 'the station rejected CertificateSigned');
    return { status, certificateId, error };
  }

  /** Built-in CA: signs the stored request and sends it. */
  async function signAndDeliver(requestId: number): Promise<void> {
    const req = await store.getRequest(db.kysely, requestId);
    if (!req) return;
    try {
      const authority = await ca();
      const csr = await parseCsr(req.csr);
      const leaf = await issueCertificate({ ca: authority, csr, now: ctx.now(), validityDays: ctx.config.certificates.validityDays });
      await deliver(req, leaf, authority.chainPems);
    } catch (err) {
      ctx.log.error({ err, stationId: req.station_id, requestId }, 'signing a station certificate failed');
      await db.write((trx) => store.updateRequest(trx, requestId, { status: 'failed', error: (err as Error).message, updated_at: iso() }));
    }
  }

  function addRevocation(r: { serial_number: string | null; fingerprint256: string | null }): void {
    if (r.serial_number) revokedSerials.add(r.serial_number);
    if (r.fingerprint256) revokedFingerprints.add(r.fingerprint256);
  }

  async function checkRenewals(): Promise<number> {
    const now = ctx.now();
    const before = new Date(now.getTime() + ctx.config.certificates.renewBeforeDays * 86_400_000).toISOString();
    const due = await store.expiringLatest(db.kysely, before, new Date(now.getTime() - RENEWAL_ASK_AGAIN_MS).toISOString());
    let asked = 0;
    for (const cert of due) {
      if (stopped) break;
      if (!ctx.services.stations.isConnected(cert.station_id)) continue;
      try {
        const status = await transport().askForCsr(cert.station_id);
        await db.write((trx) => store.updateIssued(trx, cert.id, { renewal_requested_at: iso() }));
        asked++;
        ctx.log.info({ stationId: cert.station_id, notAfter: cert.not_after, status }, 'asked the station to renew its certificate');
      } catch (err) {
        ctx.log.warn({ err, stationId: cert.station_id }, 'asking a station to renew its certificate failed');
      }
    }
    return asked;
  }

  function scheduleRenewals(): void {
    const every = ctx.config.certificates.renewalCheckIntervalSeconds;
    if (every === 0 || stopped) return;
    renewalTimer = setTimeout(() => {
      renewalRun = checkRenewals()
        .then(
          () => undefined,
          (err) => ctx.log.error({ err }, 'the certificate renewal check failed'),
        )
        .finally(() => {
          renewalRun = null;
          scheduleRenewals();
        });
    }, every * 1000);
    renewalTimer.unref();
  }

  /** The hash data of an inventory row under `algorithm`, when it can be known. */
  function rowHashes(row: store.InstalledCertificate, algorithm: string): { issuerNameHash: string; serialNumber: string } | null {
    if (row.hash_algorithm === algorithm) return { issuerNameHash: row.issuer_name_hash, serialNumber: row.serial_number };
    if (row.pem && (algorithm === 'SHA256' || algorithm === 'SHA384' || algorithm === 'SHA512')) {
      const h = hashDataOf(row.pem, algorithm);
      return { issuerNameHash: h.issuerNameHash, serialNumber: h.serialNumber };
    }
    return null;
  }

  function sameCertificate(row: store.InstalledCertificate, h: { hashAlgorithm: string; issuerNameHash: string; serialNumber: string }): boolean {
    const mine = rowHashes(row, h.hashAlgorithm);
    return mine !== null && normalizeSerial(mine.serialNumber) === normalizeSerial(h.serialNumber) && mine.issuerNameHash.toLowerCase() === h.issuerNameHash.toLowerCase();
  }

  const service = {
    /** Loads the revocation list and starts the renewal check. */
    async start(): Promise<void> {
      for (const r of await store.allRevocations(db.kysely)) addRevocation(r);
      scheduleRenewals();
    },

    async stop(): Promise<void> {
      stopped = true;
      if (renewalTimer) clearTimeout(renewalTimer);
      renewalTimer = null;
      await renewalRun;
      await Promise.allSettled([...work]);
    },

    useProtocol(p: StationCertificateProtocol): void {
      protocol = p;
    },

    /** True when an operator revoked this certificate; a revoked certificate never connects. Answered from memory. */
    async isRevoked(certificate: PresentedCertificate): Promise<boolean> {
      return revokedFingerprints.has(normalizeFingerprint(certificate.fingerprint256)) || revokedSerials.has(normalizeSerial(certificate.serialNumber));
    },

    /** The CA certificates stations' client certificates are issued by (PEM), for the TLS trust list: the built-in CA's chain, or none with an external signer. */
    async trustedCaPems(): Promise<string[]> {
      if (ctx.config.certificates.signer !== 'builtin') return [];
      return (await ca()).chainPems;
    },

    async caInfo() {
      const signer = ctx.config.certificates.signer;
      if (signer !== 'builtin') return { signer, certificate: null, source: null, chain: [] as string[] };
      const a = await ca();
      return { signer, certificate: a.info, source: a.source, chain: a.chainPems };
    },

    /**
     * A CSR from a station (SignCertificate): checked (PKCS#10 signature, key RSA ≥ 2048 or EC
     * P-256/P-384, subject bound to the station by binding.ts) before anything is signed. Accepted:
     * the built-in CA signs it and sends the chain just after this answer; the external signer
     * gets event certificate.csr_received and posts the chain through the API. Rejected: a
     * security event says why.
     */
    async receiveCsr(stationId: string, csrPem: string): Promise<CsrOutcome> {
      const station = await ctx.services.stations.get(stationId);
      if (!station) return rejectCsr(stationId, 'unknown station');
      let csr;
      try {
        csr = await parseCsr(csrPem);
      } catch (err) {
        if (err instanceof CsrError) return rejectCsr(stationId, err.message);
        throw err;
      }
      const keyIssue = keyProblem(csr);
      if (keyIssue) return rejectCsr(stationId, `the CSR has ${keyIssue}`);
      const serialNumber = station.charge_point_serial ?? station.charge_box_serial;
      const check = subjectCheck(csr.subject, { id: stationId, serialNumber }, subjectRule());
      if (check.problem) return rejectCsr(stationId, check.problem);
      if (check.provisional) return rejectCsr(stationId, "the station reported no serial number in BootNotification, so the CSR's CN cannot be checked");
      const signer = ctx.config.certificates.signer;
      const now = iso();
      const requestId = await db.write((trx) =>
        store.insertRequest(trx, {
          station_id: stationId,
          csr: csrPem,
          subject: csr.subjectText,
          key_type: csr.keyKind!,
          public_key_hash: csr.publicKeyHash,
          signer,
          status: signer === 'builtin' ? 'sending' : 'pending',
          certificate_id: null,
          error: null,
          created_at: now,
          updated_at: now,
        }),
      );
      if (signer === 'builtin') {
        // After the SignCertificate answer has gone out (the station expects CertificateSigned after it).
        track(new Promise<void>((done) => setImmediate(() => void signAndDeliver(requestId).finally(done))));
      } else {
        ctx.bus.publish({ type: 'certificate.csr_received', stationId, at: now, requestId, subject: csr.subjectText, keyType: csr.keyKind!, csr: csrPem });
      }
      return { status: 'Accepted', requestId };
    },

    /**
     * External signer: the chain (PEM, leaf first) for a pending request. The leaf must carry the
     * CSR's public key and be valid now; it is recorded and sent with CertificateSigned.
     */
    async submitChain(requestId: number, chainText: string) {
      const req = await store.getRequest(db.kysely, requestId);
      if (!req) throw new CertificateNotFoundError(`certificate request ${requestId} not found`);
      if (req.status !== 'pending' && req.status !== 'failed') throw new CertificateConflictError(`certificate request ${requestId} is ${req.status}; a chain can be posted while it is pending (or failed, to retry)`);
      const pems = pemCertificates(chainText);
      if (pems.length === 0) throw new CertificateInputError('certificateChain holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
      let leaf: CertificateInfo;
      try {
        leaf = certificateInfo(pems[0]);
      } catch (err) {
        throw new CertificateInputError(`the first certificate of the chain cannot be read: ${(err as Error).message}`);
      }
      if (publicKeyHashOf(leaf.pem) !== req.public_key_hash) throw new CertificateInputError("the chain's first certificate does not carry the CSR's public key (the leaf comes first)");
      // The station would be refused at connect with a certificate that is not bound to it.
      const station = await ctx.services.stations.get(req.station_id);
      const check = subjectCheck(subjectParts(leaf.pem), { id: req.station_id, serialNumber: station?.charge_point_serial ?? station?.charge_box_serial ?? null }, subjectRule());
      if (check.problem) throw new CertificateInputError(`the certificate does not belong to station ${req.station_id}: ${check.problem}`);
      const now = ctx.now();
      if (new Date(leaf.notBefore) > now || new Date(leaf.notAfter) <= now) throw new CertificateInputError(`the certificate is not valid now (valid ${leaf.notBefore} to ${leaf.notAfter})`);
      const result = await deliver(req, leaf, pems.slice(1));
      return { requestId, certificateId: result.certificateId, status: result.status, error: result.error };
    },

    getRequest(id: number) {
      return store.getRequest(db.kysely, id);
    },

    listRequests(f: { stationId?: string; status?: store.CertificateRequest['status']; limit?: number }) {
      return store.listRequests(db.kysely, { ...f, limit: f.limit ?? 100 });
    },

    listIssued(f: { stationId?: string; limit?: number }) {
      return store.listIssued(db.kysely, { ...f, limit: f.limit ?? 100 });
    },

    getIssued(id: number) {
      return store.getIssued(db.kysely, id);
    },

    /** Revokes an issued certificate; it is refused at connect from now on. */
    async revokeIssued(id: number, reason: string | null) {
      const cert = await store.getIssued(db.kysely, id);
      if (!cert) throw new CertificateNotFoundError(`issued certificate ${id} not found`);
      if (cert.revoked_at) return cert;
      const at = iso();
      await db.write(async (trx) => {
        await store.updateIssued(trx, id, { revoked_at: at, revocation_reason: reason });
        await store.insertRevocation(trx, { serial_number: cert.serial_number, fingerprint256: cert.fingerprint256, issued_certificate_id: id, reason, revoked_at: at });
      });
      addRevocation(cert);
      return { ...cert, revoked_at: at, revocation_reason: reason };
    },

    /**
     * Revokes any certificate by serial number and/or SHA-256 fingerprint (also ones Plugboard
     * did not issue). A serial alone matches that serial from every CA. Issued certificates that
     * match are marked revoked too.
     */
    async revoke(input: { serialNumber?: string; fingerprint256?: string; reason?: string | null }) {
      const serial = input.serialNumber ? normalizeSerial(input.serialNumber) : null;
      const fingerprint = input.fingerprint256 ? normalizeFingerprint(input.fingerprint256) : null;
      if (!serial && !fingerprint) throw new CertificateInputError('give serialNumber (hex) and/or fingerprint256 (SHA-256, hex)');
      if (fingerprint && fingerprint.length !== 64) throw new CertificateInputError('fingerprint256 must be 32 bytes of hex (SHA-256), separators allowed');
      const at = iso();
      const reason = input.reason ?? null;
      const matching = [...(fingerprint ? await store.issuedByFingerprint(db.kysely, fingerprint) : []), ...(serial && !fingerprint ? await store.issuedBySerial(db.kysely, serial) : [])];
      const id = await db.write(async (trx) => {
        for (const c of matching) if (!c.revoked_at) await store.updateIssued(trx, c.id, { revoked_at: at, revocation_reason: reason });
        return store.insertRevocation(trx, { serial_number: serial, fingerprint256: fingerprint, issued_certificate_id: matching[0]?.id ?? null, reason, revoked_at: at });
      });
      addRevocation({ serial_number: serial, fingerprint256: fingerprint });
      return { id, serialNumber: serial, fingerprint256: fingerprint, reason, revokedAt: at, issuedCertificateIds: matching.map((c) => c.id) };
    },

    listRevocations() {
      return store.allRevocations(db.kysely);
    },

    /** Asks the station for a new CSR now (the renewal check does this before expiry). */
    async requestRenewal(stationId: string): Promise<string> {
      if (!(await ctx.services.stations.get(stationId))) throw new StationNotFoundError(stationId);
      return transport().askForCsr(stationId);
    },

    /** One pass of the renewal check (the timer runs it every renewalCheckIntervalSeconds); the number of stations asked. */
    checkRenewals,

    // --- the inventory of installed certificates ---------------------------------------

    listInstalled(stationId: string) {
      return store.listInstalled(db.kysely, stationId);
    },

    /** What the station reported holding of one type (GetInstalledCertificateIds): the inventory of that type becomes exactly this. */
    async reportInstalled(stationId: string, type: CertificateType, reported: CertificateHashData[]): Promise<void> {
      const at = iso();
      await db.write(async (trx) => {
        const rows = await store.installedOfType(trx, stationId, type);
        const kept = new Set<number>();
        for (const h of reported) {
          const row = rows.find((r) => !kept.has(r.id) && sameCertificate(r, h));
          const fields = { hash_algorithm: h.hashAlgorithm, issuer_name_hash: h.issuerNameHash, issuer_key_hash: h.issuerKeyHash, serial_number: h.serialNumber, reported_at: at, updated_at: at };
          if (row) {
            kept.add(row.id);
            await store.updateInstalled(trx, row.id, fields);
          } else {
            kept.add(await store.insertInstalled(trx, { station_id: stationId, certificate_type: type, ...fields, pem: null, subject: null, not_after: null, installed_at: null }));
          }
        }
        await store.deleteInstalled(trx, rows.filter((r) => !kept.has(r.id)).map((r) => r.id));
      });
    },

    /** The station accepted InstallCertificate: the certificate is in its inventory (hashes SHA-256 until it reports its own). */
    async recordInstalled(stationId: string, type: CertificateType, pem: string): Promise<void> {
      const info = certificateInfo(pemCertificates(pem)[0] ?? pem);
      const h = hashDataOf(info.pem, 'SHA256');
      const at = iso();
      await db.write(async (trx) => {
        const rows = await store.installedOfType(trx, stationId, type);
        const row = rows.find((r) => sameCertificate(r, h));
        const fields = { pem: info.pem, subject: info.subject, not_after: info.notAfter, installed_at: at, updated_at: at };
        if (row) await store.updateInstalled(trx, row.id, fields);
        else await store.insertInstalled(trx, { station_id: stationId, certificate_type: type, hash_algorithm: h.hashAlgorithm, issuer_name_hash: h.issuerNameHash, issuer_key_hash: h.issuerKeyHash, serial_number: h.serialNumber, reported_at: null, ...fields });
      });
    },

    /** The station deleted (or does not hold) this certificate. */
    async recordDeleted(stationId: string, h: CertificateHashData): Promise<void> {
      await db.write(async (trx) => {
        const rows = await store.listInstalled(trx, stationId);
        await store.deleteInstalled(trx, rows.filter((r) => sameCertificate(r, h)).map((r) => r.id));
      });
    },

    /** Asks the station what it holds (both types unless one is named); the observers record the answers. */
    async refreshInstalled(stationId: string, types: readonly CertificateType[] = CERTIFICATE_TYPES) {
      if (!(await ctx.services.stations.get(stationId))) throw new StationNotFoundError(stationId);
      const statuses: Partial<Record<CertificateType, string>> = {};
      for (const t of types) statuses[t] = await transport().listInstalled(stationId, t);
      return { statuses, certificates: await store.listInstalled(db.kysely, stationId) };
    },

    /** InstallCertificate; an Accepted certificate is added to the inventory by the observer. */
    async install(stationId: string, type: CertificateType, pem: string): Promise<{ status: string; certificate: CertificateInfo }> {
      const pems = pemCertificates(pem);
      if (pems.length !== 1) throw new CertificateInputError(`certificate must be exactly one PEM certificate (got ${pems.length})`);
      let info: CertificateInfo;
      try {
        info = certificateInfo(pems[0]);
      } catch (err) {
        throw new CertificateInputError(`the certificate cannot be read: ${(err as Error).message}`);
      }
      if (!(await ctx.services.stations.get(stationId))) throw new StationNotFoundError(stationId);
      return { status: await transport().install(stationId, type, pems[0]), certificate: info };
    },

    /**
     * DeleteCertificate for an inventory entry, with the hash data the station reported
     * (M04.FR.07: its own hashAlgorithm). An entry the station never reported is looked up with
     * GetInstalledCertificateIds first. The last CentralSystemRootCertificate is kept unless forced.
     */
    async remove(stationId: string, inventoryId: number, opts: { force?: boolean } = {}): Promise<{ status: string; hashData: CertificateHashData }> {
      let row = await store.getInstalled(db.kysely, stationId, inventoryId);
      if (!row) throw new CertificateNotFoundError(`station ${stationId} has no installed certificate ${inventoryId}`);
      if (row.reported_at === null || row.issuer_key_hash === null) {
        await transport().listInstalled(stationId, row.certificate_type);
        const before = row;
        row = (await store.installedOfType(db.kysely, stationId, row.certificate_type)).find((r) => r.id === before.id);
        if (!row) throw new CertificateNotFoundError(`station ${stationId} no longer reports installed certificate ${inventoryId}`);
        if (row.issuer_key_hash === null) throw new CertificateConflictError(`station ${stationId} did not report the hashes of certificate ${inventoryId}`);
      }
      if (row.certificate_type === 'CentralSystemRootCertificate' && !opts.force) {
        const roots = await store.installedOfType(db.kysely, stationId, 'CentralSystemRootCertificate');
        if (roots.length <= 1) throw new CertificateConflictError(`certificate ${inventoryId} is station ${stationId}'s only CentralSystemRootCertificate: without it the station cannot verify the Central System; set force to delete it anyway`);
      }
      const hashData: CertificateHashData = { hashAlgorithm: row.hash_algorithm as HashAlgorithm, issuerNameHash: row.issuer_name_hash, issuerKeyHash: row.issuer_key_hash!, serialNumber: row.serial_number };
      return { status: await transport().remove(stationId, hashData), hashData };
    },
  };
  return service;
}

export type CertificatesService = ReturnType<typeof createCertificatesService>;
