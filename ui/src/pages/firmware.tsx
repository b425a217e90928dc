// The firmware repository (upload, list, delete, signatures) and firmware campaigns across many
// stations. A single station's update and its diagnostics are on that station's page.
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { FirmwareCampaign, FirmwareFile, FirmwareSigning, Page } from '../api/types.ts';
import { AdminOnly } from '../lib/auth.tsx';
import { useCommand } from '../lib/command.ts';
import { fmtBytes, fmtDateTime, fmtInt } from '../lib/format.ts';
import { Answer, Badge, Card, ErrorBox, QueryView } from '../components/ui.tsx';

export function Firmware() {
  const files = useQuery({ queryKey: ['firmware', 'all'], queryFn: ({ signal }) => api<Page<FirmwareFile>>('/firmware', { query: { limit: 200 }, signal }) });
  const campaigns = useQuery({
    queryKey: ['firmware-campaigns'],
    queryFn: ({ signal }) => api<Page<FirmwareCampaign>>('/firmware-campaigns', { query: { limit: 50 }, signal }),
    // Campaign progress raises no event of its own: poll while the page is open.
    refetchInterval: 10_000,
  });
  const signing = useQuery({ queryKey: ['firmware-signing'], queryFn: ({ signal }) => api<FirmwareSigning>('/firmware-signing', { signal }) });
  const canSign = signing.data?.usable === true;
  const remove = useCommand((id: number) => api(`/firmware/${id}`, { method: 'DELETE' }), [['firmware']]);
  const sign = useCommand((id: number) => api(`/firmware/${id}/sign`, { method: 'POST' }), [['firmware']]);
  const cancel = useCommand((id: number) => api(`/firmware-campaigns/${id}/cancel`, { method: 'POST' }), [['firmware-campaigns']]);
  return (
    <>
      <div className="page-head">
        <h1>Firmware</h1>
      </div>
      <AdminOnly>
        <Upload canSign={canSign} signingProblem={signing.data?.problem ?? null} />
      </AdminOnly>
      <Card title="Repository">
        <QueryView query={files} rows={3} isEmpty={(d) => d.total === 0} empty="No firmware uploaded yet.">
          {(d) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Name</th>
                    <th>Version</th>
                    <th>File</th>
                    <th className="num">Size</th>
                    <th>SHA-256</th>
                    <th>Signature</th>
                    <th>Uploaded</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((f) => (
                    <tr key={f.id}>
                      <td>{f.id}</td>
                      <td className="strong">{f.name}</td>
                      <td>{f.version ?? '—'}</td>
                      <td className="mono">{f.filename}</td>
                      <td className="num">{fmtBytes(f.sizeBytes)}</td>
                      <td className="mono small" title={f.sha256}>
                        {f.sha256.slice(0, 12)}…
                      </td>
                      <td>
                        <SignatureBadge f={f} />
                      </td>
                      <td className="nowrap">{fmtDateTime(f.createdAt)}</td>
                      <td className="nowrap">
                        <AdminOnly>
                          {canSign && (
                            <button type="button" className="link" disabled={sign.pending} onClick={() => void sign.run(f.id)} title="sign the image with Plugboard's firmware signing key">
                              Sign
                            </button>
                          )}{' '}
                          <button type="button" className="link danger-text" disabled={remove.pending} onClick={() => confirm(`Delete ${f.filename}? Its download URL stops working.`) && void remove.run(f.id)}>
                            Delete
                          </button>
                        </AdminOnly>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
        {remove.result && !remove.result.ok && <ErrorBox error={remove.result.error} />}
        {sign.result && !sign.result.ok && <ErrorBox error={sign.result.error} />}
      </Card>
      <AdminOnly>{files.data && files.data.total > 0 && <VendorSignature files={files.data.items} />}</AdminOnly>
      <AdminOnly>{files.data && files.data.total > 0 && <NewCampaign files={files.data.items} />}</AdminOnly>
      <Card title="Campaigns">
        <QueryView query={campaigns} rows={3} isEmpty={(d) => d.total === 0} empty="No firmware campaign yet.">
          {(d) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Firmware</th>
                    <th>Status</th>
                    <th>Wave</th>
                    <th>Progress</th>
                    <th>Started</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((c) => (
                    <tr key={c.id}>
                      <td>{c.id}</td>
                      <td>
                        {files.data?.items.find((f) => f.id === c.firmwareId)?.name ?? `#${c.firmwareId}`} {c.signed && <Badge value="signed" tone="ok" title="SignedUpdateFirmware" />}
                      </td>
                      <td>
                        <Badge value={c.status} />
                        {c.stopReason && <div className="muted small">{c.stopReason}</div>}
                      </td>
                      <td>
                        {c.currentWave} (× {c.waveSize})
                      </td>
                      <td className="small">
                        {fmtInt(c.counts.installed)} installed · {fmtInt(c.counts.updating)} updating · {fmtInt(c.counts.pending)} pending · {fmtInt(c.counts.failed + c.counts.timed_out)} failed of {fmtInt(c.counts.total)}
                      </td>
                      <td className="nowrap">{fmtDateTime(c.createdAt)}</td>
                      <td>
                        {c.status === 'running' && (
                          <AdminOnly>
                            <button type="button" className="danger" disabled={cancel.pending} onClick={() => void cancel.run(c.id)}>
                              Cancel
                            </button>
                          </AdminOnly>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
        {cancel.result && !cancel.result.ok && <ErrorBox error={cancel.result.error} />}
      </Card>
    </>
  );
}

/** Who signed the image, and whether Plugboard checked it. */
function SignatureBadge({ f }: { f: FirmwareFile }) {
  const sig = f.signature;
  if (!sig) return <Badge value="unsigned" tone="mute" />;
  const title = `${sig.certificate.subject} · serial ${sig.certificate.serialNumber} · valid to ${fmtDateTime(sig.certificate.validTo)}`;
  if (sig.source === 'plugboard') return <Badge value="signed · Plugboard" tone="ok" title={title} />;
  return sig.verified ? <Badge value="signed · vendor" tone="ok" title={title} /> : <Badge value="vendor · unverified" tone="warn" title={`${title} · stored without verification`} />;
}

function Upload({ canSign, signingProblem }: { canSign: boolean; signingProblem: string | null }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [sign, setSign] = useState(false);
  const upload = useCommand(
    () =>
      api('/firmware', {
        method: 'POST',
        query: { name: name.trim() || file!.name, version: version.trim() || undefined, filename: file!.name, sign: sign && canSign ? true : undefined },
        raw: { body: file!, contentType: 'application/octet-stream' },
      }),
    [['firmware']],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (file) void upload.run(undefined);
  };
  return (
    <Card title="Upload firmware">
      <form className="inline-form" onSubmit={submit}>
        <label>
          File
          <input type="file" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          Name
          <input value={name} maxLength={200} onChange={(e) => setName(e.target.value)} placeholder="the file name" />
        </label>
        <label>
          Version
          <input value={version} maxLength={100} onChange={(e) => setVersion(e.target.value)} />
        </label>
        <label className="check" title={canSign ? "sign the image with Plugboard's firmware signing key" : (signingProblem ?? undefined)}>
          <input type="checkbox" checked={sign && canSign} disabled={!canSign} onChange={(e) => setSign(e.target.checked)} /> Sign with Plugboard&apos;s key
        </label>
        <button type="submit" className="primary" disabled={!file || upload.pending}>
          {upload.pending ? 'Uploading…' : 'Upload'}
        </button>
      </form>
      {upload.result && !upload.result.ok && <ErrorBox error={upload.result.error} />}
      {upload.result?.ok && <p className="ok-text">Uploaded.</p>}
    </Card>
  );
}

function NewCampaign({ files }: { files: FirmwareFile[] }) {
  const [firmwareId, setFirmwareId] = useState(String(files[0].id));
  const [stations, setStations] = useState('');
  const [waveSize, setWaveSize] = useState('10');
  const [threshold, setThreshold] = useState('10%');
  const [signed, setSigned] = useState(false);
  const create = useCommand(
    () =>
      api('/firmware-campaigns', {
        method: 'POST',
        body: {
          firmwareId: Number(firmwareId),
          stationIds: stations.split(/[\s,]+/).filter(Boolean),
          waveSize: Number(waveSize),
          failureThreshold: /^\d+$/.test(threshold.trim()) ? Number(threshold) : threshold.trim(),
          ...(signed ? { signed: true } : {}),
        },
      }),
    [['firmware-campaigns']],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run(undefined);
  };
  return (
    <Card title="Roll out to many stations">
      <form className="inline-form" onSubmit={submit}>
        <label>
          Firmware
          <select value={firmwareId} onChange={(e) => setFirmwareId(e.target.value)}>
            {files.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name} {f.version ?? ''}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          Stations (ids, comma-separated)
          <input required value={stations} onChange={(e) => setStations(e.target.value)} />
        </label>
        <label>
          Wave size
          <input type="number" min={1} required value={waveSize} onChange={(e) => setWaveSize(e.target.value)} />
        </label>
        <label>
          Stop after failures
          <input required value={threshold} onChange={(e) => setThreshold(e.target.value)} title="a count (3) or a percentage (10%)" />
        </label>
        <label className="check" title="SignedUpdateFirmware with the file's stored signature (Security Whitepaper)">
          <input type="checkbox" checked={signed} onChange={(e) => setSigned(e.target.checked)} /> Signed update
        </label>
        <button type="submit" className="primary" disabled={create.pending}>
          Start campaign
        </button>
      </form>
      <Answer result={create.result} label="Campaign" />
    </Card>
  );
}

/** Stores a vendor's signature (base64) and signing certificate (PEM) with an image; Plugboard verifies it against the image. */
function VendorSignature({ files }: { files: FirmwareFile[] }) {
  const [firmwareId, setFirmwareId] = useState(String(files[0].id));
  const [signature, setSignature] = useState('');
  const [certificate, setCertificate] = useState('');
  const [unverified, setUnverified] = useState(false);
  const store = useCommand(
    () => api(`/firmware/${firmwareId}/signature`, { method: 'PUT', body: { signature: signature.trim(), signingCertificate: certificate.trim(), ...(unverified ? { unverified: true } : {}) } }),
    [['firmware']],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void store.run(undefined);
  };
  return (
    <Card title="Vendor signature">
      <form className="action-form" onSubmit={submit}>
        <p className="muted small">The vendor&apos;s signature of the image (base64; SHA-256 with RSA or ECDSA) and its signing certificate (PEM), sent with SignedUpdateFirmware.</p>
        <label>
          Image
          <select value={firmwareId} onChange={(e) => setFirmwareId(e.target.value)}>
            {files.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name} {f.version ?? ''} ({f.filename})
              </option>
            ))}
          </select>
        </label>
        <label>
          Signature (base64)
          <textarea required rows={3} maxLength={800} value={signature} onChange={(e) => setSignature(e.target.value)} className="mono" />
        </label>
        <label>
          Signing certificate (PEM)
          <textarea required rows={6} maxLength={5500} value={certificate} onChange={(e) => setCertificate(e.target.value)} className="mono" placeholder="-----BEGIN CERTIFICATE-----" />
        </label>
        <label className="check" title="for a vendor scheme Plugboard cannot check; the charger still verifies it">
          <input type="checkbox" checked={unverified} onChange={(e) => setUnverified(e.target.checked)} /> Store without verifying
        </label>
        <button type="submit" className="primary" disabled={store.pending}>
          Store signature
        </button>
      </form>
      {store.result && !store.result.ok && <ErrorBox error={store.result.error} />}
      {store.result?.ok && <p className="ok-text">Signature stored.</p>}
    </Card>
  );
}
