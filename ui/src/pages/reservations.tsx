// Reservations across the fleet (reserve from a station's page).
import { useState } from 'react';
import { useReservations } from '../api/queries.ts';
import { setParams, useLocation } from '../lib/router.tsx';
import { useTextParam } from '../lib/params.ts';
import { Card, Pager, QueryView } from '../components/ui.tsx';
import { ReservationsTable } from '../components/reservations-table.tsx';

export function Reservations() {
  const { params } = useLocation();
  const active = params.get('all') !== 'true';
  const [stationInput, setStation, stationId] = useTextParam('stationId');
  const [offset, setOffset] = useState(0);
  const q = useReservations({ active: active || undefined, stationId: stationId.trim(), limit: 50, offset, sort: '-createdAt' });
  return (
    <>
      <div className="page-head">
        <h1>Reservations</h1>
      </div>
      <div className="filters">
        <input aria-label="Station" placeholder="Station id" value={stationInput} onChange={(e) => (setStation(e.target.value), setOffset(0))} />
        <label className="check">
          <input type="checkbox" checked={active} onChange={(e) => (setParams({ all: e.target.checked ? null : 'true' }), setOffset(0))} /> Active only
        </label>
      </div>
      <Card>
        <QueryView query={q} rows={5} isEmpty={(d) => d.total === 0} empty={active ? 'No reservation is active. Reserve a connector from its station’s page.' : 'No reservation yet.'}>
          {(d) => (
            <>
              <ReservationsTable items={d.items} />
              <Pager total={d.total} limit={50} offset={offset} onChange={setOffset} />
            </>
          )}
        </QueryView>
      </Card>
    </>
  );
}
