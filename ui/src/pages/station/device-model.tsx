// The device model of a 2.0.1 station: its components and variables as it reported them
// (NotifyReport after a base report), each variable read live (GetVariables) or set
// (SetVariables) through the one configuration API (/stations/{id}/settings).
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { DeviceComponent, DeviceVariable, Page, SettingsAnswer, SettingsChangeAnswer, Station } from '../../api/types.ts';
import { useCanWrite } from '../../lib/auth.tsx';
import { useCommand } from '../../lib/command.ts';
import { Answer, Badge, Card, Empty, ErrorBox, Loading, Pager } from '../../components/ui.tsx';

const PAGE = 100;

function componentLabel(c: { name: string; instance?: string; evse?: { id: number; connectorId?: number } }): string {
  return c.name + (c.instance ? `.${c.instance}` : '') + (c.evse ? ` (EVSE ${c.evse.id}${c.evse.connectorId !== undefined ? `, connector ${c.evse.connectorId}` : ''})` : '');
}

export function StationDeviceModel({ station: s }: { station: Station }) {
  const canWrite = useCanWrite();
  const [component, setComponent] = useState<DeviceComponent | null>(null);
  const [q, setQ] = useState('');
  const [offset, setOffset] = useState(0);
  const base = `/stations/${encodeURIComponent(s.id)}/device-model`;
  const components = useQuery({ queryKey: ['device-model', s.id, 'components'], queryFn: ({ signal }) => api<{ items: DeviceComponent[] }>(`${base}/components`, { signal }) });
  const query: Record<string, string | number> = { limit: PAGE, offset };
  if (component) {
    query.component = component.name;
    if (component.instance) query.instance = component.instance;
    if (component.evse) query.evseId = component.evse.id;
  }
  if (q) query.q = q;
  const variables = useQuery({
    queryKey: ['device-model', s.id, 'variables', query],
    queryFn: ({ signal }) => api<Page<DeviceVariable>>(`${base}/variables`, { signal, query }),
  });
  const report = useCommand(
    (reportBase: string) => api(`${base}/base-report`, { method: 'POST', body: { reportBase } }),
    [['device-model', s.id]],
  );
  return (
    <div className="device-model">
      <Card
        title="Device model"
        actions={
          canWrite && (
            <>
              <button type="button" disabled={!s.connected || report.pending} onClick={() => void report.run('FullInventory')}>
                {report.pending ? 'Asking…' : 'Get full report'}
              </button>
              <button type="button" disabled={!s.connected || report.pending} onClick={() => void report.run('ConfigurationInventory')}>
                Get configuration report
              </button>
              <button type="button" onClick={() => { void components.refetch(); void variables.refetch(); }}>
                Refresh
              </button>
            </>
          )
        }
      >
        <Answer result={report.result} label="Station answered" />
        {components.isError ? (
          <ErrorBox error={components.error} retry={() => void components.refetch()} />
        ) : !components.data ? (
          <Loading rows={4} />
        ) : components.data.items.length === 0 ? (
          <Empty>No device model stored yet: ask the station for a report (it sends it in NotifyReport messages).</Empty>
        ) : (
          <div className="device-model-browser">
            <ul className="component-list" aria-label="Components">
              <li>
                <button type="button" className={component === null ? 'link current' : 'link'} onClick={() => { setComponent(null); setOffset(0); }}>
                  All components
                </button>
              </li>
              {components.data.items.map((c) => {
                const label = componentLabel(c);
                return (
                  <li key={label}>
                    <button type="button" className={component && componentLabel(component) === label ? 'link current' : 'link'} onClick={() => { setComponent(c); setOffset(0); }}>
                      {label}
                    </button>{' '}
                    <span className="muted small">{c.variables}</span>
                  </li>
                );
              })}
            </ul>
            <div>
              <input type="search" placeholder="Filter variables" aria-label="Filter variables" value={q} onChange={(e) => { setQ(e.target.value); setOffset(0); }} />
              {variables.isError ? (
                <ErrorBox error={variables.error} retry={() => void variables.refetch()} />
              ) : !variables.data ? (
                <Loading rows={6} />
              ) : variables.data.items.length === 0 ? (
                <Empty>No variable matches.</Empty>
              ) : (
                <>
                  <div className="table-wrap">
                    <table className="table device-variables">
                      <thead>
                        <tr>
                          <th>Component</th>
                          <th>Variable</th>
                          <th>Actual</th>
                          <th>Type</th>
                          <th>Access</th>
                        </tr>
                      </thead>
                      <tbody>
                        {variables.data.items.map((v) => (
                          <VariableRow key={v.key} stationId={s.id} v={v} online={s.connected} />
                        ))}
                      </tbody>
                    </table>
                  </div>
                  <Pager total={variables.data.total} limit={PAGE} offset={offset} onChange={setOffset} />
                </>
              )}
            </div>
          </div>
        )}
      </Card>
    </div>
  );
}

function VariableRow({ stationId, v, online }: { stationId: string; v: DeviceVariable; online: boolean }) {
  const canWrite = useCanWrite();
  const actual = (v.attributes as Array<{ type?: string; value?: string; mutability?: string }>).find((a) => (a.type ?? 'Actual') === 'Actual');
  const [value, setValue] = useState<string | null>(actual?.value ?? null);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value ?? '');
  const settings = `/stations/${encodeURIComponent(stationId)}/settings`;
  const read = useCommand(async () => {
    const res = await api<SettingsAnswer>(settings, { query: { name: v.key } });
    const item = res.items[0];
    if (item?.status === 'Accepted') setValue(item.value);
    return item;
  });
  const save = useCommand(async (next: string) => {
    const res = await api<SettingsChangeAnswer>(settings, { method: 'PUT', body: { values: [{ name: v.key, value: next }] } });
    const item = res.items[0];
    if (item?.status === 'Accepted' || item?.status === 'RebootRequired') {
      setValue(next);
      setEditing(false);
    }
    return item;
  });
  const mutability = actual?.mutability ?? 'ReadWrite';
  const status = (save.result?.ok ? (save.result.value as { status?: string } | undefined)?.status : null) ?? (read.result?.ok ? (read.result.value as { status?: string } | undefined)?.status : null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run(draft);
  };
  const ch = v.characteristics as { dataType?: string; unit?: string } | null;
  return (
    <tr data-key={v.key}>
      <td className="mono">{componentLabel(v.component)}</td>
      <td className="mono">{v.variable.name + (v.variable.instance ? `.${v.variable.instance}` : '')}</td>
      <td>
        {editing ? (
          <form className="inline" onSubmit={submit}>
            <input aria-label={`New value for ${v.key}`} value={draft} onChange={(e) => setDraft(e.target.value)} maxLength={1000} autoFocus />
            <button type="submit" className="primary" disabled={save.pending || !online}>
              {save.pending ? 'Saving…' : 'Save'}
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <span className="mono value">{value ?? '—'}</span>
        )}
        {status && <Badge value={status} tone={status === 'Accepted' ? 'ok' : status === 'RebootRequired' ? 'warn' : 'bad'} title="the station's answer" />}
        {save.result && !save.result.ok && <ErrorBox error={save.result.error} />}
        {read.result && !read.result.ok && <ErrorBox error={read.result.error} />}
      </td>
      <td className="muted small">{ch ? `${ch.dataType ?? ''}${ch.unit ? ` (${ch.unit})` : ''}` : ''}</td>
      <td>
        <button type="button" className="link" disabled={!online || read.pending} onClick={() => void read.run(undefined)}>
          {read.pending ? 'Reading…' : 'Get'}
        </button>{' '}
        {mutability === 'ReadOnly' ? (
          <span className="muted">read-only</span>
        ) : canWrite && !editing ? (
          <button type="button" className="link" disabled={!online} onClick={() => { setDraft(value ?? ''); setEditing(true); save.reset(); }}>
            Set
          </button>
        ) : null}
      </td>
    </tr>
  );
}
