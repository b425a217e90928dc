// The firmware repository (upload, list, delete) and firmware campaigns across many stations.
// A single station's update and its diagnostics are on that station's page.
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { FirmwareCampaign, FirmwareFile, Page } from '../api/types.ts';
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
  const remove = useCommand((id: number) => api(`/firmware/${id}`, { method: 'DELETE' }), [['firmware']]);
  const cancel = useCommand((id: number) => api(`/firmware-campaigns/${id}/cancel`, { method: 'POST' }), [['firmware-campaigns']]);
  return (
    <>
      <div className="page-head">
        <h1>Firmware</h1>
      </div>
      <AdminOnly>
        <Upload />
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
                      <td className="nowrap">{fmtDateTime(f.createdAt)}</td>
                      <td>
                        <AdminOnly>
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
      </Card>
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
                      <td>{files.data?.items.find((f) => f.id === c.firmwareId)?.name ?? `#${c.firmwareId}`}</td>
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

function Upload() {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const upload = useCommand(
    () => api('/firmware', { method: 'POST', query: { name: name.trim() || file!.name, version: version.trim() || undefined, filename: file!.name }, raw: { body: file!, contentType: 'application/octet-stream' } }),
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
  const create = useCommand(
    () =>
      api('/firmware-campaigns', {
        method: 'POST',
        body: {
          firmwareId: Number(firmwareId),
          stationIds: stations.split(/[\s,]+/).filter(Boolean),
          waveSize: Number(waveSize),
          failureThreshold: /^\d+$/.test(threshold.trim()) ? Number(threshold) : threshold.trim(),
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
        <button type="submit" className="primary" disabled={create.pending}>
          Start campaign
        </button>
      </form>
      <Answer result={create.result} label="Campaign" />
    </Card>
  );
}
