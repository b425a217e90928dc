// Configuration keys, read from the charger (GetConfiguration) and changed one at a time
// (ChangeConfiguration); the charger's verdict (Accepted, Rejected, RebootRequired,
// NotSupported) is shown beside the key.
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { ConfigurationAnswer, Station } from '../../api/types.ts';
import { useCanWrite } from '../../lib/auth.tsx';
import { useCommand } from '../../lib/command.ts';
import { fmtWhen } from '../../lib/format.ts';
import { Badge, Card, Empty, ErrorBox, Loading } from '../../components/ui.tsx';

export function StationConfiguration({ station: s }: { station: Station }) {
  const [filter, setFilter] = useState('');
  const q = useQuery({
    queryKey: ['configuration', s.id],
    queryFn: ({ signal }) => api<ConfigurationAnswer>(`/stations/${encodeURIComponent(s.id)}/configuration`, { signal }),
    enabled: s.connected,
    // Asking the charger costs it a round trip: read again only when asked to.
    staleTime: Infinity,
    retry: false,
  });
  const keys = (q.data?.configurationKey ?? []).filter((k) => k.key.toLowerCase().includes(filter.toLowerCase())).sort((a, b) => a.key.localeCompare(b.key));
  return (
    <Card
      title="Configuration keys"
      actions={
        <>
          <input type="search" placeholder="Filter keys" aria-label="Filter keys" value={filter} onChange={(e) => setFilter(e.target.value)} />
          <button type="button" disabled={!s.connected || q.isFetching} onClick={() => void q.refetch()}>
            {q.isFetching ? 'Reading…' : 'Read from charger'}
          </button>
        </>
      }
    >
      {!s.connected && !q.data ? (
        <Empty>The station is offline: its configuration is read from the charger itself, so it must be connected.</Empty>
      ) : q.isError ? (
        <ErrorBox error={q.error} retry={() => void q.refetch()} />
      ) : !q.data ? (
        <Loading rows={8} label="Asking the charger…" />
      ) : (
        <>
          <p className="muted small">Read {fmtWhen(new Date(q.dataUpdatedAt).toISOString())}: {q.data.configurationKey?.length ?? 0} keys.</p>
          {keys.length === 0 ? (
            <Empty>No key matches.</Empty>
          ) : (
            <div className="table-wrap">
              <table className="table config-table">
                <thead>
                  <tr>
                    <th>Key</th>
                    <th>Value</th>
                    <th>Access</th>
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => (
                    <ConfigRow key={k.key} stationId={s.id} name={k.key} value={k.value ?? ''} readonly={k.readonly} online={s.connected} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {!!q.data.unknownKey?.length && <p className="muted small">Unknown keys: {q.data.unknownKey.join(', ')}</p>}
        </>
      )}
    </Card>
  );
}

function ConfigRow({ stationId, name, value, readonly, online }: { stationId: string; name: string; value: string; readonly: boolean; online: boolean }) {
  const canWrite = useCanWrite();
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const save = useCommand(async (v: string) => {
    const res = await api<{ status: string }>(`/stations/${encodeURIComponent(stationId)}/configuration/${encodeURIComponent(name)}`, { method: 'PUT', body: { value: v } });
    if (res.status === 'Accepted' || res.status === 'RebootRequired') {
      // Show the new value at once; "Read from charger" confirms it.
      client.setQueryData<ConfigurationAnswer>(['configuration', stationId], (old) =>
        old ? { ...old, configurationKey: old.configurationKey?.map((k) => (k.key === name ? { ...k, value: v } : k)) } : old,
      );
      setEditing(false);
    }
    return res;
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run(draft);
  };
  const status = save.result?.ok ? (save.result.value as { status: string }).status : null;
  return (
    <tr data-key={name}>
      <td className="mono">{name}</td>
      <td>
        {editing ? (
          <form className="inline" onSubmit={submit}>
            <input aria-label={`New value for ${name}`} value={draft} onChange={(e) => setDraft(e.target.value)} maxLength={500} autoFocus />
            <button type="submit" className="primary" disabled={save.pending || !online}>
              {save.pending ? 'Saving…' : 'Save'}
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <span className="mono value">{value}</span>
        )}
        {status && <Badge value={status} tone={status === 'Accepted' ? 'ok' : status === 'RebootRequired' ? 'warn' : 'bad'} title="the charger's answer" />}
        {save.result && !save.result.ok && <ErrorBox error={save.result.error} />}
      </td>
      <td>
        {readonly ? (
          <span className="muted">read-only</span>
        ) : canWrite && !editing ? (
          <button
            type="button"
            className="link"
            onClick={() => {
              setDraft(value);
              setEditing(true);
              save.reset();
            }}
          >
            Edit
          </button>
        ) : (
          <span className="muted">writable</span>
        )}
      </td>
    </tr>
  );
}
