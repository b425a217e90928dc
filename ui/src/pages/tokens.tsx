// Tokens (idTags): list with filters, create, edit (status, group, expiry, concurrency), block,
// delete, CSV import and export, and the unknown tokens chargers presented.
import { useEffect, useState, type FormEvent } from 'react';
import { api, download } from '../api/client.ts';
import { useTokens, useUnknownTokens } from '../api/queries.ts';
import type { ImportResult, Token, TokenStatus } from '../api/types.ts';
import { AdminOnly, useCanWrite } from '../lib/auth.tsx';
import { useCommand } from '../lib/command.ts';
import { fmtDateTime, fmtInt, fmtWhen, fromLocalInput, toLocalInput } from '../lib/format.ts';
import { Link, setParams, stationPath, useLocation } from '../lib/router.tsx';
import { useTextParam } from '../lib/params.ts';
import { Badge, Card, Empty, ErrorBox, Loading, Pager, QueryView } from '../components/ui.tsx';

const LIMIT = 50;
const STATUSES: TokenStatus[] = ['Accepted', 'Blocked', 'Expired', 'Invalid'];

export function Tokens() {
  const { params } = useLocation();
  const [search, setSearch, debounced] = useTextParam('search');
  const status = params.get('status') ?? '';
  const [parentInput, setParent, parent] = useTextParam('parent');
  const [offset, setOffset] = useState(0);
  useEffect(() => setOffset(0), [debounced, status, parent]);
  const q = useTokens({ search: debounced, status, parent: parent.trim(), limit: LIMIT, offset, sort: 'idTag' });
  const [panel, setPanel] = useState<'add' | 'import' | null>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  return (
    <>
      <div className="page-head">
        <h1>Tokens</h1>
        <div className="button-row">
          <AdminOnly>
            <button type="button" className={panel === 'add' ? 'primary is-on' : 'primary'} onClick={() => setPanel(panel === 'add' ? null : 'add')}>
              Add token
            </button>
            <button type="button" onClick={() => setPanel(panel === 'import' ? null : 'import')}>
              Import CSV
            </button>
          </AdminOnly>
          <button type="button" onClick={() => download('/tokens/export.csv', undefined, 'tokens.csv').catch(setExportError)}>
            Export CSV
          </button>
        </div>
      </div>
      {exportError !== null && <ErrorBox error={exportError} />}
      {panel === 'add' && <AddToken />}
      {panel === 'import' && <ImportTokens />}
      <div className="filters">
        <input type="search" aria-label="Search tokens" placeholder="Search idTag or group" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Status" value={status} onChange={(e) => setParams({ status: e.target.value })}>
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <input aria-label="Group" placeholder="Group (parent idTag)" value={parentInput} onChange={(e) => setParent(e.target.value)} />
      </div>
      <Card>
        <QueryView query={q} rows={8} isEmpty={(d) => d.total === 0} empty={debounced || status || parent ? 'No token matches.' : 'No token yet: add one or import a CSV file.'}>
          {(d) => (
            <>
              <div className="table-wrap">
                <table className="table tokens-table">
                  <thead>
                    <tr>
                      <th>idTag</th>
                      <th>Group</th>
                      <th>Status</th>
                      <th>Expires</th>
                      <th>Concurrent</th>
                      <th>Updated</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {d.items.map((t) => (
                      <TokenRow key={t.idTag} t={t} />
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager total={d.total} limit={LIMIT} offset={offset} onChange={setOffset} />
            </>
          )}
        </QueryView>
      </Card>
      <UnknownTokens />
    </>
  );
}

function TokenRow({ t }: { t: Token }) {
  const canWrite = useCanWrite();
  const [editing, setEditing] = useState(false);
  const path = `/tokens/${encodeURIComponent(t.idTag)}`;
  const block = useCommand(() => api(`${path}/${t.status === 'Blocked' ? 'unblock' : 'block'}`, { method: 'POST' }), [['tokens']]);
  const remove = useCommand(() => api(path, { method: 'DELETE' }), [['tokens']]);
  const expired = t.expiryDate !== null && new Date(t.expiryDate).getTime() < Date.now();
  if (editing) return <EditToken t={t} onDone={() => setEditing(false)} />;
  const error = block.result && !block.result.ok ? block.result.error : remove.result && !remove.result.ok ? remove.result.error : null;
  return (
    <tr data-token={t.idTag}>
      <td className="mono strong">{t.idTag}</td>
      <td className="mono">{t.parentIdTag ?? '—'}</td>
      <td>
        <Badge value={t.status} />
      </td>
      <td className={expired ? 'bad-text nowrap' : 'nowrap'}>{t.expiryDate ? fmtDateTime(t.expiryDate) : 'never'}</td>
      <td>{t.allowConcurrent ? 'allowed' : 'no'}</td>
      <td className="nowrap muted">{fmtWhen(t.updatedAt)}</td>
      <td className="row-actions">
        {canWrite && (
          <>
            <button type="button" className="link" onClick={() => setEditing(true)}>
              Edit
            </button>
            <button type="button" className="link" disabled={block.pending} onClick={() => void block.run(undefined)}>
              {t.status === 'Blocked' ? 'Unblock' : 'Block'}
            </button>
            <button
              type="button"
              className="link danger-text"
              disabled={remove.pending}
              onClick={() => {
                if (confirm(`Delete token ${t.idTag}? Chargers will be told it is Invalid.`)) void remove.run(undefined);
              }}
            >
              Delete
            </button>
          </>
        )}
        {error !== null && <ErrorBox error={error} />}
      </td>
    </tr>
  );
}

function EditToken({ t, onDone }: { t: Token; onDone: () => void }) {
  const [status, setStatus] = useState<TokenStatus>(t.status);
  const [parent, setParent] = useState(t.parentIdTag ?? '');
  const [expiry, setExpiry] = useState(toLocalInput(t.expiryDate));
  const [concurrent, setConcurrent] = useState(t.allowConcurrent);
  const save = useCommand(
    () => api(`/tokens/${encodeURIComponent(t.idTag)}`, { method: 'PATCH', body: { status, parentIdTag: parent.trim() || null, expiryDate: fromLocalInput(expiry), allowConcurrent: concurrent } }),
    [['tokens']],
  );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await save.run(undefined)) onDone();
  };
  return (
    <tr className="editing" data-token={t.idTag}>
      <td colSpan={7}>
        <form className="inline-form" onSubmit={submit}>
          <strong className="mono">{t.idTag}</strong>
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(e.target.value as TokenStatus)}>
              {STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label>
            Group (parent idTag)
            <input value={parent} maxLength={20} onChange={(e) => setParent(e.target.value)} />
          </label>
          <label>
            Expires
            <input type="datetime-local" value={expiry} onChange={(e) => setExpiry(e.target.value)} />
          </label>
          <label className="check">
            <input type="checkbox" checked={concurrent} onChange={(e) => setConcurrent(e.target.checked)} /> Concurrent sessions
          </label>
          <button type="submit" className="primary" disabled={save.pending}>
            Save
          </button>
          <button type="button" onClick={onDone}>
            Cancel
          </button>
          {save.result && !save.result.ok && <ErrorBox error={save.result.error} />}
        </form>
      </td>
    </tr>
  );
}

function AddToken({ initial = '' }: { initial?: string }) {
  const [idTag, setIdTag] = useState(initial);
  const [parent, setParent] = useState('');
  const [expiry, setExpiry] = useState('');
  const [status, setStatus] = useState<TokenStatus>('Accepted');
  const add = useCommand(
    () => api('/tokens', { method: 'POST', body: { idTag: idTag.trim(), parentIdTag: parent.trim() || null, status, expiryDate: fromLocalInput(expiry) } }),
    [['tokens'], ['unknown-tokens']],
  );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await add.run(undefined)) {
      setIdTag('');
      setParent('');
      setExpiry('');
    }
  };
  return (
    <Card title="Add a token">
      <form className="inline-form" onSubmit={submit}>
        <label>
          idTag
          <input required maxLength={20} value={idTag} onChange={(e) => setIdTag(e.target.value)} />
        </label>
        <label>
          Group (parent idTag)
          <input maxLength={20} value={parent} onChange={(e) => setParent(e.target.value)} />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as TokenStatus)}>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Expires
          <input type="datetime-local" value={expiry} onChange={(e) => setExpiry(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={add.pending}>
          Add
        </button>
        {add.result?.ok && <span className="ok-text">Added.</span>}
        {add.result && !add.result.ok && <ErrorBox error={add.result.error} />}
      </form>
    </Card>
  );
}

function ImportTokens() {
  const [text, setText] = useState('');
  const importCsv = useCommand(
    (body: BodyInit) => api<ImportResult>('/tokens/import', { method: 'POST', raw: { body, contentType: 'text/csv' } }),
    [['tokens'], ['unknown-tokens']],
  );
  const result = importCsv.result?.ok ? (importCsv.result.value as ImportResult) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void importCsv.run(text);
  };
  return (
    <Card title="Import tokens from CSV">
      <p className="muted small">
        A header row, then one token a line: <code>idTag,parentIdTag,status,expiryDate,allowConcurrent</code> (the export's format). Existing tokens are updated; each bad line is reported and skipped.
      </p>
      <form className="action-form" onSubmit={submit}>
        <label>
          File
          <input type="file" accept=".csv,text/csv" aria-label="CSV file" onChange={(e) => void e.target.files?.[0]?.text().then(setText)} />
        </label>
        <label>
          or paste
          <textarea rows={5} className="mono" aria-label="CSV text" value={text} onChange={(e) => setText(e.target.value)} placeholder={'idTag,parentIdTag,status,expiryDate,allowConcurrent\n04A2B3C4D5,FLEET1,Accepted,2027-12-31,false'} />
        </label>
        <button type="submit" className="primary" disabled={importCsv.pending || !text.trim()}>
          {importCsv.pending ? 'Importing…' : 'Import'}
        </button>
      </form>
      {importCsv.result && !importCsv.result.ok && <ErrorBox error={importCsv.result.error} />}
      {result && (
        <div className="import-result" role="status">
          <p>
            <strong>{fmtInt(result.rows)}</strong> rows: <span className="ok-text">{fmtInt(result.created)} created</span>, {fmtInt(result.updated)} updated,{' '}
            <span className={result.failed ? 'bad-text' : ''}>{fmtInt(result.failed)} failed</span>.
          </p>
          {result.errors.length > 0 && (
            <table className="table compact">
              <thead>
                <tr>
                  <th>Line</th>
                  <th>idTag</th>
                  <th>Problem</th>
                </tr>
              </thead>
              <tbody>
                {result.errors.map((e) => (
                  <tr key={e.line}>
                    <td>{e.line}</td>
                    <td className="mono">{e.idTag ?? '—'}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </Card>
  );
}

function UnknownTokens() {
  const [offset, setOffset] = useState(0);
  const q = useUnknownTokens({ limit: 20, offset });
  return (
    <Card title="Unknown tokens">
      <p className="muted small">idTags presented at chargers that Plugboard does not know (they were refused, or accepted in free-charging mode).</p>
      {!q.data ? (
        q.isError ? <ErrorBox error={q.error} /> : <Loading rows={2} />
      ) : q.data.total === 0 ? (
        <Empty>No unknown token has been presented.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>idTag</th>
                  <th className="num">Times</th>
                  <th>First seen</th>
                  <th>Last seen</th>
                  <th>At</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {q.data.items.map((u) => (
                  <UnknownTokenRow key={u.idTag} idTag={u.idTag} count={u.count} first={u.firstSeenAt} last={u.lastSeenAt} station={u.lastStationId} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager total={q.data.total} limit={20} offset={offset} onChange={setOffset} />
        </>
      )}
    </Card>
  );
}

function UnknownTokenRow({ idTag, count, first, last, station }: { idTag: string; count: number; first: string; last: string; station: string }) {
  const add = useCommand(() => api('/tokens', { method: 'POST', body: { idTag } }), [['tokens'], ['unknown-tokens']]);
  return (
    <tr>
      <td className="mono strong">{idTag}</td>
      <td className="num">{fmtInt(count)}</td>
      <td className="nowrap">{fmtWhen(first)}</td>
      <td className="nowrap">{fmtWhen(last)}</td>
      <td>
        <Link to={stationPath(station)}>{station}</Link>
      </td>
      <td className="row-actions">
        <AdminOnly>
          {add.result?.ok ? (
            <span className="ok-text">Added</span>
          ) : (
            <button type="button" disabled={add.pending} onClick={() => void add.run(undefined)}>
              Add as token
            </button>
          )}
        </AdminOnly>
        {add.result && !add.result.ok && <ErrorBox error={add.result.error} />}
      </td>
    </tr>
  );
}
