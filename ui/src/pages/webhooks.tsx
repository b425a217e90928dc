// Webhooks (admin only): subscriptions of URLs to events, their delivery log (status, attempts,
// the receiver's HTTP status or the error class, the next retry; never the receiver's answer)
// and a test ping. The signing secret is shown once, when the webhook is created; credentials in
// a URL are shown masked (****:****), as the API returns them.
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { ApiRequestBody, CreatedWebhook, Page, Webhook, WebhookDelivery } from '../api/types.ts';
import { useCanWrite } from '../lib/auth.tsx';
import { useCommand } from '../lib/command.ts';
import { setParams, useLocation } from '../lib/router.tsx';
import { fmtDateTime, fmtWhen } from '../lib/format.ts';
import { Badge, Card, Empty, ErrorBox, Pager, QueryView } from '../components/ui.tsx';
import { AdminOnlyPage, ShownOnce } from './apikeys.tsx';

const DELIVERY_TONE: Record<WebhookDelivery['status'], string> = { succeeded: 'ok', pending: 'warn', failed: 'bad' };
const list = (s: string) => s.split(/[\s,]+/).filter(Boolean);

/** What the last attempt got: the receiver's status, else what went wrong (never its answer's body). */
function outcome(d: WebhookDelivery): string {
  if (d.errorClass === 'http_status' || d.errorClass === 'redirect' || (d.responseStatus !== null && !d.errorClass)) return d.lastError ?? `HTTP ${d.responseStatus}`;
  return d.lastError ?? '';
}

export function Webhooks() {
  if (!useCanWrite()) return <AdminOnlyPage title="Webhooks" />;
  return <WebhooksPage />;
}

function WebhooksPage() {
  const { params } = useLocation();
  const selected = Number(params.get('deliveries')) || null;
  const hooks = useQuery({ queryKey: ['webhooks'], queryFn: ({ signal }) => api<{ items: Webhook[] }>('/webhooks', { signal }) });
  const remove = useCommand((id: number) => api(`/webhooks/${id}`, { method: 'DELETE' }), [['webhooks'], ['webhook-deliveries']]);
  const toggle = useCommand((h: Webhook) => api(`/webhooks/${h.id}`, { method: 'PATCH', body: { active: !h.active } }), [['webhooks']]);
  const ping = useCommand((id: number) => api<WebhookDelivery>(`/webhooks/${id}/test`, { method: 'POST' }), [['webhook-deliveries']]);
  const sendTest = async (id: number) => {
    setParams({ deliveries: String(id) });
    await ping.run(id);
  };
  const tested = ping.result?.ok ? (ping.result.value as WebhookDelivery) : null;
  return (
    <>
      <div className="page-head">
        <h1>Webhooks</h1>
      </div>
      <CreateWebhook />
      <Card title="Subscriptions">
        <QueryView query={hooks} rows={3} isEmpty={(d) => d.items.length === 0} empty="No webhook yet: create one above to have events POSTed to a URL.">
          {(d) => (
            <div className="table-wrap">
              <table className="table" aria-label="Webhooks">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>URL</th>
                    <th>Events</th>
                    <th>Stations</th>
                    <th>State</th>
                    <th>Created</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((h) => (
                    <tr key={h.id} data-webhook-id={h.id} className={selected === h.id ? 'is-selected' : undefined}>
                      <td>{h.id}</td>
                      <td>
                        <span className="mono small">{h.url}</span>
                        {h.hasCredentials && <span className="muted small" title="user and password stored encrypted, sent as HTTP Basic auth"> (Basic auth)</span>}
                        {h.description && <div className="muted small">{h.description}</div>}
                      </td>
                      <td className="small">{h.eventTypes.join(', ')}</td>
                      <td className="small">{h.stationIds ? h.stationIds.join(', ') : 'all'}</td>
                      <td>
                        <Badge value={h.active ? 'active' : 'paused'} tone={h.active ? 'ok' : 'mute'} />
                      </td>
                      <td className="nowrap">{fmtDateTime(h.createdAt)}</td>
                      <td className="nowrap">
                        <button type="button" disabled={ping.pending} onClick={() => void sendTest(h.id)}>
                          Send test
                        </button>{' '}
                        <button type="button" className="link" onClick={() => setParams({ deliveries: selected === h.id ? null : String(h.id) })}>
                          {selected === h.id ? 'Hide deliveries' : 'Deliveries'}
                        </button>{' '}
                        <button type="button" className="link" disabled={toggle.pending} onClick={() => void toggle.run(h)}>
                          {h.active ? 'Pause' : 'Resume'}
                        </button>{' '}
                        <button
                          type="button"
                          className="link danger-text"
                          disabled={remove.pending}
                          onClick={() => {
                            if (!confirm(`Delete the webhook to ${h.url}? Its delivery log goes with it; pending deliveries are not sent.`)) return;
                            if (selected === h.id) setParams({ deliveries: null });
                            void remove.run(h.id);
                          }}
                        >
                          Delete
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
        {[remove, toggle, ping].map((c, i) => c.result && !c.result.ok && <ErrorBox key={i} error={c.result.error} />)}
        {tested && (
          <p className="small" role="status">
            Test delivery #{tested.id}: <Badge value={tested.status} tone={DELIVERY_TONE[tested.status]} />{' '}
            {tested.status === 'succeeded' ? `the receiver answered ${tested.responseStatus}` : outcome(tested)}
          </p>
        )}
      </Card>
      {selected && hooks.data && <Deliveries webhook={hooks.data.items.find((h) => h.id === selected) ?? null} id={selected} />}
    </>
  );
}

function Deliveries({ webhook, id }: { webhook: Webhook | null; id: number }) {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const limit = 25;
  const q = useQuery({
    queryKey: ['webhook-deliveries', id, status, offset],
    queryFn: ({ signal }) => api<Page<WebhookDelivery>>(`/webhooks/${id}/deliveries`, { query: { status: status || undefined, limit, offset }, signal }),
    // Attempts and retries raise no event: look again while the log is open.
    refetchInterval: 5000,
  });
  if (!webhook) return <Empty>Webhook #{id} does not exist (any more).</Empty>;
  return (
    <Card
      title={`Deliveries to ${webhook.url}`}
      actions={
        <select aria-label="Delivery status" value={status} onChange={(e) => (setStatus(e.target.value), setOffset(0))}>
          <option value="">all</option>
          <option value="pending">pending</option>
          <option value="succeeded">succeeded</option>
          <option value="failed">failed</option>
        </select>
      }
    >
      <QueryView query={q} rows={3} isEmpty={(d) => d.total === 0} empty="No delivery yet. Send a test to see one.">
        {(d) => (
          <>
            <div className="table-wrap">
              <table className="table" aria-label="Deliveries">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Event</th>
                    <th>Status</th>
                    <th className="num">Attempts</th>
                    <th>Last result</th>
                    <th>Last attempt</th>
                    <th>Next attempt</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((x) => (
                    <tr key={x.id} data-delivery-id={x.id} data-status={x.status}>
                      <td>{x.id}</td>
                      <td className="mono small">{x.eventType}</td>
                      <td>
                        <Badge value={x.status} tone={DELIVERY_TONE[x.status]} />
                      </td>
                      <td className="num">{x.attempts}</td>
                      <td className="small" title={x.errorClass ?? undefined}>
                        {x.errorClass ? <span className="danger-text">{outcome(x)}</span> : x.responseStatus !== null ? <span className="mono">HTTP {x.responseStatus}</span> : '—'}
                      </td>
                      <td className="nowrap" title={x.lastAttemptAt ? fmtDateTime(x.lastAttemptAt) : undefined}>
                        {x.lastAttemptAt ? fmtWhen(x.lastAttemptAt) : '—'}
                      </td>
                      <td className="nowrap">{x.status === 'pending' && x.nextAttemptAt ? fmtDateTime(x.nextAttemptAt) : '—'}</td>
                      <td className="nowrap">{fmtDateTime(x.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager total={d.total} limit={limit} offset={offset} onChange={setOffset} />
          </>
        )}
      </QueryView>
    </Card>
  );
}

function CreateWebhook() {
  const [url, setUrl] = useState('');
  const [eventTypes, setEventTypes] = useState('*');
  const [stations, setStations] = useState('');
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  // Plain text inputs: the API checks the URL and the event types and says what is wrong.
  const create = useCommand((body: ApiRequestBody<'/webhooks', 'post'>) => api<CreatedWebhook>('/webhooks', { method: 'POST', body }), [['webhooks']]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    const hook = (await create.run({
      url: url.trim(),
      eventTypes: list(eventTypes),
      stationIds: list(stations).length ? list(stations) : null,
      description: description.trim() || null,
    })) as CreatedWebhook | undefined;
    if (hook) {
      setCreated(hook);
      setUrl('');
      setStations('');
      setDescription('');
    }
  };
  return (
    <Card title="Create a webhook">
      <form className="inline-form" onSubmit={submit}>
        <label className="grow">
          URL
          <input
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://example.com/plugboard-events"
            title="a public http(s) URL; user:password@ in it is stored encrypted and sent as HTTP Basic auth"
          />
        </label>
        <label>
          Events
          <input value={eventTypes} onChange={(e) => setEventTypes(e.target.value)} title="event types, groups such as transaction.*, or * for all; comma-separated" />
        </label>
        <label>
          Stations
          <input value={stations} onChange={(e) => setStations(e.target.value)} placeholder="all" title="station ids, comma-separated; empty: every station" />
        </label>
        <label>
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={create.pending}>
          Create webhook
        </button>
      </form>
      {create.result && !create.result.ok && <ErrorBox error={create.result.error} />}
      {created && (
        <ShownOnce
          label={`Signing secret of webhook #${created.id}`}
          value={created.secret}
          onDismiss={() => setCreated(null)}
        />
      )}
    </Card>
  );
}
