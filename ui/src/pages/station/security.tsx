// Security of one station: its security events (live) and its logs (GetLog, Security Whitepaper),
// uploaded to Plugboard's receiver and downloadable here.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, download } from '../../api/client.ts';
import type { LogRequestHistory, Station } from '../../api/types.ts';
import { AdminOnly } from '../../lib/auth.tsx';
import { useCommand } from '../../lib/command.ts';
import { fmtBytes, fmtDateTime } from '../../lib/format.ts';
import { Answer, Badge, Card, Empty, Pager, QueryView } from '../../components/ui.tsx';
import { SecurityEventsTable, useSecurityEvents } from '../security.tsx';

// LogStatusNotification raises no event: poll while shown.
const POLL_MS = 10_000;
const LIMIT = 20;

export function StationSecurity({ station: s }: { station: Station }) {
  const [offset, setOffset] = useState(0);
  const events = useSecurityEvents({ stationId: s.id, limit: LIMIT, offset });
  const logs = useQuery({
    queryKey: ['logs', s.id],
    queryFn: ({ signal }) => api<{ items: LogRequestHistory[] }>(`/stations/${encodeURIComponent(s.id)}/logs`, { query: { limit: 10 }, signal }),
    refetchInterval: POLL_MS,
  });
  return (
    <div className="grid-2">
      <Card title="Security events">
        <QueryView query={events} rows={3} isEmpty={(d) => d.total === 0} empty="No security event reported.">
          {(d) => (
            <>
              <SecurityEventsTable items={d.items} showStation={false} />
              <Pager total={d.total} limit={LIMIT} offset={offset} onChange={setOffset} />
            </>
          )}
        </QueryView>
      </Card>
      <Card title="Logs">
        <QueryView query={logs} rows={2} isEmpty={(d) => d.items.length === 0} empty="No log requested yet.">
          {(d) => (
            <table className="table compact" data-testid="log-requests">
              <tbody>
                {d.items.map(({ request: r, files }) => (
                  <tr key={r.id}>
                    <td className="nowrap">{fmtDateTime(r.requestedAt)}</td>
                    <td>{r.logType}</td>
                    <td>
                      <Badge value={r.uploadStatus ?? r.status ?? r.commandStatus} />
                    </td>
                    <td>
                      {files.map((f) => (
                        <button key={f.id} type="button" className="link" title={fmtBytes(f.sizeBytes)} onClick={() => void download(`/diagnostics/${f.id}/content`, undefined, f.filename)}>
                          {f.filename}
                        </button>
                      ))}
                      {r.error && <span className="danger-text small">{r.error}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
        <AdminOnly>
          <RequestLog s={s} />
        </AdminOnly>
      </Card>
    </div>
  );
}

function RequestLog({ s }: { s: Station }) {
  const [logType, setLogType] = useState<'SecurityLog' | 'DiagnosticsLog'>('SecurityLog');
  const c = useCommand(() => api(`/stations/${encodeURIComponent(s.id)}/logs`, { method: 'POST', body: { logType } }), [['logs', s.id]]);
  return (
    <div className="action-form">
      <h3>Request a log</h3>
      <p className="muted small">GetLog: the charger uploads the log to Plugboard.</p>
      <label>
        Log
        <select value={logType} onChange={(e) => setLogType(e.target.value as 'SecurityLog' | 'DiagnosticsLog')}>
          <option value="SecurityLog">Security log</option>
          <option value="DiagnosticsLog">Diagnostics log</option>
        </select>
      </label>
      {!s.connected && <Empty>The station is offline.</Empty>}
      <button type="button" className="primary" disabled={!s.connected || c.pending} onClick={() => void c.run(undefined)}>
        Send GetLog
      </button>
      <Answer result={c.result} label="Request" />
    </div>
  );
}
