// The station's certificates (Security Whitepaper): the client certificates Plugboard issued to it
// (renew, revoke), its CSRs, and the root certificates it holds (refresh, install, delete).
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { CertificateRequest, CertificateType, InstalledCertificate, IssuedCertificate, Station } from '../../api/types.ts';
import { AdminOnly } from '../../lib/auth.tsx';
import { useCommand } from '../../lib/command.ts';
import { fmtDate, fmtDateTime } from '../../lib/format.ts';
import { Answer, Badge, Card, Empty, QueryView } from '../../components/ui.tsx';

const STATUS_TONE: Record<string, string> = { valid: 'ok', expired: 'warn', revoked: 'bad', accepted: 'ok', rejected: 'bad', failed: 'bad', pending: 'warn', sending: 'mute' };
const TYPES: CertificateType[] = ['CentralSystemRootCertificate', 'ManufacturerRootCertificate'];
const short = (hex: string) => (hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex);

export function StationCertificates({ station: s }: { station: Station }) {
  const id = encodeURIComponent(s.id);
  const issued = useQuery({ queryKey: ['certificates', s.id, 'issued'], queryFn: ({ signal }) => api<{ items: IssuedCertificate[] }>(`/stations/${id}/certificates/issued`, { signal }) });
  const requests = useQuery({ queryKey: ['certificates', s.id, 'requests'], queryFn: ({ signal }) => api<{ items: CertificateRequest[] }>('/certificate-requests', { query: { stationId: s.id, limit: 10 }, signal }) });
  const installed = useQuery({ queryKey: ['certificates', s.id, 'installed'], queryFn: ({ signal }) => api<{ items: InstalledCertificate[] }>(`/stations/${id}/certificates/installed`, { signal }) });
  const keys = [['certificates', s.id]];
  const renew = useCommand(() => api(`/stations/${id}/certificates/renew`, { method: 'POST' }), keys);
  const revoke = useCommand((certId: number) => api(`/certificates/issued/${certId}/revoke`, { method: 'POST', body: { reason: 'revoked from the dashboard' } }), keys);
  const refresh = useCommand(() => api(`/stations/${id}/certificates/installed/refresh`, { method: 'POST', body: {} }), keys);
  const remove = useCommand((certId: number) => api(`/stations/${id}/certificates/installed/${certId}`, { method: 'DELETE' }), keys);
  return (
    <div className="grid-2">
      <Card
        title="Station certificates"
        actions={
          <AdminOnly>
            <button type="button" disabled={!s.connected || renew.pending} title="ExtendedTriggerMessage SignChargePointCertificate" onClick={() => void renew.run(undefined)}>
              Renew now
            </button>
          </AdminOnly>
        }
      >
        <QueryView query={issued} isEmpty={(d) => d.items.length === 0} empty={<Empty>No certificate issued to this station yet.</Empty>}>
          {(d) => (
            <table className="table compact">
              <thead>
                <tr>
                  <th>Serial</th>
                  <th>Subject</th>
                  <th>Valid until</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {d.items.map((c) => (
                  <tr key={c.id}>
                    <td className="mono" title={`${c.serialNumber}\nSHA-256 ${c.fingerprint256}`}>
                      {short(c.serialNumber)}
                    </td>
                    <td>{c.subject}</td>
                    <td title={fmtDateTime(c.notAfter)}>{fmtDate(c.notAfter)}</td>
                    <td>
                      <Badge value={c.status} tone={STATUS_TONE[c.status]} title={c.revocationReason ?? undefined} />
                    </td>
                    <td>
                      {c.status !== 'revoked' && (
                        <AdminOnly>
                          <button type="button" className="link danger-text" disabled={revoke.pending} onClick={() => confirm(`Revoke certificate ${c.serialNumber}? The station can no longer connect with it.`) && void revoke.run(c.id)}>
                            Revoke
                          </button>
                        </AdminOnly>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
        <Answer result={renew.result ?? revoke.result} label="Result" />
        {requests.data && requests.data.items.length > 0 && (
          <details>
            <summary>Recent CSRs ({requests.data.items.length})</summary>
            <table className="table compact">
              <tbody>
                {requests.data.items.map((r) => (
                  <tr key={r.id}>
                    <td>{fmtDateTime(r.createdAt)}</td>
                    <td>{r.subject}</td>
                    <td>{r.keyType}</td>
                    <td>
                      <Badge value={r.status} tone={STATUS_TONE[r.status]} title={r.error ?? undefined} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        )}
      </Card>
      <Card
        title="Installed root certificates"
        actions={
          <AdminOnly>
            <button type="button" disabled={!s.connected || refresh.pending} title="GetInstalledCertificateIds" onClick={() => void refresh.run(undefined)}>
              Refresh
            </button>
          </AdminOnly>
        }
      >
        <QueryView query={installed} isEmpty={(d) => d.items.length === 0} empty={<Empty>None known. Refresh asks the station.</Empty>}>
          {(d) => (
            <table className="table compact">
              <thead>
                <tr>
                  <th>Type</th>
                  <th>Certificate</th>
                  <th>Reported</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {d.items.map((c) => (
                  <tr key={c.id}>
                    <td>{c.certificateType === 'CentralSystemRootCertificate' ? 'Central System root' : 'Manufacturer root'}</td>
                    <td title={`serial ${c.serialNumber}\n${c.hashAlgorithm} issuer name ${c.issuerNameHash}`}>
                      {c.subject ?? <span className="mono">serial {short(c.serialNumber)}</span>}
                      {c.notAfter && <div className="muted">until {fmtDate(c.notAfter)}</div>}
                    </td>
                    <td>{c.reportedAt ? fmtDateTime(c.reportedAt) : 'not yet'}</td>
                    <td>
                      <AdminOnly>
                        <button type="button" className="link danger-text" disabled={!s.connected || remove.pending} onClick={() => confirm('Delete this certificate from the station (DeleteCertificate)?') && void remove.run(c.id)}>
                          Delete
                        </button>
                      </AdminOnly>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
        <Answer result={refresh.result ?? remove.result} label="Charger answered" />
        <AdminOnly>
          <Install s={s} />
        </AdminOnly>
      </Card>
    </div>
  );
}

function Install({ s }: { s: Station }) {
  const [type, setType] = useState<CertificateType>('CentralSystemRootCertificate');
  const [pem, setPem] = useState('');
  const install = useCommand(() => api(`/stations/${encodeURIComponent(s.id)}/certificates/installed`, { method: 'POST', body: { certificateType: type, certificate: pem } }), [['certificates', s.id]]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void install.run(undefined);
  };
  return (
    <details>
      <summary>Install a certificate</summary>
      <form className="action-form" onSubmit={submit}>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value as CertificateType)}>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          PEM certificate
          <textarea required rows={6} className="mono" placeholder="-----BEGIN CERTIFICATE-----" value={pem} onChange={(e) => setPem(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={!s.connected || install.pending}>
          Install (InstallCertificate)
        </button>
      </form>
      <Answer result={install.result} />
    </details>
  );
}
