import { api } from '../api/client.ts';
import type { Reservation } from '../api/types.ts';
import { AdminOnly } from '../lib/auth.tsx';
import { useCommand } from '../lib/command.ts';
import { fmtDateTime } from '../lib/format.ts';
import { Link, sessionPath, stationPath } from '../lib/router.tsx';
import { Answer, Badge } from './ui.tsx';

export function ReservationsTable({ items, showStation = true }: { items: Reservation[]; showStation?: boolean }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th>#</th>
            {showStation && <th>Station</th>}
            <th>Connector</th>
            <th>idTag</th>
            <th>Expires</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <ReservationRow key={r.id} r={r} showStation={showStation} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReservationRow({ r, showStation }: { r: Reservation; showStation: boolean }) {
  const cancel = useCommand(() => api(`/reservations/${r.id}/cancel`, { method: 'POST' }), [['reservations']]);
  return (
    <tr>
      <td>{r.id}</td>
      {showStation && (
        <td>
          <Link to={stationPath(r.stationId, 'reservations')}>{r.stationId}</Link>
        </td>
      )}
      <td>{r.connectorId === 0 ? 'any' : r.connectorId}</td>
      <td className="mono">{r.idTag}</td>
      <td className="nowrap">{fmtDateTime(r.expiryDate)}</td>
      <td>
        <Badge value={r.status} tone={r.active ? 'info' : undefined} />
        {r.transactionId && (
          <>
            {' '}
            <Link to={sessionPath(r.transactionId)}>#{r.transactionId}</Link>
          </>
        )}
        {r.note && <div className="muted small">{r.note}</div>}
      </td>
      <td className="row-actions">
        {r.active && (
          <AdminOnly>
            <button type="button" className="danger" disabled={cancel.pending} onClick={() => void cancel.run(undefined)}>
              Cancel
            </button>
          </AdminOnly>
        )}
        <Answer result={cancel.result} />
      </td>
    </tr>
  );
}
