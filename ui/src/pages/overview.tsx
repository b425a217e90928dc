// Overview: the fleet at a glance, kept live by the event stream.
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import { useStations, useTransactions } from '../api/queries.ts';
import type { ReportRow, Station, Transaction } from '../api/types.ts';
import { Badge, Card, Empty, ErrorBox, Loading, Stat } from '../components/ui.tsx';
import { StatusBar, CONNECTOR_STATUSES } from '../components/status-bar.tsx';
import { fmtAgo, fmtDuration, fmtInt, fmtKWh, fmtWhen, timeZone } from '../lib/format.ts';
import { Link, sessionPath, stationPath } from '../lib/router.tsx';
import { useNow } from '../lib/stream.tsx';
import { connectorView, effectiveStatusOf } from '../lib/connector-status.ts';

const FLEET_LIMIT = 1000;

/** Energy of the sessions started since `from`: the report has the finished ones, the active list the rest so far. */
function energyWh(rows: ReportRow[], active: Transaction[], from: Date): number {
  const done = rows.reduce((sum, r) => sum + (r.energyKWh ? Math.round(Number(r.energyKWh) * 1000) : 0), 0);
  return done + active.filter((t) => new Date(t.startTimestamp) >= from).reduce((sum, t) => sum + (t.energyWh ?? 0), 0);
}

const plural = (n: number, one: string, many: string) => `${fmtInt(n)} ${n === 1 ? one : many}`;

function useEnergySince(label: string, from: Date) {
  const to = new Date(Date.now() + 86_400_000);
  return useQuery({
    queryKey: ['overview', 'energy', label, from.toISOString()],
    queryFn: ({ signal }) => api<ReportRow[]>('/reports/transactions.json', { query: { from: from.toISOString(), to: to.toISOString() }, signal }),
    staleTime: 60_000,
  });
}

export function Overview() {
  useNow(30_000);
  const fleet = useStations({ limit: FLEET_LIMIT, sort: 'id' });
  const online = useStations({ connected: true, limit: 1 });
  const offline = useStations({ connected: false, limit: 1 });
  const pending = useStations({ registrationStatus: 'Pending', limit: 1 });
  const active = useTransactions({ active: true, limit: FLEET_LIMIT, sort: '-startTimestamp' });
  const now = new Date();
  const dayStart = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const monthStart = new Date(now.getFullYear(), now.getMonth(), 1);
  const today = useEnergySince('today', dayStart);
  const month = useEnergySince('month', monthStart);
  const running = active.data?.items ?? [];

  const stations = fleet.data?.items ?? [];
  // Counted by effective status: a station that is away counts as Offline, not as whatever it
  // last reported, and "Charging" with no session open is Unknown.
  const faulted = stations.filter((s) => s.connectors.some((c) => effectiveStatusOf(c) === 'Faulted'));
  const connectors = stations.flatMap((s) => s.connectors.filter((c) => c.connectorId > 0));
  const byStatus = new Map<string, number>();
  for (const c of connectors) byStatus.set(effectiveStatusOf(c), (byStatus.get(effectiveStatusOf(c)) ?? 0) + 1);
  const faults = stations
    .flatMap((s) => s.connectors.filter((c) => c.status === 'Faulted' || c.errorCode !== 'NoError').map((c) => ({ station: s, c })))
    .sort((a, b) => b.c.updatedAt.localeCompare(a.c.updatedAt))
    .slice(0, 8);
  const count = (q: typeof online) => (q.data ? fmtInt(q.data.total) : '…');

  return (
    <>
      <div className="page-head">
        <h1>Overview</h1>
        <span className="muted small">Times in {timeZone}</span>
      </div>
      <div className="stats">
        <Stat label="Stations online" value={count(online)} tone="ok" hint={fleet.data ? `of ${fmtInt(fleet.data.total)} registered` : undefined} />
        <Stat label="Offline" value={count(offline)} tone="mute" />
        <Stat label="Faulted" value={fleet.data ? fmtInt(faulted.length) : '…'} tone={faulted.length ? 'bad' : undefined} hint="a connector is Faulted" />
        <Stat label="Active sessions" value={active.data ? fmtInt(active.data.total) : '…'} tone="busy" />
        <Stat label="Energy today" value={today.data && active.data ? fmtKWh(energyWh(today.data, running, dayStart)) : '…'} hint={today.data ? `${plural(today.data.length, 'session', 'sessions')} started today` : undefined} />
        <Stat label="Energy this month" value={month.data && active.data ? fmtKWh(energyWh(month.data, running, monthStart)) : '…'} hint={month.data ? plural(month.data.length, 'session', 'sessions') : undefined} />
      </div>
      {pending.data && pending.data.total > 0 && (
        <div className="notice">
          {fmtInt(pending.data.total)} station{pending.data.total === 1 ? ' is' : 's are'} waiting to be accepted. <Link to="/stations?registrationStatus=Pending">Review</Link>
        </div>
      )}
      <div className="grid-2">
        <Card title="Connectors by status">
          {fleet.isError && <ErrorBox error={fleet.error} retry={() => void fleet.refetch()} />}
          {!fleet.data ? (
            <Loading rows={2} />
          ) : connectors.length === 0 ? (
            <Empty>No connector has reported a status yet.</Empty>
          ) : (
            <>
              <StatusBar counts={byStatus} total={connectors.length} />
              <ul className="legend">
                {CONNECTOR_STATUSES.filter((s) => byStatus.has(s)).concat([...byStatus.keys()].filter((s) => !CONNECTOR_STATUSES.includes(s))).map((s) => (
                  <li key={s}>
                    <Badge value={s} /> <span className="num">{fmtInt(byStatus.get(s) ?? 0)}</span>
                  </li>
                ))}
              </ul>
              {fleet.data.total > FLEET_LIMIT && <p className="muted small">Counted over the first {fmtInt(FLEET_LIMIT)} stations.</p>}
            </>
          )}
        </Card>
        <Card title="Active sessions" actions={<Link to="/sessions?active=true">All</Link>}>
          {active.isError && <ErrorBox error={active.error} />}
          {!active.data ? (
            <Loading rows={3} />
          ) : active.data.items.length === 0 ? (
            <Empty>No session is running.</Empty>
          ) : (
            <table className="table compact">
              <tbody>
                {active.data.items.slice(0, 6).map((t) => (
                  <tr key={t.id}>
                    <td>
                      <Link to={sessionPath(t.id)}>#{t.id}</Link>
                    </td>
                    <td>
                      <Link to={stationPath(t.stationId)}>{t.stationId}</Link> · {t.connectorId}
                    </td>
                    <td className="num">{fmtKWh(t.energyWh)}</td>
                    <td className="num">{fmtDuration(t.durationSeconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <Card title="Recent faults">
        {!fleet.data ? <Loading rows={2} /> : faults.length === 0 ? <Empty>No connector reports an error.</Empty> : <FaultTable faults={faults} />}
      </Card>
    </>
  );
}

function FaultTable({ faults }: { faults: Array<{ station: Station; c: Station['connectors'][number] }> }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th>Station</th>
            <th>Connector</th>
            <th>Status</th>
            <th>Error</th>
            <th>Since</th>
          </tr>
        </thead>
        <tbody>
          {faults.map(({ station, c }) => (
            <tr key={`${station.id}-${c.connectorId}`}>
              <td>
                <Link to={stationPath(station.id)}>{station.id}</Link>
              </td>
              <td>{c.connectorId === 0 ? 'charger' : c.connectorId}</td>
              <td>
                <Badge value={connectorView(c).status} title={connectorView(c).title} />
              </td>
              <td>
                {c.errorCode}
                {c.vendorErrorCode ? ` (${c.vendorErrorCode})` : ''}
                {c.info ? <span className="muted"> {c.info}</span> : null}
              </td>
              <td title={fmtWhen(c.updatedAt)}>{fmtAgo(c.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
