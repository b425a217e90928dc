// The station's identity, connection and connectors, each connector with its live status and
// the session running on it.
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import { useTransactions } from '../../api/queries.ts';
import type { ConnectorStatus, Station, Transaction } from '../../api/types.ts';
import { AdminOnly } from '../../lib/auth.tsx';
import { useCommand } from '../../lib/command.ts';
import { fmtAgo, fmtDateTime, fmtDuration, fmtKWh } from '../../lib/format.ts';
import { Link, sessionPath } from '../../lib/router.tsx';
import { useNow } from '../../lib/stream.tsx';
import { Answer, Badge, Card, Empty, KeyValues } from '../../components/ui.tsx';
import { StationCredentials } from './credentials.tsx';
import { StationSecurityFlows } from './security-flows.tsx';
import { connectorView } from '../../lib/connector-status.ts';

const PROFILE = ['0 (no authentication)', '1 (Basic auth)', '2 (TLS + Basic auth)', '3 (mutual TLS)'];

export function StationSummary({ station: s }: { station: Station }) {
  const now = useNow(15_000);
  const active = useTransactions({ stationId: s.id, active: true, limit: 50 });
  const connectors = s.connectors.filter((c) => c.connectorId > 0).sort((a, b) => a.connectorId - b.connectorId);
  const cp = s.connectors.find((c) => c.connectorId === 0);
  return (
    <>
      <div className="grid-2">
        <Card title="Identity">
          <KeyValues
            items={[
              ['Vendor', s.vendor],
              ['Model', s.model],
              ['Charge point serial', s.chargePointSerialNumber],
              ['Charge box serial', s.chargeBoxSerialNumber],
              ['Firmware', s.firmwareVersion],
              ['Meter', [s.meterType, s.meterSerialNumber].filter(Boolean).join(' · ')],
              ['ICCID / IMSI', [s.iccid, s.imsi].filter(Boolean).join(' · ')],
              ['Registered', fmtDateTime(s.createdAt)],
            ]}
          />
        </Card>
        <Card title="Connection">
          <KeyValues
            items={[
              ['State', s.connected ? `online since ${fmtDateTime(s.lastConnectedAt)}` : `offline${s.lastDisconnectedAt ? ` since ${fmtDateTime(s.lastDisconnectedAt)}` : ''}`],
              ['Protocol', s.ocppProtocol],
              ['Security profile', `${PROFILE[s.effectiveSecurityProfile] ?? s.effectiveSecurityProfile}${s.securityProfile === null ? ' (default)' : ''}`],
              ['Password', s.hasPassword ? 'set' : 'none'],
              ['Last message', s.lastSeenAt ? `${fmtAgo(s.lastSeenAt, now)} (${fmtDateTime(s.lastSeenAt)})` : 'never'],
              ['Last boot', fmtDateTime(s.lastBootAt)],
              ['Charge point status', cp ? <Badge value={connectorView(cp).status} title={connectorView(cp).title} /> : null],
            ]}
          />
        </Card>
      </div>
      <Card title="Connectors">
        {connectors.length === 0 ? (
          <Empty>No connector has reported a status yet (chargers send StatusNotification after booting).</Empty>
        ) : (
          <div className="connectors">
            {connectors.map((c) => (
              <ConnectorCard key={c.connectorId} station={s} c={c} tx={active.data?.items.find((t) => t.connectorId === c.connectorId) ?? null} now={now} />
            ))}
          </div>
        )}
      </Card>
      <AdminOnly>
        <StationCredentials station={s} />
        <StationSecurityFlows station={s} />
      </AdminOnly>
    </>
  );
}

function ConnectorCard({ station, c, tx, now }: { station: Station; c: ConnectorStatus; tx: Transaction | null; now: number }) {
  const id = encodeURIComponent(station.id);
  const view = connectorView(c);
  const [idTag, setIdTag] = useState('');
  const start = useCommand(() => api(`/stations/${id}/remote-start`, { method: 'POST', body: { connectorId: c.connectorId, idTag: idTag.trim() } }), [['transactions']]);
  const stop = useCommand((txId: number) => api(`/transactions/${txId}/remote-stop`, { method: 'POST' }), [['transactions']]);
  const unlock = useCommand(() => api(`/stations/${id}/connectors/${c.connectorId}/unlock`, { method: 'POST' }));
  // Only the latest command's answer is shown: an older one would be stale.
  const [lastRun, setLastRun] = useState<'start' | 'stop' | 'unlock' | null>(null);
  const last = lastRun === 'start' ? start.result : lastRun === 'stop' ? stop.result : lastRun === 'unlock' ? unlock.result : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLastRun('start');
    void start.run(undefined);
  };
  return (
    <div className={`connector status-edge-${view.status}`} data-connector={c.connectorId} data-status={view.status}>
      <div className="connector-head">
        <strong>Connector {c.connectorId}</strong>
        <Badge value={view.status} title={view.title} />
      </div>
      {view.reason ? (
        // The effective status is not the report: say why, and what was reported when.
        <div className="muted small connector-reason">
          {view.reason} · last reported <span title={view.reportedAt}>{c.status} {fmtAgo(c.timestamp ?? c.updatedAt, now)}</span>
          {c.errorCode !== 'NoError' ? ` · ${c.errorCode}` : ''}
        </div>
      ) : (
        <div className="muted small">
          since {fmtAgo(c.timestamp ?? c.updatedAt, now)}
          {c.errorCode !== 'NoError' ? ` · ${c.errorCode}` : ''}
          {c.info ? ` · ${c.info}` : ''}
        </div>
      )}
      <div className="connector-session">
        {tx ? (
          <>
            <Link to={sessionPath(tx.id)} className="strong">
              Session #{tx.id}
            </Link>{' '}
            <span className="muted">{tx.idTag}</span>
            <div className="num">
              {fmtKWh(tx.energyWh)} · {fmtDuration(tx.durationSeconds)}
            </div>
          </>
        ) : (
          <span className="muted">No session</span>
        )}
      </div>
      <AdminOnly>
        <div className="connector-actions">
          {tx ? (
            <button type="button" className="danger" disabled={stop.pending || !station.connected} onClick={() => (setLastRun('stop'), void stop.run(tx.id))}>
              Stop session
            </button>
          ) : (
            <form onSubmit={submit} className="inline">
              <input aria-label={`idTag for connector ${c.connectorId}`} placeholder="idTag" value={idTag} onChange={(e) => setIdTag(e.target.value)} required maxLength={20} />
              <button type="submit" className="primary" disabled={start.pending || !station.connected}>
                Start
              </button>
            </form>
          )}
          <button type="button" disabled={unlock.pending || !station.connected} onClick={() => (setLastRun('unlock'), void unlock.run(undefined))}>
            Unlock
          </button>
        </div>
        <Answer result={last} />
      </AdminOnly>
    </div>
  );
}
