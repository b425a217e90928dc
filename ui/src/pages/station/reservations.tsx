// Reservations of one station (OCPP 1.6 Reservation profile): list, reserve, cancel.
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { Page, Reservation, Station } from '../../api/types.ts';
import { AdminOnly } from '../../lib/auth.tsx';
import { useCommand } from '../../lib/command.ts';
import { fromLocalInput, toLocalInput } from '../../lib/format.ts';
import { Answer, Card, QueryView } from '../../components/ui.tsx';
import { ReservationsTable } from '../../components/reservations-table.tsx';

export function StationReservations({ station: s }: { station: Station }) {
  const q = useQuery({
    queryKey: ['reservations', 'station', s.id],
    queryFn: ({ signal }) => api<Page<Reservation>>(`/stations/${encodeURIComponent(s.id)}/reservations`, { query: { limit: 50, sort: '-createdAt' }, signal }),
  });
  return (
    <>
      <AdminOnly>
        <Reserve s={s} />
      </AdminOnly>
      <Card title="Reservations">
        <QueryView query={q} rows={3} isEmpty={(d) => d.total === 0} empty="No reservation on this station.">
          {(d) => <ReservationsTable items={d.items} showStation={false} />}
        </QueryView>
      </Card>
    </>
  );
}

function Reserve({ s }: { s: Station }) {
  const [connectorId, setConnectorId] = useState('1');
  const [idTag, setIdTag] = useState('');
  const [expiry, setExpiry] = useState(() => toLocalInput(new Date(Date.now() + 3600_000).toISOString()));
  const c = useCommand(
    () => api(`/stations/${encodeURIComponent(s.id)}/reservations`, { method: 'POST', body: { connectorId: Number(connectorId), idTag: idTag.trim(), expiryDate: fromLocalInput(expiry) } }),
    [['reservations']],
  );
  const ids = [0, ...s.connectors.map((c) => c.connectorId).filter((n) => n > 0)];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void c.run(undefined);
  };
  return (
    <Card title="Reserve a connector">
      <form className="inline-form" onSubmit={submit}>
        <label>
          Connector
          <select value={connectorId} onChange={(e) => setConnectorId(e.target.value)}>
            {ids.map((n) => (
              <option key={n} value={n}>
                {n === 0 ? 'any connector' : n}
              </option>
            ))}
          </select>
        </label>
        <label>
          idTag
          <input required maxLength={20} value={idTag} onChange={(e) => setIdTag(e.target.value)} />
        </label>
        <label>
          Until
          <input type="datetime-local" required value={expiry} onChange={(e) => setExpiry(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={!s.connected || c.pending}>
          Reserve
        </button>
      </form>
      <Answer result={c.result} label="Reservation" />
    </Card>
  );
}
