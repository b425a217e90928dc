import { useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { ErrorBox } from '../components/ui.tsx';

export function SignIn({ onSignedIn }: { onSignedIn: (key: string, me: Me) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const k = key.trim();
      onSignedIn(k, await api<Me>('/me', { key: k }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit}>
        <h1>Plugboard</h1>
        <p className="muted">Sign in with an API key. The first start of Plugboard prints an admin key; admins create more (read-only ones too) with <code>POST /api/v1/api-keys</code>.</p>
        <label>
          API key
          <input name="apiKey" type="password" autoComplete="current-password" required value={key} onChange={(e) => setKey(e.target.value)} placeholder="pb_…" autoFocus />
        </label>
        {error !== null && <ErrorBox error={error} />}
        <button type="submit" className="primary" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">The key is kept in this browser only (local storage) until you sign out.</p>
      </form>
    </main>
  );
}
