import { useState } from 'react';
import { useTransactions } from '../../api/queries.ts';
import { Link } from '../../lib/router.tsx';
import { Card, Pager, QueryView } from '../../components/ui.tsx';
import { SessionsTable } from '../../components/sessions-table.tsx';

export function StationSessions({ id }: { id: string }) {
  const [offset, setOffset] = useState(0);
  const q = useTransactions({ stationId: id, limit: 25, offset, sort: '-startTimestamp' });
  return (
    <Card title="Sessions" actions={<Link to={`/sessions?stationId=${encodeURIComponent(id)}`}>Filter and export</Link>}>
      <QueryView query={q} rows={5} isEmpty={(d) => d.total === 0} empty="No session on this station yet.">
        {(d) => (
          <>
            <SessionsTable items={d.items} showStation={false} />
            <Pager total={d.total} limit={25} offset={offset} onChange={setOffset} />
          </>
        )}
      </QueryView>
    </Card>
  );
}
