// A stacked bar of connector statuses: widths animate on change instead of redrawing.
import type { CSSProperties } from 'react';
import { fmtInt } from '../lib/format.ts';

/** The statuses a connector can show: OCPP's, then the API's effective Unknown and Offline. */
export const CONNECTOR_STATUSES = ['Available', 'Preparing', 'Charging', 'SuspendedEVSE', 'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', 'Faulted', 'Unknown', 'Offline'];

/**
 * The looks of the effective-only statuses (styles.css knows the OCPP ones): Offline is greyed,
 * Unknown (a report that contradicts the sessions) is hatched in the warning colour.
 */
export const STATUS_STYLE: Record<string, { chip: CSSProperties; seg: CSSProperties }> = {
  Offline: { chip: { color: 'var(--muted)', borderStyle: 'dashed' }, seg: { background: 'color-mix(in srgb, var(--mute) 40%, transparent)' } },
  Unknown: {
    chip: { borderColor: 'var(--warn)', borderStyle: 'dashed' },
    seg: { background: 'repeating-linear-gradient(45deg, var(--warn) 0 4px, var(--warn-bg) 4px 8px)' },
  },
};

export function StatusBar({ counts, total }: { counts: Map<string, number>; total: number }) {
  const statuses = [...counts.keys()].sort((a, b) => CONNECTOR_STATUSES.indexOf(a) - CONNECTOR_STATUSES.indexOf(b));
  return (
    <div className="status-bar" role="img" aria-label={statuses.map((s) => `${s}: ${counts.get(s)}`).join(', ')}>
      {statuses.map((s) => {
        const n = counts.get(s) ?? 0;
        return <span key={s} className={`seg status-${s}`} style={{ ...STATUS_STYLE[s]?.seg, width: `${(100 * n) / total}%` }} title={`${s}: ${fmtInt(n)}`} />;
      })}
    </div>
  );
}
