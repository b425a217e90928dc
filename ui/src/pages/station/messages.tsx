// The charger's OCPP message log, newest first, live unless paused, filterable by action and direction.
import { Fragment, useState } from 'react';
import { useMessages } from '../../api/queries.ts';
import { fmtDateTime, fmtWhen } from '../../lib/format.ts';
import { Badge, Card, Pager, QueryView } from '../../components/ui.tsx';

const LIMIT = 100;

export function StationMessages({ id }: { id: string }) {
  const [action, setAction] = useState('');
  const [direction, setDirection] = useState('');
  const [live, setLive] = useState(true);
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  const q = useMessages(id, { action: action.trim(), direction, limit: LIMIT, offset, sort: '-createdAt' }, live && offset === 0);
  return (
    <Card
      title="Message log"
      actions={
        <div className="filters tight">
          <input aria-label="Action" placeholder="Action, e.g. StatusNotification" value={action} onChange={(e) => (setAction(e.target.value), setOffset(0))} />
          <select aria-label="Direction" value={direction} onChange={(e) => (setDirection(e.target.value), setOffset(0))}>
            <option value="">In and out</option>
            <option value="in">From the charger</option>
            <option value="out">To the charger</option>
          </select>
          <label className="check">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
          </label>
        </div>
      }
    >
      <QueryView query={q} rows={8} isEmpty={(d) => d.items.length === 0} empty="No message matches.">
        {(d) => (
          <>
            <div className="table-wrap">
              <table className="table messages-table">
                <thead>
                  <tr>
                    <th>Time</th>
                    <th />
                    <th>Type</th>
                    <th>Action</th>
                    <th>Message id</th>
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((m) => (
                    <Fragment key={m.id}>
                      <tr className="clickable" onClick={() => setOpen(open === m.id ? null : m.id)} aria-expanded={open === m.id}>
                        <td className="nowrap" title={fmtDateTime(m.createdAt)}>{fmtWhen(m.createdAt)}</td>
                        <td>
                          <span className={`dir dir-${m.direction}`} title={m.direction === 'in' ? 'from the charger' : 'to the charger'}>
                            {m.direction === 'in' ? '← in' : '→ out'}
                          </span>
                        </td>
                        <td>
                          <Badge value={m.messageTypeName} tone={m.messageType === 4 ? 'bad' : m.messageType === 2 ? 'info' : 'mute'} />
                        </td>
                        <td className="mono">{m.action ?? '—'}</td>
                        <td className="mono muted small">{m.messageId}</td>
                      </tr>
                      {open === m.id && (
                        <tr className="expanded">
                          <td colSpan={5}>
                            <pre className="json">{m.raw ?? JSON.stringify(m.frame, null, 2)}</pre>
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager total={d.total} limit={LIMIT} offset={offset} onChange={setOffset} />
          </>
        )}
      </QueryView>
    </Card>
  );
}
