// The station's local authorization list (OCPP 1.6 Local Auth List Management profile): what it
// should hold, what the charger acknowledged, the settings, and a sync on demand.
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { LocalListScope, LocalListState, Station } from '../../api/types.ts';
import { AdminOnly } from '../../lib/auth.tsx';
import { useCommand } from '../../lib/command.ts';
import { fmtDateTime, fmtInt } from '../../lib/format.ts';
import { Answer, Badge, Card, KeyValues, QueryView } from '../../components/ui.tsx';

const SYNC_TONE: Record<string, string> = { in_sync: 'ok', out_of_sync: 'warn', failed: 'bad', never_synced: 'mute', not_supported: 'mute' };

function scopeText(s: LocalListScope): string {
  if (s.kind === 'all') return 'every valid token';
  if (s.kind === 'none') return 'no token (empty list)';
  if (s.kind === 'parents') return `tokens of groups ${s.parentIdTags.join(', ')}`;
  return `tokens ${s.idTags.join(', ')}`;
}

export function StationLocalList({ station: s }: { station: Station }) {
  const id = encodeURIComponent(s.id);
  const q = useQuery({ queryKey: ['local-list', s.id], queryFn: ({ signal }) => api<LocalListState>(`/stations/${id}/local-list`, { query: { limit: 50 }, signal }) });
  const sync = useCommand((updateType: 'Full' | 'Differential') => api(`/stations/${id}/local-list/sync`, { method: 'POST', body: { updateType } }), [['local-list', s.id]]);
  const version = useCommand(() => api(`/stations/${id}/local-list/version`));
  return (
    <div className="grid-2">
      <Card title="Local authorization list">
        <QueryView query={q} rows={5}>
          {(d) => (
            <>
              <KeyValues
                items={[
                  ['State', <Badge key="s" value={d.syncState.replace(/_/g, ' ')} tone={SYNC_TONE[d.syncState]} />],
                  ['Managed by Plugboard', d.managed ? 'yes' : 'no (settings never changed)'],
                  ['Supported by the charger', d.supported === null ? 'not known yet' : d.supported ? 'yes' : 'no'],
                  ['Should hold', `${fmtInt(d.desired.count)} tokens: ${scopeText(d.settings.scope)}`],
                  ['Charger acknowledged', `version ${d.station.acknowledgedVersion}, ${fmtInt(d.station.entryCount)} entries${d.station.acknowledgedAt ? `, ${fmtDateTime(d.station.acknowledgedAt)}` : ''}`],
                  ['Sync automatically', d.settings.autoSync ? 'yes' : 'no'],
                ]}
              />
              {d.desired.entries.length > 0 && (
                <details>
                  <summary>First {d.desired.entries.length} entries</summary>
                  <table className="table compact">
                    <tbody>
                      {d.desired.entries.map((e) => (
                        <tr key={e.idTag}>
                          <td className="mono">{e.idTag}</td>
                          <td>{e.idTagInfo ? <Badge value={e.idTagInfo.status} /> : 'delete'}</td>
                          <td className="muted">{e.idTagInfo?.parentIdTag ?? ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </details>
              )}
            </>
          )}
        </QueryView>
        <AdminOnly>
          <div className="button-row">
            <button type="button" className="primary" disabled={!s.connected || sync.pending} onClick={() => void sync.run('Differential')}>
              Sync changes
            </button>
            <button type="button" disabled={!s.connected || sync.pending} onClick={() => void sync.run('Full')}>
              Send full list
            </button>
            <button type="button" disabled={!s.connected || version.pending} onClick={() => void version.run(undefined)}>
              Ask version
            </button>
          </div>
          <Answer result={sync.result ?? version.result} label="Result" />
        </AdminOnly>
      </Card>
      <AdminOnly>{q.data && <Settings s={s} state={q.data} />}</AdminOnly>
    </div>
  );
}

function Settings({ s, state }: { s: Station; state: LocalListState }) {
  const [kind, setKind] = useState(state.settings.scope.kind);
  const initialList = state.settings.scope.kind === 'parents' ? state.settings.scope.parentIdTags : state.settings.scope.kind === 'idTags' ? state.settings.scope.idTags : [];
  const [list, setList] = useState(initialList.join(', '));
  const [autoSync, setAutoSync] = useState(state.settings.autoSync);
  const save = useCommand(() => {
    const items = list.split(/[\s,]+/).filter(Boolean);
    const scope: LocalListScope = kind === 'parents' ? { kind, parentIdTags: items } : kind === 'idTags' ? { kind, idTags: items } : { kind };
    return api(`/stations/${encodeURIComponent(s.id)}/local-list/settings`, { method: 'PUT', body: { scope, autoSync } });
  }, [['local-list', s.id]]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run(undefined);
  };
  return (
    <Card title="Settings">
      <form className="action-form" onSubmit={submit}>
        <label>
          The list holds
          <select value={kind} onChange={(e) => setKind(e.target.value as LocalListScope['kind'])}>
            <option value="all">every valid token</option>
            <option value="parents">the tokens of some groups</option>
            <option value="idTags">some tokens</option>
            <option value="none">nothing</option>
          </select>
        </label>
        {(kind === 'parents' || kind === 'idTags') && (
          <label>
            {kind === 'parents' ? 'Groups (parent idTags)' : 'idTags'}, comma-separated
            <input required value={list} onChange={(e) => setList(e.target.value)} />
          </label>
        )}
        <label className="check">
          <input type="checkbox" checked={autoSync} onChange={(e) => setAutoSync(e.target.checked)} /> Sync automatically when tokens change
        </label>
        <button type="submit" className="primary" disabled={save.pending}>
          Save settings
        </button>
      </form>
      <Answer result={save.result} label="Saved" />
    </Card>
  );
}
