// A connector's status changes, newest first (connector 0 is the charger as a whole).
import { useState } from 'react';
import { useHistory } from '../../api/queries.ts';
import type { Station } from '../../api/types.ts';
import { fmtDateTime } from '../../lib/format.ts';
import { Badge, Card, Pager, QueryView } from '../../components/ui.tsx';

export function StationHistory({ station: s }: { station: Station }) {
  const ids = [...new Set([0, ...s.connectors.map((c) => c.connectorId)])].sort((a, b) => a - b);
  const [connectorId, setConnectorId] = useState(ids.find((n) => n > 0) ?? 0);
  const [offset, setOffset] = useState(0);
  const q = useHistory(s.id, connectorId, { limit: 50, offset });
  return (
    <Card
      title="Status history"
      actions={
        <select aria-label="Connector" value={connectorId} onChange={(e) => (setConnectorId(Number(e.target.value)), setOffset(0))}>
          {ids.map((n) => (
            <option key={n} value={n}>
              {n === 0 ? 'Charger (connector 0)' : `Connector ${n}`}
            </option>
          ))}
        </select>
      }
    >
      <QueryView query={q} rows={6} isEmpty={(d) => d.total === 0} empty="No status change recorded for this connector.">
        {(d) => (
          <>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>When (charger)</th>
                    <th>Received</th>
                    <th>Status</th>
                    <th>Error</th>
                    <th>Info</th>
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((h) => (
                    <tr key={h.id}>
                      <td className="nowrap">{fmtDateTime(h.timestamp)}</td>
                      <td className="nowrap muted">{fmtDateTime(h.receivedAt)}</td>
                      <td>
                        <Badge value={h.status} />
                      </td>
                      <td>
                        {h.errorCode}
                        {h.vendorErrorCode ? ` (${h.vendorErrorCode})` : ''}
                      </td>
                      <td className="muted">{[h.vendorId, h.info].filter(Boolean).join(' · ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager total={d.total} limit={50} offset={offset} onChange={setOffset} />
          </>
        )}
      </QueryView>
    </Card>
  );
}
