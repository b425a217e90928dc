// Closing a stuck session: the operator marks a transaction stopped when the charger's
// StopTransaction never came (POST /transactions/{id}/close). Nothing goes to the charger, so it
// asks first, and says so; the reason (optional) becomes the session's stop reason.
import { useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import type { Transaction } from '../api/types.ts';
import { useCommand } from '../lib/command.ts';
import { ErrorBox } from './ui.tsx';

export function CloseSessionForm({ tx, onCancel }: { tx: Transaction; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const close = useCommand(
    () => api<Transaction>(`/transactions/${tx.id}/close`, { method: 'POST', body: reason.trim() ? { reason: reason.trim() } : {} }),
    [['transaction', tx.id], ['transactions'], ['overview'], ['station', tx.stationId]],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void close.run(undefined);
  };
  return (
    <form className="inline-form card close-session" onSubmit={submit} aria-label={`Close session #${tx.id}`}>
      <p className="grow">
        <strong>Close session #{tx.id} without the charger?</strong>{' '}
        <span className="muted">
          It is marked stopped now, with no final meter reading, and nothing is sent to {tx.stationId}. Use this when the charger will not report the stop; to end charging, use Stop session.
        </span>
      </p>
      <label className="grow">
        Reason (optional)
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={255} placeholder="closed by operator" />
      </label>
      <button type="submit" className="danger" disabled={close.pending}>
        Close session
      </button>
      <button type="button" onClick={onCancel} disabled={close.pending}>
        Cancel
      </button>
      {close.result && !close.result.ok && <ErrorBox error={close.result.error} />}
    </form>
  );
}
