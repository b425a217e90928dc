// Registration and credentials of a station (PATCH /stations/{id}): registration status, security
// profile and the Basic-auth password (write-only: Plugboard keeps only its hash); and deletion.
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import type { RegistrationStatus, Station } from '../../api/types.ts';
import { useCommand } from '../../lib/command.ts';
import { navigate } from '../../lib/router.tsx';
import { Card, ErrorBox } from '../../components/ui.tsx';

export function StationCredentials({ station: s }: { station: Station }) {
  const [status, setStatus] = useState<RegistrationStatus>(s.registrationStatus);
  const [profile, setProfile] = useState(s.securityProfile === null ? '' : String(s.securityProfile));
  const [password, setPassword] = useState('');
  const path = `/stations/${encodeURIComponent(s.id)}`;
  const save = useCommand(
    () => api(path, { method: 'PATCH', body: { registrationStatus: status, securityProfile: profile === '' ? null : Number(profile), ...(password ? { password } : {}) } }),
    [['station', s.id], ['stations']],
  );
  const remove = useCommand(async () => {
    await api(path, { method: 'DELETE' });
    navigate('/stations');
    return 'deleted';
  }, [['stations']]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if ((await save.run(undefined)) !== undefined) setPassword('');
  };
  return (
    <Card title="Registration and credentials">
      <form className="inline-form" onSubmit={submit}>
        <label>
          Registration
          <select value={status} onChange={(e) => setStatus(e.target.value as RegistrationStatus)}>
            <option>Accepted</option>
            <option>Pending</option>
            <option>Rejected</option>
          </select>
        </label>
        <label>
          Security profile
          <select value={profile} onChange={(e) => setProfile(e.target.value)}>
            <option value="">the configured default</option>
            <option value="0">0: no authentication</option>
            <option value="1">1: Basic auth</option>
            <option value="2">2: TLS + Basic auth</option>
          </select>
        </label>
        <label>
          New password {s.hasPassword ? '(one is set)' : '(none set)'}
          <input type="password" autoComplete="new-password" minLength={16} maxLength={40} value={password} onChange={(e) => setPassword(e.target.value)} placeholder="16 to 40 characters" />
        </label>
        <button type="submit" className="primary" disabled={save.pending}>
          Save
        </button>
        <button
          type="button"
          className="danger"
          disabled={remove.pending}
          onClick={() => {
            if (confirm(`Delete station ${s.id}? Its connection is closed; its sessions and logs stay.`)) void remove.run(undefined);
          }}
        >
          Delete station
        </button>
        {save.result?.ok && <span className="ok-text">Saved.</span>}
      </form>
      {save.result && !save.result.ok && <ErrorBox error={save.result.error} />}
      {remove.result && !remove.result.ok && <ErrorBox error={remove.result.error} />}
    </Card>
  );
}
