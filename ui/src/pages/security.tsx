// Security events across the fleet (SecurityEventNotification and Plugboard's own), live: a
// security.event on the stream refetches the list.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { Page, SecurityEvent } from '../api/types.ts';
import { setParams, useLocation, Link } from '../lib/router.tsx';
import { useTextParam } from '../lib/params.ts';
import { fmtDateTime } from '../lib/format.ts';
import { Badge, Card, Pager, QueryView } from '../components/ui.tsx';

const LIMIT = 50;

export function useSecurityEvents(q: { stationId?: string; type?: string; critical?: boolean; limit: number; offset: number }) {
  const path = q.stationId ? `/stations/${encodeURIComponent(q.stationId)}/security-events` : '/security-events';
  const query = { limit: q.limit, offset: q.offset, ...(q.type ? { type: q.type } : {}), ...(q.critical ? { critical: true } : {}) };
  return useQuery({ queryKey: ['security-events', q.stationId ?? '*', query], queryFn: ({ signal }) => api<Page<SecurityEvent>>(path, { query, signal }) });
}

export function SecurityEventsTable({ items, showStation }: { items: SecurityEvent[]; showStation: boolean }) {
  return (
    <table className="table" data-testid="security-events">
      <thead>
        <tr>
          <th>When</th>
          {showStation && <th>Station</th>}
          <th>Event</th>
          <th>Seen by</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {items.map((e) => (
          <tr key={e.id} className={e.critical ? 'is-critical' : undefined}>
            <td className="nowrap" title={`received ${fmtDateTime(e.receivedAt)}`}>
              {fmtDateTime(e.timestamp)}
            </td>
            {showStation && (
              <td>
                <Link to={`/stations/${encodeURIComponent(e.stationId)}?tab=security`}>{e.stationId}</Link>
              </td>
            )}
            <td>
              <span className="mono">{e.type}</span> {e.critical && <Badge value="critical" tone="bad" />}
            </td>
            <td>{e.source === 'station' ? 'station' : 'Plugboard'}</td>
            <td className="small">{e.techInfo ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SecurityEvents() {
  const { params } = useLocation();
  const critical = params.get('critical') === 'true';
  const [stationInput, setStation, stationId] = useTextParam('stationId');
  const [typeInput, setType, type] = useTextParam('type');
  const [offset, setOffset] = useState(0);
  const q = useSecurityEvents({ stationId: stationId.trim() || undefined, type: type.trim() || undefined, critical, limit: LIMIT, offset });
  return (
    <>
      <div className="page-head">
        <h1>Security events</h1>
      </div>
      <div className="filters">
        <input aria-label="Station" placeholder="Station id" value={stationInput} onChange={(e) => (setStation(e.target.value), setOffset(0))} />
        <input aria-label="Event type" placeholder="Event type" value={typeInput} onChange={(e) => (setType(e.target.value), setOffset(0))} />
        <label className="check">
          <input type="checkbox" checked={critical} onChange={(e) => (setParams({ critical: e.target.checked ? 'true' : null }), setOffset(0))} /> Critical only
        </label>
      </div>
      <Card>
        <QueryView query={q} rows={5} isEmpty={(d) => d.total === 0} empty="No security event matches.">
          {(d) => (
            <>
              <SecurityEventsTable items={d.items} showStation={!stationId.trim()} />
              <Pager total={d.total} limit={LIMIT} offset={offset} onChange={setOffset} />
            </>
          )}
        </QueryView>
      </Card>
    </>
  );
}
