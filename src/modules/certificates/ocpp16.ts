// OCPP 1.6 (Security Whitepaper ed. 3) for the certificates service: SignCertificate in,
// CertificateSigned / ExtendedTriggerMessage(SignChargePointCertificate) / InstallCertificate /
// DeleteCertificate / GetInstalledCertificateIds out, and the command observers that keep the
// inventory true whichever route sent the command (the generic /ocpp/{action} endpoint too).
import type { AppContext } from '../../context.ts';
import type { StationCertificateProtocol } from './service.ts';
import type { CertificateHashData } from './x509.ts';

const ORIGIN = 'certificates';
const MAX_CHAIN_KEY = 'CertificateSignedMaxChainSize';

function chainSize(value: string | undefined): number | null {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return null;
  const n = Number(value);
  return n > 0 && n <= 10_000 ? n : null;
}

export function registerOcpp16(ctx: AppContext): () => void {
  const certs = () => ctx.services.certificates;
  const stations = ctx.services.stations;
  /** CertificateSignedMaxChainSize (Security Whitepaper configuration key) as stations last reported or accepted it. */
  const maxChain = new Map<string, number>();

  // A02.FR.11/12: Accepted when the CSR will be processed, Rejected when it cannot be.
  ctx.ocpp16.on('SignCertificate', async (req, session) => {
    const outcome = await certs().receiveCsr(session.stationId, req.csr);
    return { status: outcome.status };
  });

  const protocol: StationCertificateProtocol = {
    async sendChain(stationId, chainPem) {
      return (await stations.sendCommand(stationId, 'CertificateSigned', { certificateChain: chainPem }, { origin: ORIGIN })).status;
    },
    async askForCsr(stationId) {
      // TC_074: connectorId omitted.
      return (await stations.sendCommand(stationId, 'ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }, { origin: ORIGIN })).status;
    },
    async install(stationId, type, pem) {
      return (await stations.sendCommand(stationId, 'InstallCertificate', { certificateType: type, certificate: pem }, { origin: ORIGIN })).status;
    },
    async remove(stationId, hash) {
      return (await stations.sendCommand(stationId, 'DeleteCertificate', { certificateHashData: hash }, { origin: ORIGIN })).status;
    },
    async listInstalled(stationId, type) {
      return (await stations.sendCommand(stationId, 'GetInstalledCertificateIds', { certificateType: type }, { origin: ORIGIN })).status;
    },
    maxChainSize(stationId) {
      return maxChain.get(stationId) ?? null;
    },
  };
  certs().useProtocol(protocol);

  const unobserve = [
    stations.observeCommand('GetConfiguration', (c) => {
      if (!c.outcome.ok) return;
      const entry = c.outcome.response.configurationKey?.find((k) => k.key === MAX_CHAIN_KEY);
      const n = chainSize(entry?.value);
      if (n !== null) maxChain.set(c.stationId, n);
    }),
    stations.observeCommand('ChangeConfiguration', (c) => {
      if (!c.outcome.ok || c.outcome.response.status !== 'Accepted' || c.request.key !== MAX_CHAIN_KEY) return;
      const n = chainSize(c.request.value);
      if (n !== null) maxChain.set(c.stationId, n);
    }),
    stations.observeCommand('GetInstalledCertificateIds', async (c) => {
      if (!c.outcome.ok) return;
      const { status, certificateHashData } = c.outcome.response;
      await certs().reportInstalled(c.stationId, c.request.certificateType, status === 'Accepted' ? ((certificateHashData ?? []) as CertificateHashData[]) : []);
    }),
    stations.observeCommand('InstallCertificate', async (c) => {
      if (!c.outcome.ok || c.outcome.response.status !== 'Accepted') return;
      await certs().recordInstalled(c.stationId, c.request.certificateType, c.request.certificate);
    }),
    stations.observeCommand('DeleteCertificate', async (c) => {
      if (!c.outcome.ok || c.outcome.response.status === 'Failed') return;
      // Accepted: deleted; NotFound: the station does not hold it (any more).
      await certs().recordDeleted(c.stationId, c.request.certificateHashData as CertificateHashData);
    }),
  ];
  return () => unobserve.forEach((u) => u());
}
