// A charge point that does the Security Whitepaper's certificate handling, as the OCTT's does:
// on ExtendedTriggerMessage(SignChargePointCertificate) it answers Accepted and then sends a
// SignCertificate with a CSR made by openssl for its key; it keeps the chains it is sent
// (CertificateSigned) and a store of installed root certificates that InstallCertificate,
// DeleteCertificate and GetInstalledCertificateIds work on, with the hash algorithm it chooses.
import { createHash, X509Certificate } from 'node:crypto';
import type { TestApp } from '../helpers/app.ts';
import type { SimulatedCharger, SimulatorOptions } from '../../src/simulator/charger.ts';
import { opensslCsr, opensslKey, type KeySpec } from '../helpers/openssl-pki.ts';
import { certificateFields } from '../../src/modules/certificates/der.ts';

export interface Installed {
  type: string;
  pem: string;
}

export interface CertificateStationOptions {
  serialNumber: string;
  /** the CSR subject; default /CN={serialNumber} */
  subject?: string;
  keySpec?: KeySpec;
  /** the hash algorithm it reports in GetInstalledCertificateIds */
  hashAlgorithm?: 'SHA256' | 'SHA384' | 'SHA512';
  /** the answer to CertificateSigned */
  certificateSignedStatus?: 'Accepted' | 'Rejected';
}

const HASH = { SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' } as const;

/** certificateHashData as a charger computes it (OCSP CertID fields), for a self-signed root. */
export function chargerHashData(pem: string, alg: 'SHA256' | 'SHA384' | 'SHA512') {
  const f = certificateFields(new X509Certificate(pem).raw);
  const h = (b: Buffer) => createHash(HASH[alg]).update(b).digest('hex');
  return { hashAlgorithm: alg, issuerNameHash: h(f.issuer), issuerKeyHash: h(f.publicKeyBits), serialNumber: f.serial.toString('hex').replace(/^0+/, '') };
}

export function certificateStation(o: CertificateStationOptions) {
  const keyPem = opensslKey(o.keySpec ?? 'ec-p256');
  const subject = o.subject ?? `/CN=${o.serialNumber}`;
  const alg = o.hashAlgorithm ?? 'SHA256';
  const chains: string[] = [];
  const installed: Installed[] = [];
  const csrAnswers: unknown[] = [];
  let cp: SimulatedCharger;
  const matches = (i: Installed, d: { hashAlgorithm: 'SHA256' | 'SHA384' | 'SHA512'; issuerNameHash: string; issuerKeyHash: string; serialNumber: string }) => {
    const mine = chargerHashData(i.pem, d.hashAlgorithm);
    return mine.issuerNameHash === d.issuerNameHash && mine.issuerKeyHash === d.issuerKeyHash && mine.serialNumber === d.serialNumber.toLowerCase().replace(/^0+/, '');
  };
  const handlers: SimulatorOptions['handlers'] = {
    ExtendedTriggerMessage: (p: { requestedMessage: string; connectorId?: number }) => {
      if (p.requestedMessage !== 'SignChargePointCertificate') return { status: 'NotImplemented' };
      setImmediate(() => {
        cp.call('SignCertificate', { csr: opensslCsr(keyPem, subject) }).then(
          (a) => csrAnswers.push(a),
          (e) => csrAnswers.push(e),
        );
      });
      return { status: 'Accepted' };
    },
    CertificateSigned: (p: { certificateChain: string }) => {
      chains.push(p.certificateChain);
      return { status: o.certificateSignedStatus ?? 'Accepted' };
    },
    InstallCertificate: (p: { certificateType: string; certificate: string }) => {
      try {
        new X509Certificate(p.certificate);
      } catch {
        return { status: 'Rejected' };
      }
      installed.push({ type: p.certificateType, pem: p.certificate });
      return { status: 'Accepted' };
    },
    GetInstalledCertificateIds: (p: { certificateType: string }) => {
      const mine = installed.filter((i) => i.type === p.certificateType);
      return mine.length === 0 ? { status: 'NotFound' } : { status: 'Accepted', certificateHashData: mine.map((i) => chargerHashData(i.pem, alg)) };
    },
    DeleteCertificate: (p: { certificateHashData: { hashAlgorithm: 'SHA256' | 'SHA384' | 'SHA512'; issuerNameHash: string; issuerKeyHash: string; serialNumber: string } }) => {
      const i = installed.findIndex((c) => matches(c, p.certificateHashData));
      if (i < 0) return { status: 'NotFound' };
      installed.splice(i, 1);
      return { status: 'Accepted' };
    },
  };
  return {
    keyPem,
    chains,
    installed,
    csrAnswers,
    handlers,
    /** connects and boots with its serial number (the CSR's CN is checked against it) */
    async connect(app: TestApp, stationId: string, opts: Partial<SimulatorOptions> = {}): Promise<SimulatedCharger> {
      cp = app.charger(stationId, { handlers, ...opts });
      await cp.connect();
      const boot = await cp.boot({ chargePointSerialNumber: o.serialNumber });
      if (boot.status !== 'Accepted') throw new Error(`${stationId} was not Accepted`);
      return cp;
    },
    /** sends SignCertificate itself (not triggered) and returns the answer */
    signCertificate(csr = opensslCsr(keyPem, subject)) {
      return cp.call('SignCertificate', { csr });
    },
  };
}
