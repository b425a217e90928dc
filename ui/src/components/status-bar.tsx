// A stacked bar of connector statuses: widths animate on change instead of redrawing.
import { fmtInt } from '../lib/format.ts';

export const CONNECTOR_STATUSES = ['Available', 'Preparing', 'Charging', 'SuspendedEVSE', 'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', 'Faulted'];

export function StatusBar({ counts, total }: { counts: Map<string, number>; total: number }) {
  const statuses = [...counts.keys()].sort((a, b) => CONNECTOR_STATUSES.indexOf(a) - CONNECTOR_STATUSES.indexOf(b));
  return (
    <div className="status-bar" role="img" aria-label={statuses.map((s) => `${s}: ${counts.get(s)}`).join(', ')}>
      {statuses.map((s) => {
        const n = counts.get(s) ?? 0;
        return <span key={s} className={`seg status-${s}`} style={{ width: `${(100 * n) / total}%` }} title={`${s}: ${fmtInt(n)}`} />;
      })}
    </div>
  );
}
