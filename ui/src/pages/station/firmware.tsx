// Firmware management and diagnostics of one station (OCPP 1.6 Firmware Management profile, and
// the Security Whitepaper's SignedUpdateFirmware).
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, download } from '../../api/client.ts';
import type { DiagnosticsFile, DiagnosticsStatus, FirmwareFile, FirmwareStatus, Page, Station } from '../../api/types.ts';
import { AdminOnly } from '../../lib/auth.tsx';
import { useCommand } from '../../lib/command.ts';
import { fmtBytes, fmtDateTime, fromLocalInput } from '../../lib/format.ts';
import { Answer, Badge, Card, Empty, ErrorBox, KeyValues, QueryView } from '../../components/ui.tsx';

// FirmwareStatusNotification and DiagnosticsStatusNotification raise no event: poll while shown.
const POLL_MS = 10_000;

export function StationFirmware({ station: s }: { station: Station }) {
  const id = encodeURIComponent(s.id);
  const fw = useQuery({ queryKey: ['fw-status', s.id], queryFn: ({ signal }) => api<FirmwareStatus>(`/stations/${id}/firmware-status`, { query: { limit: 10 }, signal }), refetchInterval: POLL_MS });
  const diag = useQuery({ queryKey: ['diag-status', s.id], queryFn: ({ signal }) => api<DiagnosticsStatus>(`/stations/${id}/diagnostics-status`, { query: { limit: 10 }, signal }), refetchInterval: POLL_MS });
  const files = useQuery({ queryKey: ['diag-files', s.id], queryFn: ({ signal }) => api<Page<DiagnosticsFile>>(`/stations/${id}/diagnostics`, { query: { limit: 20 }, signal }), refetchInterval: POLL_MS });
  return (
    <div className="grid-2">
      <Card title="Firmware">
        <QueryView query={fw} rows={4}>
          {(d) => (
            <>
              <KeyValues
                items={[
                  ['Installed version', d.firmwareVersion],
                  ['Latest update', d.latestUpdate ? `#${d.latestUpdate.id} requested ${fmtDateTime(d.latestUpdate.requestedAt)}` : 'none'],
                  ['Its status', d.latestUpdate ? <Badge value={d.latestUpdate.firmwareStatus ?? d.latestUpdate.commandStatus} /> : null],
                  ['Signed', d.latestUpdate ? (d.latestUpdate.signed ? `yes, requestId ${d.latestUpdate.requestId}` : 'no') : null],
                  ['Failed', d.latestUpdate?.failed ? <Badge value={d.latestUpdate.failure ?? 'failed'} tone="bad" /> : null],
                ]}
              />
              {d.timeline.length > 0 && (
                <table className="table compact">
                  <tbody>
                    {d.timeline.map((t) => (
                      <tr key={t.id}>
                        <td className="nowrap">{fmtDateTime(t.receivedAt)}</td>
                        <td>
                          <Badge value={t.status} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </QueryView>
        <AdminOnly>
          <UpdateFirmware s={s} />
        </AdminOnly>
      </Card>
      <Card title="Diagnostics">
        <QueryView query={diag} rows={3}>
          {(d) => (
            <KeyValues
              items={[
                ['Latest request', d.latestRequest ? `#${d.latestRequest.id} ${fmtDateTime(d.latestRequest.requestedAt)}` : 'none'],
                ['Its status', d.latestRequest ? <Badge value={d.latestRequest.diagnosticsStatus ?? d.latestRequest.commandStatus} /> : null],
                ['File name', d.latestRequest?.fileName],
              ]}
            />
          )}
        </QueryView>
        <h3>Uploaded files</h3>
        <QueryView query={files} rows={2} isEmpty={(d) => d.total === 0} empty="No diagnostics file uploaded yet.">
          {(d) => (
            <table className="table compact">
              <tbody>
                {d.items.map((f) => (
                  <tr key={f.id}>
                    <td className="mono">{f.filename}</td>
                    <td className="num">{fmtBytes(f.sizeBytes)}</td>
                    <td className="nowrap">{fmtDateTime(f.uploadedAt)}</td>
                    <td>
                      <button type="button" className="link" onClick={() => void download(`/diagnostics/${f.id}/content`, undefined, f.filename)}>
                        Download
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
        <AdminOnly>
          <RequestDiagnostics s={s} />
        </AdminOnly>
      </Card>
    </div>
  );
}

function UpdateFirmware({ s }: { s: Station }) {
  const repo = useQuery({ queryKey: ['firmware', 'all'], queryFn: ({ signal }) => api<Page<FirmwareFile>>('/firmware', { query: { limit: 200 }, signal }) });
  const [firmwareId, setFirmwareId] = useState('');
  const [location, setLocation] = useState('');
  const [retrieveDate, setRetrieveDate] = useState('');
  const [signed, setSigned] = useState(false);
  const [installDate, setInstallDate] = useState('');
  const [signature, setSignature] = useState('');
  const [certificate, setCertificate] = useState('');
  const chosen = repo.data?.items.find((f) => String(f.id) === firmwareId);
  const c = useCommand(
    () =>
      api(`/stations/${encodeURIComponent(s.id)}/firmware-update`, {
        method: 'POST',
        body: {
          ...(firmwareId ? { firmwareId: Number(firmwareId) } : { location }),
          ...(retrieveDate ? { retrieveDate: fromLocalInput(retrieveDate) } : {}),
          ...(signed
            ? {
                signed: true,
                ...(installDate ? { installDate: fromLocalInput(installDate) } : {}),
                ...(firmwareId ? {} : { signature: signature.trim(), signingCertificate: certificate.trim() }),
              }
            : {}),
        },
      }),
    [['fw-status', s.id]],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void c.run(undefined);
  };
  return (
    <form className="action-form" onSubmit={submit}>
      <h3>Update firmware</h3>
      <label>
        From the repository
        <select value={firmwareId} onChange={(e) => setFirmwareId(e.target.value)}>
          <option value="">— or give a URL below —</option>
          {repo.data?.items.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name} {f.version ?? ''} ({f.filename}){f.signature ? ' · signed' : ''}
            </option>
          ))}
        </select>
      </label>
      {!firmwareId && (
        <label>
          Location (URL the charger downloads)
          <input type="url" required value={location} onChange={(e) => setLocation(e.target.value)} placeholder="https://…" />
        </label>
      )}
      <label>
        Retrieve at (optional)
        <input type="datetime-local" value={retrieveDate} onChange={(e) => setRetrieveDate(e.target.value)} />
      </label>
      <label className="check" title="SignedUpdateFirmware (Security Whitepaper): the charger verifies the signature before installing">
        <input type="checkbox" checked={signed} onChange={(e) => setSigned(e.target.checked)} /> Signed update
      </label>
      {signed && chosen && !chosen.signature && <p className="danger-text small">This image has no signature: sign it or store the vendor&apos;s on the Firmware page.</p>}
      {signed && (
        <label>
          Install at (optional)
          <input type="datetime-local" value={installDate} onChange={(e) => setInstallDate(e.target.value)} />
        </label>
      )}
      {signed && !firmwareId && (
        <>
          <label>
            Signature (base64)
            <textarea required rows={3} maxLength={800} value={signature} onChange={(e) => setSignature(e.target.value)} className="mono" />
          </label>
          <label>
            Signing certificate (PEM)
            <textarea required rows={5} maxLength={5500} value={certificate} onChange={(e) => setCertificate(e.target.value)} className="mono" />
          </label>
        </>
      )}
      <button type="submit" className="primary" disabled={!s.connected || c.pending}>
        {signed ? 'Send SignedUpdateFirmware' : 'Send UpdateFirmware'}
      </button>
      {repo.isError && <ErrorBox error={repo.error} />}
      <Answer result={c.result} label="Update" />
    </form>
  );
}

function RequestDiagnostics({ s }: { s: Station }) {
  const c = useCommand(() => api(`/stations/${encodeURIComponent(s.id)}/diagnostics`, { method: 'POST', body: {} }), [['diag-status', s.id]]);
  return (
    <div className="action-form">
      <h3>Request diagnostics</h3>
      <p className="muted small">GetDiagnostics: the charger uploads its diagnostics to Plugboard.</p>
      {!s.connected && <Empty>The station is offline.</Empty>}
      <button type="button" className="primary" disabled={!s.connected || c.pending} onClick={() => void c.run(undefined)}>
        Send GetDiagnostics
      </button>
      <Answer result={c.result} label="Request" />
    </div>
  );
}
