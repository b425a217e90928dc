import type { ConnectorStatus } from '../api/types.ts';
import { connectorView } from '../lib/connector-status.ts';
import { STATUS_STYLE } from './status-bar.tsx';

/**
 * One chip per connector (not connector 0), fixed width, so a live status change never reflows the
 * row. A chip shows the effective status; its tooltip says why when that is not what the charger
 * last reported, and what it reported when.
 */
export function ConnectorChips({ connectors }: { connectors: ConnectorStatus[] }) {
  const real = connectors.filter((c) => c.connectorId > 0).sort((a, b) => a.connectorId - b.connectorId);
  if (real.length === 0) return <span className="muted">—</span>;
  return (
    <span className="chips">
      {real.map((c) => {
        const v = connectorView(c);
        return (
          <span key={c.connectorId} className={`chip status-${v.status}`} style={STATUS_STYLE[v.status]?.chip} title={v.title} data-connector={c.connectorId} data-status={v.status} data-reported={c.status}>
            {c.connectorId} {v.status}
          </span>
        );
      })}
    </span>
  );
}
