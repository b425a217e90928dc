// Commands to the charger, each with the charger's answer shown as it came back.
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../api/client.ts';
import { useTransactions } from '../../api/queries.ts';
import type { Station } from '../../api/types.ts';
import { useCanWrite } from '../../lib/auth.tsx';
import { useCommand } from '../../lib/command.ts';
import { Answer, Card, Empty } from '../../components/ui.tsx';

function ActionCard({ title, hint, onSubmit, disabled, pending, result, children }: {
  title: string;
  hint?: string;
  onSubmit: () => void;
  disabled: boolean;
  pending: boolean;
  result: Parameters<typeof Answer>[0]['result'];
  children?: ReactNode;
}) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit();
  };
  return (
    <Card title={title} className="action-card">
      <form onSubmit={submit} className="action-form">
        {hint && <p className="muted small">{hint}</p>}
        {children}
        <button type="submit" className="primary" disabled={disabled || pending}>
          {pending ? 'Waiting for the charger…' : 'Send'}
        </button>
      </form>
      <Answer result={result} />
    </Card>
  );
}

const connectorOptions = (s: Station, withZero: boolean) => {
  const ids = s.connectors.map((c) => c.connectorId).filter((n) => n > 0);
  const max = Math.max(1, ...ids);
  return [...(withZero ? [0] : []), ...Array.from({ length: max }, (_, i) => i + 1)];
};

export function StationActions({ station: s }: { station: Station }) {
  const canWrite = useCanWrite();
  if (!canWrite) return <Empty>Your API key is read-only: commands need an admin key.</Empty>;
  return (
    <>
      {!s.connected && <div className="notice">The station is offline: commands can be sent once it connects.</div>}
      <div className="actions-grid">
        <RemoteStart s={s} />
        <RemoteStop s={s} />
        <Reset s={s} />
        <Unlock s={s} />
        <Availability s={s} />
        <Trigger s={s} />
        <ClearCache s={s} />
        <DataTransfer s={s} />
      </div>
    </>
  );
}

const path = (s: Station, rest: string) => `/stations/${encodeURIComponent(s.id)}${rest}`;

function RemoteStart({ s }: { s: Station }) {
  const [connectorId, setConnectorId] = useState('1');
  const [idTag, setIdTag] = useState('');
  const c = useCommand(() => api(path(s, '/remote-start'), { method: 'POST', body: { connectorId: Number(connectorId), idTag: idTag.trim() } }), [['transactions']]);
  return (
    <ActionCard title="Remote start" hint="RemoteStartTransaction: the charger starts a session for this idTag." onSubmit={() => void c.run(undefined)} disabled={!s.connected} pending={c.pending} result={c.result}>
      <label>
        Connector
        <select value={connectorId} onChange={(e) => setConnectorId(e.target.value)}>
          {connectorOptions(s, false).map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
      </label>
      <label>
        idTag
        <input required maxLength={20} value={idTag} onChange={(e) => setIdTag(e.target.value)} />
      </label>
    </ActionCard>
  );
}

function RemoteStop({ s }: { s: Station }) {
  const active = useTransactions({ stationId: s.id, active: true, limit: 50 });
  const [txId, setTxId] = useState('');
  const chosen = txId || String(active.data?.items[0]?.id ?? '');
  const c = useCommand(() => api(`/transactions/${chosen}/remote-stop`, { method: 'POST' }), [['transactions']]);
  return (
    <ActionCard title="Remote stop" hint="RemoteStopTransaction for a running session." onSubmit={() => void c.run(undefined)} disabled={!s.connected || !chosen} pending={c.pending} result={c.result}>
      <label>
        Session
        <select value={chosen} onChange={(e) => setTxId(e.target.value)}>
          {active.data?.items.length ? null : <option value="">no session is running</option>}
          {active.data?.items.map((t) => (
            <option key={t.id} value={t.id}>
              #{t.id} · connector {t.connectorId} · {t.idTag}
            </option>
          ))}
        </select>
      </label>
    </ActionCard>
  );
}

function Reset({ s }: { s: Station }) {
  const [type, setType] = useState('Soft');
  const c = useCommand(() => api(path(s, '/reset'), { method: 'POST', body: { type } }));
  return (
    <ActionCard title="Reset" hint="Soft stops sessions and restarts the software; Hard restarts the hardware." onSubmit={() => void c.run(undefined)} disabled={!s.connected} pending={c.pending} result={c.result}>
      <label>
        Type
        <select value={type} onChange={(e) => setType(e.target.value)}>
          <option>Soft</option>
          <option>Hard</option>
        </select>
      </label>
    </ActionCard>
  );
}

function Unlock({ s }: { s: Station }) {
  const [connectorId, setConnectorId] = useState('1');
  const c = useCommand(() => api(path(s, `/connectors/${connectorId}/unlock`), { method: 'POST' }));
  return (
    <ActionCard title="Unlock connector" hint="UnlockConnector: releases a stuck cable." onSubmit={() => void c.run(undefined)} disabled={!s.connected} pending={c.pending} result={c.result}>
      <label>
        Connector
        <select value={connectorId} onChange={(e) => setConnectorId(e.target.value)}>
          {connectorOptions(s, false).map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
      </label>
    </ActionCard>
  );
}

function Availability({ s }: { s: Station }) {
  const [connectorId, setConnectorId] = useState('0');
  const [type, setType] = useState('Inoperative');
  const c = useCommand(() => api(path(s, '/availability'), { method: 'POST', body: { connectorId: Number(connectorId), type } }));
  return (
    <ActionCard title="Availability" hint="ChangeAvailability; connector 0 is the whole charger." onSubmit={() => void c.run(undefined)} disabled={!s.connected} pending={c.pending} result={c.result}>
      <label>
        Connector
        <select value={connectorId} onChange={(e) => setConnectorId(e.target.value)}>
          {connectorOptions(s, true).map((n) => (
            <option key={n} value={n}>
              {n === 0 ? '0 (whole charger)' : n}
            </option>
          ))}
        </select>
      </label>
      <label>
        Make
        <select value={type} onChange={(e) => setType(e.target.value)}>
          <option>Inoperative</option>
          <option>Operative</option>
        </select>
      </label>
    </ActionCard>
  );
}

const TRIGGERABLE = ['BootNotification', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues', 'StatusNotification'];
/** Messages only ExtendedTriggerMessage (Security Whitepaper) can ask for; it can ask for the others but DiagnosticsStatusNotification too. */
const EXTENDED_ONLY = ['LogStatusNotification', 'SignChargePointCertificate'];

function Trigger({ s }: { s: Station }) {
  const [requestedMessage, setMessage] = useState('StatusNotification');
  const [connectorId, setConnectorId] = useState('');
  const [extendedChosen, setExtended] = useState(false);
  const mustExtend = EXTENDED_ONLY.includes(requestedMessage);
  const cannotExtend = requestedMessage === 'DiagnosticsStatusNotification';
  const extended = mustExtend || (extendedChosen && !cannotExtend);
  const c = useCommand(() =>
    api(path(s, extended ? '/extended-trigger' : '/trigger'), { method: 'POST', body: { requestedMessage, ...(connectorId ? { connectorId: Number(connectorId) } : {}) } }),
  );
  return (
    <ActionCard
      title="Trigger message"
      hint="TriggerMessage, or ExtendedTriggerMessage (Security Whitepaper): asks the charger to send a message now."
      onSubmit={() => void c.run(undefined)}
      disabled={!s.connected}
      pending={c.pending}
      result={c.result}
    >
      <label>
        Message
        <select value={requestedMessage} onChange={(e) => setMessage(e.target.value)}>
          {TRIGGERABLE.map((m) => (
            <option key={m}>{m}</option>
          ))}
          <optgroup label="ExtendedTriggerMessage only">
            {EXTENDED_ONLY.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </optgroup>
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={extended} disabled={mustExtend || cannotExtend} onChange={(e) => setExtended(e.target.checked)} /> Send as ExtendedTriggerMessage
      </label>
      <label>
        Connector
        <select value={connectorId} onChange={(e) => setConnectorId(e.target.value)}>
          <option value="">any / not applicable</option>
          {connectorOptions(s, false).map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
      </label>
    </ActionCard>
  );
}

function ClearCache({ s }: { s: Station }) {
  const c = useCommand(() => api(path(s, '/clear-cache'), { method: 'POST' }));
  return <ActionCard title="Clear authorization cache" hint="ClearCache: the charger forgets the idTags it cached." onSubmit={() => void c.run(undefined)} disabled={!s.connected} pending={c.pending} result={c.result} />;
}

function DataTransfer({ s }: { s: Station }) {
  const [vendorId, setVendorId] = useState('');
  const [messageId, setMessageId] = useState('');
  const [data, setData] = useState('');
  const c = useCommand(() => api(path(s, '/data-transfer'), { method: 'POST', body: { vendorId, ...(messageId ? { messageId } : {}), ...(data ? { data } : {}) } }));
  return (
    <ActionCard title="Data transfer" hint="A vendor-specific DataTransfer." onSubmit={() => void c.run(undefined)} disabled={!s.connected} pending={c.pending} result={c.result}>
      <label>
        Vendor id
        <input required maxLength={255} value={vendorId} onChange={(e) => setVendorId(e.target.value)} />
      </label>
      <label>
        Message id
        <input maxLength={50} value={messageId} onChange={(e) => setMessageId(e.target.value)} />
      </label>
      <label>
        Data
        <textarea rows={2} value={data} onChange={(e) => setData(e.target.value)} />
      </label>
    </ActionCard>
  );
}
