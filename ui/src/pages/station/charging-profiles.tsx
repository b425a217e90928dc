// Smart charging (OCPP 1.6 Smart Charging profile): the profiles a station holds, the schedule
// Plugboard expects, a simple limit to install, and clearing.
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { ChargingProfilePurpose, CsChargingProfile, ExpectedSchedule, InstalledProfile, Station } from '../../api/types.ts';
import { AdminOnly } from '../../lib/auth.tsx';
import { useCommand } from '../../lib/command.ts';
import { fmtDateTime, fmtDuration } from '../../lib/format.ts';
import { Answer, Card, Empty, QueryView } from '../../components/ui.tsx';

export function StationChargingProfiles({ station: s }: { station: Station }) {
  const id = encodeURIComponent(s.id);
  const profiles = useQuery({ queryKey: ['charging-profiles', s.id], queryFn: ({ signal }) => api<{ items: InstalledProfile[] }>(`/stations/${id}/charging-profiles`, { signal }) });
  const connectorIds = [0, ...s.connectors.map((c) => c.connectorId).filter((n) => n > 0)];
  const [connectorId, setConnectorId] = useState(connectorIds[1] ?? 0);
  const expected = useQuery({
    queryKey: ['charging-profiles', s.id, 'expected', connectorId],
    queryFn: ({ signal }) => api<ExpectedSchedule>(`/stations/${id}/expected-schedule`, { query: { connectorId, duration: 86_400 }, signal }),
  });
  const clear = useCommand((profileId: number) => api(`/stations/${id}/charging-profiles/${profileId}`, { method: 'DELETE' }), [['charging-profiles', s.id]]);
  return (
    <>
      <Card title="Installed profiles">
        <QueryView query={profiles} rows={3} isEmpty={(d) => d.items.length === 0} empty="No charging profile is installed (as far as Plugboard knows).">
          {(d) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>Id</th>
                    <th>Connector</th>
                    <th>Purpose</th>
                    <th>Stack</th>
                    <th>Kind</th>
                    <th>Schedule</th>
                    <th>Installed</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((p) => (
                    <tr key={`${p.connectorId}-${p.chargingProfileId}`}>
                      <td>{p.chargingProfileId}</td>
                      <td>{p.connectorId}</td>
                      <td>{p.chargingProfilePurpose}</td>
                      <td>{p.stackLevel}</td>
                      <td>{p.chargingProfileKind}</td>
                      <td className="small">
                        {p.profile.chargingSchedule.chargingSchedulePeriod.map((x) => `${fmtDuration(x.startPeriod)}: ${x.limit} ${p.profile.chargingSchedule.chargingRateUnit}`).join(' · ')}
                      </td>
                      <td className="nowrap">{fmtDateTime(p.installedAt)}</td>
                      <td>
                        <AdminOnly>
                          <button type="button" className="danger" disabled={!s.connected || clear.pending} onClick={() => void clear.run(p.chargingProfileId)}>
                            Clear
                          </button>
                        </AdminOnly>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
        <Answer result={clear.result} />
      </Card>
      <div className="grid-2">
        <Card
          title="Expected schedule (next 24 h)"
          actions={
            <select aria-label="Connector" value={connectorId} onChange={(e) => setConnectorId(Number(e.target.value))}>
              {connectorIds.map((n) => (
                <option key={n} value={n}>
                  {n === 0 ? 'Charger (0)' : `Connector ${n}`}
                </option>
              ))}
            </select>
          }
        >
          <QueryView query={expected} rows={3}>
            {(d) =>
              d.chargingSchedulePeriod.length === 0 ? (
                <Empty>No limit applies.</Empty>
              ) : (
                <>
                  <table className="table compact">
                    <tbody>
                      {d.chargingSchedulePeriod.map((p) => (
                        <tr key={p.startPeriod}>
                          <td className="nowrap">{fmtDateTime(new Date(new Date(d.scheduleStart).getTime() + p.startPeriod * 1000).toISOString())}</td>
                          <td className="num">{p.limit === null ? 'no limit' : `${p.limit} ${d.chargingRateUnit}`}</td>
                          <td className="muted">{p.chargingProfilePurpose ?? ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {d.notes.map((n) => (
                    <p key={n} className="muted small">
                      {n}
                    </p>
                  ))}
                </>
              )
            }
          </QueryView>
        </Card>
        <AdminOnly>
          <SetLimit s={s} connectorIds={connectorIds} nextId={Math.max(0, ...(profiles.data?.items.map((p) => p.chargingProfileId) ?? [])) + 1} />
        </AdminOnly>
      </div>
    </>
  );
}

function SetLimit({ s, connectorIds, nextId }: { s: Station; connectorIds: number[]; nextId: number }) {
  const [purpose, setPurpose] = useState<ChargingProfilePurpose>('TxDefaultProfile');
  const [connectorId, setConnectorId] = useState(0);
  const [stackLevel, setStackLevel] = useState('0');
  const [unit, setUnit] = useState<'A' | 'W'>('A');
  const [limit, setLimit] = useState('16');
  const set = useCommand(() => {
    const profile: CsChargingProfile = {
      chargingProfileId: nextId,
      stackLevel: Number(stackLevel),
      chargingProfilePurpose: purpose,
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit: Number(limit) }] },
    };
    return api(`/stations/${encodeURIComponent(s.id)}/charging-profiles`, { method: 'POST', body: { connectorId: purpose === 'ChargePointMaxProfile' ? 0 : connectorId, csChargingProfiles: profile } });
  }, [['charging-profiles', s.id]]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void set.run(undefined);
  };
  return (
    <Card title="Set a constant limit">
      <form className="action-form" onSubmit={submit}>
        <label>
          Purpose
          <select value={purpose} onChange={(e) => setPurpose(e.target.value as ChargingProfilePurpose)}>
            <option value="TxDefaultProfile">TxDefaultProfile (every session)</option>
            <option value="ChargePointMaxProfile">ChargePointMaxProfile (whole charger)</option>
          </select>
        </label>
        {purpose === 'TxDefaultProfile' && (
          <label>
            Connector
            <select value={connectorId} onChange={(e) => setConnectorId(Number(e.target.value))}>
              {connectorIds.map((n) => (
                <option key={n} value={n}>
                  {n === 0 ? 'all connectors (0)' : n}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Stack level
          <input type="number" min={0} required value={stackLevel} onChange={(e) => setStackLevel(e.target.value)} />
        </label>
        <label>
          Limit
          <span className="inline">
            <input type="number" min={0} step="0.1" required value={limit} onChange={(e) => setLimit(e.target.value)} />
            <select aria-label="Unit" value={unit} onChange={(e) => setUnit(e.target.value as 'A' | 'W')}>
              <option value="A">A</option>
              <option value="W">W</option>
            </select>
          </span>
        </label>
        <button type="submit" className="primary" disabled={!s.connected || set.pending}>
          Send SetChargingProfile (id {nextId})
        </button>
      </form>
      <Answer result={set.result} />
    </Card>
  );
}
