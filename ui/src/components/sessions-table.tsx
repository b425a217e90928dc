import type { Transaction } from '../api/types.ts';
import { fmtDateTime, fmtDayTime, fmtDuration, fmtKWh } from '../lib/format.ts';
import { Link, sessionPath, stationPath } from '../lib/router.tsx';
import { Badge } from './ui.tsx';

export function SessionsTable({ items, showStation = true }: { items: Transaction[]; showStation?: boolean }) {
  return (
    <div className="table-wrap">
      <table className="table sessions-table">
        <thead>
          <tr>
            <th>Session</th>
            {showStation && <th>Station</th>}
            <th>Connector</th>
            <th>idTag</th>
            <th>Started</th>
            <th>Stopped</th>
            <th className="num">Energy</th>
            <th className="num">Duration</th>
          </tr>
        </thead>
        <tbody>
          {items.map((t) => (
            <tr key={t.id} data-session={t.id}>
              <td>
                <Link to={sessionPath(t.id)} className="strong">
                  #{t.id}
                </Link>{' '}
                {t.active && <Badge value="active" />}
              </td>
              {showStation && (
                <td>
                  <Link to={stationPath(t.stationId)}>{t.stationId}</Link>
                </td>
              )}
              <td>{t.connectorId}</td>
              <td className="mono">{t.idTag}</td>
              <td className="nowrap" data-col="started" title={fmtDateTime(t.startTimestamp)}>
                {fmtDayTime(t.startTimestamp)}
              </td>
              <td className="nowrap" data-col="stopped" title={t.stopTimestamp ? fmtDateTime(t.stopTimestamp) : undefined}>
                {t.stopTimestamp ? fmtDayTime(t.stopTimestamp) : '—'}
              </td>
              <td className="num">{fmtKWh(t.energyWh)}</td>
              <td className="num">{fmtDuration(t.durationSeconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
