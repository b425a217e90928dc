// API keys (admin only): who may use the API and the dashboard. A new key is shown once, right
// after it is created (only its hash is stored); revoking one takes effect on its next request.
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { ApiKey, ApiRequestBody, CreatedApiKey, Role } from '../api/types.ts';
import { useCanWrite, useSession } from '../lib/auth.tsx';
import { useCommand } from '../lib/command.ts';
import { fmtDateTime, fmtWhen } from '../lib/format.ts';
import { Badge, Card, Empty, ErrorBox, QueryView } from '../components/ui.tsx';

export function ApiKeys() {
  if (!useCanWrite()) return <AdminOnlyPage title="API keys" />;
  return <ApiKeysPage />;
}

/** What a read-only key sees on a page only admins may use (the API would answer 403 anyway). */
export function AdminOnlyPage({ title }: { title: string }) {
  return (
    <>
      <div className="page-head">
        <h1>{title}</h1>
      </div>
      <Empty>This page needs an admin API key; you are signed in with a read-only one.</Empty>
    </>
  );
}

function ApiKeysPage() {
  const { me } = useSession();
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: ({ signal }) => api<{ items: ApiKey[] }>('/api-keys', { signal }) });
  const revoke = useCommand((id: number) => api(`/api-keys/${id}`, { method: 'DELETE' }), [['api-keys']]);
  const [showRevoked, setShowRevoked] = useState(false);
  return (
    <>
      <div className="page-head">
        <h1>API keys</h1>
      </div>
      <CreateApiKey />
      <Card
        title="Keys"
        actions={
          <label className="check">
            <input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked(e.target.checked)} /> Show revoked
          </label>
        }
      >
        <QueryView query={keys} rows={3}>
          {(d) => {
            const items = d.items.filter((k) => showRevoked || !k.revokedAt);
            if (items.length === 0) return <Empty>No API key{showRevoked ? '' : ' is active'}.</Empty>;
            return (
              <div className="table-wrap">
                <table className="table" aria-label="API keys">
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>Name</th>
                      <th title="a generated key reads pb_<prefix>_…">Prefix</th>
                      <th>Role</th>
                      <th>Created</th>
                      <th>Last used</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((k) => (
                      <tr key={k.id} data-key-id={k.id}>
                        <td>{k.id}</td>
                        <td className="strong">
                          {k.name} {k.id === me.keyId && <small className="muted">(this session)</small>}
                        </td>
                        <td className="mono">{k.prefix}</td>
                        <td>
                          <Badge value={k.role} tone={k.role === 'admin' ? 'warn' : 'info'} />
                        </td>
                        <td className="nowrap">{fmtDateTime(k.createdAt)}</td>
                        <td className="nowrap" title={k.lastUsedAt ? fmtDateTime(k.lastUsedAt) : undefined}>
                          {k.lastUsedAt ? fmtWhen(k.lastUsedAt) : 'never'}
                        </td>
                        <td>
                          {k.revokedAt ? (
                            <Badge value="revoked" tone="mute" title={`revoked ${fmtDateTime(k.revokedAt)}`} />
                          ) : (
                            <button
                              type="button"
                              className="link danger-text"
                              disabled={revoke.pending}
                              onClick={() =>
                                confirm(`Revoke the API key "${k.name}"? Every client using it is refused from its next request${k.id === me.keyId ? ', including this dashboard session' : ''}.`) &&
                                void revoke.run(k.id)
                              }
                            >
                              Revoke
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          }}
        </QueryView>
        {revoke.result && !revoke.result.ok && <ErrorBox error={revoke.result.error} />}
      </Card>
    </>
  );
}

function CreateApiKey() {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('read');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  // No client-side required/length rules: the API's validation decides and its message is shown.
  const create = useCommand((body: ApiRequestBody<'/api-keys', 'post'>) => api<CreatedApiKey>('/api-keys', { method: 'POST', body }), [['api-keys']]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    const key = (await create.run({ name: name.trim(), role })) as CreatedApiKey | undefined;
    if (key) {
      setCreated(key);
      setName('');
    }
  };
  return (
    <Card title="Create an API key">
      <form className="inline-form" onSubmit={submit}>
        <label className="grow">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="who or what uses it, e.g. billing export" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="read">read (look only)</option>
            <option value="admin">admin (change anything)</option>
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.pending}>
          Create key
        </button>
      </form>
      {create.result && !create.result.ok && <ErrorBox error={create.result.error} />}
      {created && <ShownOnce label={`API key "${created.name}" (${created.role})`} value={created.key} onDismiss={() => setCreated(null)} />}
    </Card>
  );
}

/** A secret the API returns once: shown with a copy button until dismissed. */
export function ShownOnce({ label, value, onDismiss }: { label: string; value: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice" role="status" data-secret>
      <p>
        <strong>{label}</strong> — copy it now: it is not shown again.
      </p>
      <p>
        <code className="mono" data-testid="secret-value">
          {value}
        </code>{' '}
        <button
          type="button"
          className="link"
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>{' '}
        <button type="button" className="link" onClick={onDismiss}>
          Done
        </button>
      </p>
    </div>
  );
}
