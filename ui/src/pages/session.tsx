// One session: who, where, how much, and its energy and power over time from the meter values.
// An admin can stop it at the charger, or close it here when the charger never reports the stop.
import { useState } from 'react';
import { api, ApiError } from '../api/client.ts';
import { useTransaction } from '../api/queries.ts';
import { AdminOnly } from '../lib/auth.tsx';
import { useCommand } from '../lib/command.ts';
import { fmtDateTime, fmtDuration, fmtKWh, fmtSpan } from '../lib/format.ts';
import { chartSeries } from '../lib/meter.ts';
import { Link, stationPath } from '../lib/router.tsx';
import { Answer, Badge, Card, Disclosure, Empty, ErrorBox, KeyValues, Loading } from '../components/ui.tsx';
import { EnergyChart } from '../components/chart.tsx';
import { CloseSessionForm } from '../components/close-session.tsx';

export function SessionPage({ id }: { id: number }) {
  const q = useTransaction(id);
  const [closing, setClosing] = useState(false);
  const stop = useCommand(() => api(`/transactions/${id}/remote-stop`, { method: 'POST' }), [['transaction', id]]);
  if (!q.data) {
    if (q.isError && q.error instanceof ApiError && q.error.status === 404) {
      return (
        <div className="empty">
          <h1>No session #{id}</h1>
          <Link to="/sessions">All sessions</Link>
        </div>
      );
    }
    return q.isError ? <ErrorBox error={q.error} retry={() => void q.refetch()} /> : <Loading rows={8} />;
  }
  const t = q.data;
  const series = chartSeries(t);
  return (
    <>
      <div className="page-head">
        <div>
          <div className="crumbs">
            <Link to="/sessions">Sessions</Link> /
          </div>
          <h1>
            Session #{t.id} {t.active ? <Badge value="active" /> : <Badge value="completed" />}
          </h1>
        </div>
        {t.active && (
          <AdminOnly>
            <div className="button-row">
              <button type="button" className="danger" disabled={stop.pending} onClick={() => void stop.run(undefined)} title="Ask the charger to stop (RemoteStopTransaction)">
                Stop session
              </button>
              <button type="button" aria-expanded={closing} onClick={() => setClosing(!closing)} title="Mark the session stopped without the charger (when its StopTransaction never comes)">
                Close session…
              </button>
            </div>
            {closing && <CloseSessionForm tx={t} onCancel={() => setClosing(false)} />}
          </AdminOnly>
        )}
      </div>
      <Answer result={stop.result} />
      <div className="stats">
        <div className="stat">
          <div className="stat-label">Energy</div>
          <div className="stat-value" data-testid="session-energy">
            {fmtKWh(t.energyWh)}
          </div>
          <div className="stat-hint">{t.active ? 'so far' : '\u00a0'}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Duration</div>
          <div className="stat-value">{series.tooShort ? fmtSpan(series.t1 - series.t0) : fmtDuration(t.durationSeconds)}</div>
          <div className="stat-hint">{'\u00a0'}</div>
        </div>
      </div>
      <Card title={series.soc.length ? 'Energy, power and state of charge' : 'Energy and power'}>
        {series.tooShort ? (
          <Empty>The session is too short to chart ({fmtSpan(series.t1 - series.t0)}).</Empty>
        ) : series.energy.length < 2 ? (
          <Empty>No meter value yet: the chart appears with the charger's first MeterValues.</Empty>
        ) : (
          <EnergyChart series={series} powerLabel={series.powerDerived ? 'Power (kW, from energy)' : 'Power (kW)'} />
        )}
      </Card>
      <Card title="Details">
        <KeyValues
          items={[
            ['Station', <Link key="s" to={stationPath(t.stationId)}>{t.stationId}</Link>],
            ['Connector', String(t.connectorId)],
            ['idTag', `${t.idTag} (${t.startIdTagStatus})`],
            ['Started', fmtDateTime(t.startTimestamp)],
            ['Stopped', t.stopTimestamp ? `${fmtDateTime(t.stopTimestamp)}${t.stopReason ? ` (${t.stopReason})` : ''}` : '—'],
            ['Stopped by', t.stopIdTag],
            ['Meter start / stop', `${t.meterStartWh} Wh / ${t.meterStopWh ?? '—'} Wh`],
            ['Reservation', t.reservationId === null ? null : `#${t.reservationId}`],
          ]}
        />
        <Disclosure summary={`Meter values (${t.meterValues.length})`}>
          <div className="table-wrap">
            <table className="table compact">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Measurand</th>
                  <th>Phase</th>
                  <th className="num">Value</th>
                  <th>Context</th>
                </tr>
              </thead>
              <tbody>
                {t.meterValues.map((m) => (
                  <tr key={m.id}>
                    <td className="nowrap">{fmtDateTime(m.timestamp)}</td>
                    <td>{m.measurand}</td>
                    <td>{m.phase ?? ''}</td>
                    <td className="num mono">{m.format === 'SignedData' ? 'signed' : `${m.value} ${m.unit}`}</td>
                    <td className="muted">{m.context}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Disclosure>
      </Card>
    </>
  );
}
