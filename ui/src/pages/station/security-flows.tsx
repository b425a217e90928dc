// Password rotation and security profile upgrade of a station (admin only): the two actions,
// each confirmed first, their result (a generated password is shown once), and the station's
// recent flows with their status (POST /stations/{id}/password-rotation,
// /security-profile-upgrade, GET /security-flows).
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { ApiResponse, Page, Station } from '../../api/types.ts';
import { useCommand } from '../../lib/command.ts';
import { fmtDateTime } from '../../lib/format.ts';
import { Badge, Card, Empty, ErrorBox, QueryView } from '../../components/ui.tsx';
import { ShownOnce } from '../apikeys.tsx';

type Rotation = ApiResponse<'/stations/{id}/password-rotation', 'post'>;
type Flow = Rotation['flow'];

const TONE: Record<string, string> = { Completed: 'ok', Accepted: 'info', Sending: 'info', Rejected: 'warn', NotSupported: 'warn', Unanswered: 'warn', Failed: 'bad', Superseded: 'mute' };

export function StationSecurityFlows({ station: s }: { station: Station }) {
  const id = encodeURIComponent(s.id);
  const flows = useQuery({ queryKey: ['security-flows', s.id], queryFn: ({ signal }) => api<Page<Flow>>(`/stations/${id}/security-flows`, { query: { limit: 10 }, signal }) });
  const [shown, setShown] = useState<string | null>(null);
  const rotate = useCommand(async () => {
    const r = await api<Rotation>(`/stations/${id}/password-rotation`, { method: 'POST', body: {} });
    setShown(r.password ?? null);
    return r.flow;
  }, [['security-flows', s.id], ['station', s.id]]);
  const current = s.effectiveSecurityProfile;
  const [chosen, setTarget] = useState(String(Math.min(3, current + 1)));
  // After an upgrade the current profile rises: a choice at or below it falls back to the next one.
  const target = Number(chosen) > current ? chosen : String(Math.min(3, current + 1));
  const upgrade = useCommand(
    () => api<Flow>(`/stations/${id}/security-profile-upgrade`, { method: 'POST', body: { targetProfile: Number(target) } }),
    [['security-flows', s.id], ['station', s.id]],
  );
  const last = (upgrade.result ?? rotate.result) as { ok: true; value: Flow } | { ok: false; error: unknown } | null;
  return (
    <Card title="Password and security profile">
      <div className="inline-form">
        <button
          type="button"
          disabled={rotate.pending || !s.connected || current === 0 || current === 3}
          title={!s.connected ? 'the charger must be connected' : current === 0 || current === 3 ? `profile ${current} uses no password` : undefined}
          onClick={() => {
            if (confirm(`Rotate the password of ${s.id}? Plugboard generates a new one and sends it (ChangeConfiguration AuthorizationKey); the charger reconnects with it, the old one is refused after that.`)) {
              upgrade.reset();
              void rotate.run(undefined);
            }
          }}
        >
          Rotate password
        </button>
        <label>
          Upgrade to profile
          <select value={target} onChange={(e) => setTarget(e.target.value)} disabled={current >= 3}>
            {[1, 2, 3].filter((p) => p > current).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          disabled={upgrade.pending || !s.connected || current >= 3}
          onClick={() => {
            if (confirm(`Raise ${s.id} from security profile ${current} to ${target}? The charger is reset and must reconnect with profile ${target}; a connection at a lower profile is refused from then on (no downgrade).`)) {
              rotate.reset();
              void upgrade.run(undefined);
            }
          }}
        >
          Upgrade security profile
        </button>
      </div>
      {last?.ok && (
        <p role="status">
          {last.value.kind === 'password-rotation' ? 'Password rotation' : `Upgrade to profile ${last.value.targetProfile}`}: <Badge value={last.value.status} tone={TONE[last.value.status]} />{' '}
          {last.value.detail ?? ''}
        </p>
      )}
      {last && !last.ok && <ErrorBox error={last.error} />}
      {shown && <ShownOnce label={`New password of ${s.id} (the charger got it over OCPP; keep it only to re-provision the charger by hand)`} value={shown} onDismiss={() => setShown(null)} />}
      <QueryView query={flows} rows={2}>
        {(d) =>
          d.items.length === 0 ? (
            <Empty>No password rotation or profile upgrade yet.</Empty>
          ) : (
            <table className="table compact">
              <thead>
                <tr>
                  <th>Started</th>
                  <th>Change</th>
                  <th>Status</th>
                  <th>Detail</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((f) => (
                  <tr key={f.id}>
                    <td>{fmtDateTime(f.createdAt)}</td>
                    <td>{f.kind === 'password-rotation' ? 'password rotation' : `profile ${f.fromProfile ?? '?'} → ${f.targetProfile}`}</td>
                    <td>
                      <Badge value={f.status} tone={TONE[f.status]} />
                    </td>
                    <td className="muted">{f.detail ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </Card>
  );
}
