// Sessions (transactions): active and past, filtered, paged, and exported as CSV via the report.
import { useEffect, useState } from 'react';
import { download } from '../api/client.ts';
import { useTransactions } from '../api/queries.ts';
import { dayStartIso, localDay } from '../lib/format.ts';
import { setParams, useLocation } from '../lib/router.tsx';
import { useTextParam } from '../lib/params.ts';
import { Card, ErrorBox, Pager, QueryView } from '../components/ui.tsx';
import { SessionsTable } from '../components/sessions-table.tsx';

const LIMIT = 50;

export function Sessions() {
  const { params } = useLocation();
  const [stationInput, setStation, stationId] = useTextParam('stationId');
  const [idTagInput, setIdTag, idTag] = useTextParam('idTag');
  const active = params.get('active') === 'true';
  const fromDay = params.get('from') ?? '';
  const toDay = params.get('to') ?? '';
  const [offset, setOffset] = useState(0);
  useEffect(() => setOffset(0), [stationId, idTag, active, fromDay, toDay]);
  const q = useTransactions({
    stationId: stationId.trim(),
    idTag: idTag.trim(),
    active: active || undefined,
    from: fromDay ? dayStartIso(fromDay) : undefined,
    // The day chosen as "to" is included: the range ends when the next day starts.
    to: toDay ? dayStartIso(localDay(1, new Date(`${toDay}T12:00`))) : undefined,
    limit: LIMIT,
    offset,
    sort: '-startTimestamp',
  });
  const [exportError, setExportError] = useState<unknown>(null);
  const exportCsv = async () => {
    setExportError(null);
    const from = fromDay || localDay(-30);
    const to = localDay(1, new Date(`${toDay || localDay()}T12:00`));
    try {
      await download('/reports/transactions.csv', { from: dayStartIso(from), to: dayStartIso(to), stationId: stationId.trim() || undefined }, `transactions_${from}_${to}.csv`);
    } catch (err) {
      setExportError(err);
    }
  };
  return (
    <>
      <div className="page-head">
        <h1>Sessions</h1>
        <button type="button" onClick={() => void exportCsv()} title="Sessions started in the chosen days (the last 30 days when no day is chosen)">
          Export CSV
        </button>
      </div>
      {exportError !== null && <ErrorBox error={exportError} />}
      <div className="filters">
        <input aria-label="Station" placeholder="Station id" value={stationInput} onChange={(e) => setStation(e.target.value)} />
        <input aria-label="idTag" placeholder="idTag" value={idTagInput} onChange={(e) => setIdTag(e.target.value)} />
        <label className="check">
          <input type="checkbox" checked={active} onChange={(e) => setParams({ active: e.target.checked ? 'true' : null })} /> Active only
        </label>
        <label className="inline-label">
          From <input type="date" value={fromDay} onChange={(e) => setParams({ from: e.target.value })} />
        </label>
        <label className="inline-label">
          To <input type="date" value={toDay} onChange={(e) => setParams({ to: e.target.value })} />
        </label>
      </div>
      <Card>
        <QueryView query={q} rows={8} isEmpty={(d) => d.total === 0} empty={active ? 'No session is running.' : 'No session matches.'}>
          {(d) => (
            <>
              <SessionsTable items={d.items} />
              <Pager total={d.total} limit={LIMIT} offset={offset} onChange={setOffset} />
            </>
          )}
        </QueryView>
      </Card>
    </>
  );
}
