import type { ConnectorStatus } from '../api/types.ts';

/** One chip per connector (not connector 0), fixed width, so a live status change never reflows the row. */
export function ConnectorChips({ connectors }: { connectors: ConnectorStatus[] }) {
  const real = connectors.filter((c) => c.connectorId > 0).sort((a, b) => a.connectorId - b.connectorId);
  if (real.length === 0) return <span className="muted">—</span>;
  return (
    <span className="chips">
      {real.map((c) => (
        <span key={c.connectorId} className={`chip status-${c.status}`} title={`Connector ${c.connectorId}: ${c.status}${c.errorCode !== 'NoError' ? ` (${c.errorCode})` : ''}`} data-connector={c.connectorId} data-status={c.status}>
          {c.connectorId} {c.status}
        </span>
      ))}
    </span>
  );
}
