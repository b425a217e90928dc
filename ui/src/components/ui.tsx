// The dashboard's small component set: states (loading, error, empty), badges, cards, tabs,
// a pager and the panel that shows a charger's answer to a command.
import { useState, type ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ApiError } from '../api/client.ts';
import { fmtInt } from '../lib/format.ts';

export function Loading({ label = 'Loading…', rows = 3 }: { label?: string; rows?: number }) {
  // Placeholder lines hold roughly the room the content will take, so it does not jump in.
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="sr-only">{label}</span>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton" />
      ))}
    </div>
  );
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const where = err.requestId ? ` (request ${err.requestId})` : '';
    return `${err.message}${where}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="error-box" role="alert">
      <strong>{code === 'station_offline' ? 'The station is offline.' : 'Something went wrong.'}</strong> <span>{errorText(error)}</span>
      {retry && (
        <button type="button" className="link" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** Loading, error and (optionally) empty states around a query's data. */
export function QueryView<T>({ query, empty, isEmpty, rows, children }: {
  query: UseQueryResult<T>;
  empty?: ReactNode;
  isEmpty?: (d: T) => boolean;
  rows?: number;
  children: (data: T) => ReactNode;
}) {
  if (query.data === undefined) {
    if (query.isError) return <ErrorBox error={query.error} retry={() => void query.refetch()} />;
    return <Loading rows={rows} />;
  }
  return (
    <>
      {query.isError && <ErrorBox error={query.error} retry={() => void query.refetch()} />}
      {empty !== undefined && isEmpty?.(query.data) ? <Empty>{empty}</Empty> : children(query.data)}
    </>
  );
}

const STATUS_TONE: Record<string, string> = {
  Available: 'ok',
  Accepted: 'ok',
  Preparing: 'info',
  Charging: 'busy',
  SuspendedEV: 'warn',
  SuspendedEVSE: 'warn',
  Finishing: 'info',
  Reserved: 'info',
  Unavailable: 'mute',
  Faulted: 'bad',
  // Effective connector statuses (not OCPP's): the station is away, or its report is contradicted.
  Offline: 'mute',
  Unknown: 'warn',
  Pending: 'warn',
  Rejected: 'bad',
  Blocked: 'bad',
  Expired: 'mute',
  Invalid: 'bad',
  online: 'ok',
  offline: 'mute',
  active: 'busy',
  running: 'busy',
  completed: 'ok',
  failed: 'bad',
  stopped: 'bad',
  cancelled: 'mute',
  Cancelled: 'mute',
  Used: 'ok',
  Failed: 'bad',
  Occupied: 'warn',
  // (Signed)FirmwareStatusNotification
  Downloading: 'info',
  Downloaded: 'info',
  SignatureVerified: 'ok',
  Installing: 'busy',
  InstallRebooting: 'busy',
  Installed: 'ok',
  DownloadFailed: 'bad',
  InstallationFailed: 'bad',
  InvalidSignature: 'bad',
  InstallVerificationFailed: 'bad',
};

export function Badge({ value, tone, title }: { value: string; tone?: string; title?: string }) {
  return (
    <span className={`badge tone-${tone ?? STATUS_TONE[value] ?? 'mute'}`} title={title}>
      {value}
    </span>
  );
}

export function Online({ connected }: { connected: boolean }) {
  return (
    <span className={`online ${connected ? 'is-on' : 'is-off'}`} data-online={connected}>
      <span className="dot" aria-hidden="true" />
      {connected ? 'Online' : 'Offline'}
    </span>
  );
}

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${className ?? ''}`}>
      {(title || actions) && (
        <header className="card-head">
          {title && <h2>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function Stat({ label, value, hint, tone }: { label: string; value: ReactNode; hint?: ReactNode; tone?: string }) {
  return (
    <div className={`stat ${tone ? `tone-${tone}` : ''}`}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      <div className="stat-hint">{hint ?? '\u00a0'}</div>
    </div>
  );
}

export function KeyValues({ items }: { items: Array<[string, ReactNode]> }) {
  return (
    <dl className="kv">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v === null || v === undefined || v === '' ? '—' : v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Tabs({ tabs, current, onChange }: { tabs: Array<[string, string]>; current: string; onChange: (t: string) => void }) {
  return (
    <nav className="tabs" role="tablist">
      {tabs.map(([id, label]) => (
        <button key={id} type="button" role="tab" aria-selected={current === id} className={current === id ? 'tab is-current' : 'tab'} onClick={() => onChange(id)}>
          {label}
        </button>
      ))}
    </nav>
  );
}

export function Pager({ total, limit, offset, onChange }: { total: number; limit: number; offset: number; onChange: (offset: number) => void }) {
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <div className="pager">
      <span>
        {fmtInt(from)}–{fmtInt(to)} of {fmtInt(total)}
      </span>
      <button type="button" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        Previous
      </button>
      <button type="button" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>
        Next
      </button>
    </div>
  );
}

/** What a command came back with: the charger's answer (or Plugboard's, for `label`), or why there is none. */
export function Answer({ result, label = 'Charger answered' }: { result: { ok: true; value: unknown } | { ok: false; error: unknown } | null; label?: string }) {
  if (!result) return null;
  if (!result.ok) return <ErrorBox error={result.error} />;
  const status = (result.value as { status?: unknown } | null)?.status;
  const json = JSON.stringify(result.value, null, 2) ?? '';
  return (
    <div className="answer" role="status">
      <span>{label}</span> {typeof status === 'string' && <Badge value={status} tone={/^(Accepted|Unlocked)$/.test(status) ? 'ok' : 'warn'} />}
      {/* A long answer is there to read on demand; it must not push the page around. */}
      {json.length > 300 ? (
        <details>
          <summary>Full answer</summary>
          <pre>{json}</pre>
        </details>
      ) : (
        <pre>{json}</pre>
      )}
    </div>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

/** A collapsible block that keeps its room when closed. */
export function Disclosure({ summary, children }: { summary: ReactNode; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="disclosure">
      <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'} {summary}
      </button>
      {open && children}
    </div>
  );
}
