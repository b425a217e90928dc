// Stations: the fleet table with search and filters and live connector states, the stations
// waiting to be accepted, and the identities that tried to connect without being registered.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import { useStations, useUnknownStations } from '../api/queries.ts';
import type { Station, UnknownStation } from '../api/types.ts';
import { AdminOnly } from '../lib/auth.tsx';
import { useCommand } from '../lib/command.ts';
import { fmtAgo, fmtInt, fmtWhen } from '../lib/format.ts';
import { Link, setParams, stationPath, useLocation } from '../lib/router.tsx';
import { useNow } from '../lib/stream.tsx';
import { useTextParam } from '../lib/params.ts';
import { Badge, Card, Empty, ErrorBox, Loading, Online, Pager, QueryView } from '../components/ui.tsx';
import { ConnectorChips } from '../components/connectors.tsx';
import { effectiveStatusOf } from '../lib/connector-status.ts';
import { CONNECTOR_STATUSES } from '../components/status-bar.tsx';

const FETCH_LIMIT = 1000;
const PAGE = 50;

export function Stations() {
  useNow(30_000);
  const { params } = useLocation();
  const [search, setSearch, debounced] = useTextParam('search');
  const registrationStatus = params.get('registrationStatus') ?? '';
  const online = params.get('online') ?? '';
  const vendor = params.get('vendor') ?? '';
  const model = params.get('model') ?? '';
  const connectorStatus = params.get('connectorStatus') ?? '';
  const [offset, setOffset] = useState(0);
  useEffect(() => setOffset(0), [debounced, registrationStatus, online, vendor, model, connectorStatus]);

  // The server filters by text, registration and connection; vendor, model and connector status
  // are refined here over up to FETCH_LIMIT stations (the API has no exact vendor filter).
  const query = useStations({ search: debounced, registrationStatus, connected: online === '' ? undefined : online === 'online', limit: FETCH_LIMIT, sort: 'id' });
  const all = query.data?.items ?? [];
  const vendors = useMemo(() => [...new Set(all.map((s) => s.vendor).filter(Boolean) as string[])].sort(), [all]);
  const models = useMemo(() => [...new Set(all.filter((s) => !vendor || s.vendor === vendor).map((s) => s.model).filter(Boolean) as string[])].sort(), [all, vendor]);
  const rows = all.filter(
    (s) => (!vendor || s.vendor === vendor) && (!model || s.model === model) && (!connectorStatus || s.connectors.some((c) => c.connectorId > 0 && effectiveStatusOf(c) === connectorStatus)),
  );

  return (
    <>
      <div className="page-head">
        <h1>Stations</h1>
        <AdminOnly>
          <AddStation />
        </AdminOnly>
      </div>
      <PendingStations />
      <div className="filters">
        <input type="search" placeholder="Search id, vendor, model" aria-label="Search stations" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Registration status" value={registrationStatus} onChange={(e) => setParams({ registrationStatus: e.target.value })}>
          <option value="">Any registration</option>
          <option>Accepted</option>
          <option>Pending</option>
          <option>Rejected</option>
        </select>
        <select aria-label="Connection" value={online} onChange={(e) => setParams({ online: e.target.value })}>
          <option value="">Online or offline</option>
          <option value="online">Online</option>
          <option value="offline">Offline</option>
        </select>
        <select aria-label="Vendor" value={vendor} onChange={(e) => setParams({ vendor: e.target.value, model: null })}>
          <option value="">Any vendor</option>
          {vendors.map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
        <select aria-label="Model" value={model} onChange={(e) => setParams({ model: e.target.value })}>
          <option value="">Any model</option>
          {models.map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
        <select aria-label="Connector status" value={connectorStatus} onChange={(e) => setParams({ connectorStatus: e.target.value })}>
          <option value="">Any connector status</option>
          {CONNECTOR_STATUSES.map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
      </div>
      <Card>
        <QueryView query={query} rows={6} isEmpty={() => rows.length === 0} empty={all.length === 0 && !debounced && !registrationStatus && !online ? 'No station is registered yet. Chargers that connect appear here (or under unknown stations below).' : 'No station matches these filters.'}>
          {(data) => (
            <>
              <StationTable stations={rows.slice(offset, offset + PAGE)} />
              <Pager total={rows.length} limit={PAGE} offset={offset} onChange={setOffset} />
              {data.total > FETCH_LIMIT && <p className="muted small">Showing the first {fmtInt(FETCH_LIMIT)} of {fmtInt(data.total)} stations: narrow the search.</p>}
            </>
          )}
        </QueryView>
      </Card>
      <UnknownStations />
    </>
  );
}

function StationTable({ stations }: { stations: Station[] }) {
  return (
    <div className="table-wrap">
      <table className="table stations-table">
        <thead>
          <tr>
            <th>Station</th>
            <th>Connection</th>
            <th>Vendor / model</th>
            <th>Connectors</th>
            <th>Last seen</th>
            <th>Registration</th>
          </tr>
        </thead>
        <tbody>
          {stations.map((s) => (
            <tr key={s.id} data-station={s.id}>
              <td>
                <Link to={stationPath(s.id)} className="strong">
                  {s.id}
                </Link>
                <div className="muted small">{s.firmwareVersion ? `fw ${s.firmwareVersion}` : '\u00a0'}</div>
              </td>
              <td>
                <Online connected={s.connected} />
              </td>
              <td>
                {s.vendor ?? '—'}
                <div className="muted small">{s.model ?? '\u00a0'}</div>
              </td>
              <td>
                <ConnectorChips connectors={s.connectors} />
              </td>
              <td title={fmtWhen(s.lastSeenAt)}>{fmtAgo(s.lastSeenAt)}</td>
              <td>
                <Badge value={s.registrationStatus} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PendingStations() {
  const pending = useStations({ registrationStatus: 'Pending', limit: 100, sort: '-lastSeenAt' });
  const decide = useCommand(({ id, verdict }: { id: string; verdict: 'accept' | 'reject' }) => api(`/stations/${encodeURIComponent(id)}/${verdict}`, { method: 'POST' }), [['stations'], ['overview']]);
  if (!pending.data || pending.data.total === 0) return null;
  return (
    <Card title={`Waiting for acceptance (${fmtInt(pending.data.total)})`} className="attention">
      <p className="muted small">These chargers booted and were told Pending. Accept one and its next BootNotification is answered Accepted.</p>
      <div className="table-wrap">
        <table className="table compact">
          <tbody>
            {pending.data.items.map((s) => (
              <tr key={s.id} data-pending={s.id}>
                <td>
                  <Link to={stationPath(s.id)} className="strong">
                    {s.id}
                  </Link>
                </td>
                <td>
                  {s.vendor ?? '—'} {s.model ?? ''}
                </td>
                <td>
                  <Online connected={s.connected} />
                </td>
                <td title={fmtWhen(s.lastSeenAt)}>{fmtAgo(s.lastSeenAt)}</td>
                <td className="row-actions">
                  <AdminOnly>
                    <button type="button" className="primary" disabled={decide.pending} onClick={() => void decide.run({ id: s.id, verdict: 'accept' })}>
                      Accept
                    </button>
                    <button type="button" className="danger" disabled={decide.pending} onClick={() => void decide.run({ id: s.id, verdict: 'reject' })}>
                      Reject
                    </button>
                  </AdminOnly>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {decide.result && !decide.result.ok && <ErrorBox error={decide.result.error} />}
    </Card>
  );
}

function UnknownStations() {
  const [offset, setOffset] = useState(0);
  const q = useUnknownStations({ limit: 20, offset });
  return (
    <Card title="Unknown stations">
      <p className="muted small">Identities that tried to connect but are not registered; they were refused. Register one to let it in.</p>
      {!q.data ? (
        q.isError ? <ErrorBox error={q.error} /> : <Loading rows={2} />
      ) : q.data.total === 0 ? (
        <Empty>No unknown charger has tried to connect.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>Identity</th>
                  <th>Attempts</th>
                  <th>First seen</th>
                  <th>Last seen</th>
                  <th>From</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {q.data.items.map((u) => (
                  <UnknownRow key={u.id} u={u} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager total={q.data.total} limit={20} offset={offset} onChange={setOffset} />
        </>
      )}
    </Card>
  );
}

function UnknownRow({ u }: { u: UnknownStation }) {
  const register = useCommand(() => api('/stations', { method: 'POST', body: { id: u.id, registrationStatus: 'Accepted' } }), [['stations'], ['unknown-stations']]);
  return (
    <tr>
      <td className="strong">{u.id}</td>
      <td className="num">{fmtInt(u.attempts)}</td>
      <td>{fmtWhen(u.firstSeenAt)}</td>
      <td>{fmtWhen(u.lastSeenAt)}</td>
      <td>{u.lastRemoteAddress ?? '—'}</td>
      <td className="row-actions">
        <AdminOnly>
          {register.result?.ok ? (
            <Link to={stationPath(u.id)}>Registered: set its password</Link>
          ) : (
            <button type="button" disabled={register.pending} onClick={() => void register.run(undefined)}>
              Register
            </button>
          )}
        </AdminOnly>
        {register.result && !register.result.ok && <ErrorBox error={register.result.error} />}
      </td>
    </tr>
  );
}

function AddStation() {
  const [open, setOpen] = useState(false);
  const [id, setId] = useState('');
  const [password, setPassword] = useState('');
  const [status, setStatus] = useState('Accepted');
  const add = useCommand(() => api('/stations', { method: 'POST', body: { id: id.trim(), password: password || null, registrationStatus: status } }), [['stations']]);
  if (!open) {
    return (
      <button type="button" className="primary" onClick={() => setOpen(true)}>
        Add station
      </button>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await add.run(undefined)) {
      setId('');
      setPassword('');
    }
  };
  return (
    <form className="inline-form card" onSubmit={submit}>
      <label>
        Identity
        <input required value={id} onChange={(e) => setId(e.target.value)} placeholder="CP001" />
      </label>
      <label>
        Password (Basic auth)
        <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} minLength={16} maxLength={40} placeholder="16 to 40 characters" />
      </label>
      <label>
        Registration
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option>Accepted</option>
          <option>Pending</option>
          <option>Rejected</option>
        </select>
      </label>
      <button type="submit" className="primary" disabled={add.pending}>
        Add
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Close
      </button>
      {add.result?.ok && <span className="ok-text">Added.</span>}
      {add.result && !add.result.ok && <ErrorBox error={add.result.error} />}
    </form>
  );
}
