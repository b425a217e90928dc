// The shell: sign-in gate, navigation, the live event stream and the routes.
import { useEffect, useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, onUnauthorized, storedKey, storeKey } from './api/client.ts';
import { EventStream } from './api/events.ts';
import type { Me } from './api/types.ts';
import { AuthContext, useSession, type Session } from './lib/auth.tsx';
import { Link, match, useLocation } from './lib/router.tsx';
import { StreamContext, useStreamState } from './lib/stream.tsx';
import { timeZone } from './lib/format.ts';
import { Loading, ErrorBox } from './components/ui.tsx';
import { SignIn } from './pages/signin.tsx';
import { Overview } from './pages/overview.tsx';
import { Stations } from './pages/stations.tsx';
import { StationPage } from './pages/station.tsx';
import { Sessions } from './pages/sessions.tsx';
import { SessionPage } from './pages/session.tsx';
import { Tokens } from './pages/tokens.tsx';
import { Reservations } from './pages/reservations.tsx';
import { Firmware } from './pages/firmware.tsx';
import { ApiKeys } from './pages/apikeys.tsx';
import { Webhooks } from './pages/webhooks.tsx';
import { SecurityEvents } from './pages/security.tsx';

const NAV: Array<[string, string]> = [
  ['/', 'Overview'],
  ['/stations', 'Stations'],
  ['/sessions', 'Sessions'],
  ['/tokens', 'Tokens'],
  ['/reservations', 'Reservations'],
  ['/firmware', 'Firmware'],
  ['/security-events', 'Security'],
];
/** Pages of admin keys only: a read-only key does not see them in the navigation. */
const ADMIN_NAV: Array<[string, string]> = [
  ['/api-keys', 'API keys'],
  ['/webhooks', 'Webhooks'],
];

export function App() {
  const client = useQueryClient();
  const [key, setKey] = useState<string | null>(storedKey);
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<unknown>(null);

  const signOut = useMemo(
    () => () => {
      storeKey(null);
      setKey(null);
      setMe(null);
      client.clear();
    },
    [client],
  );

  useEffect(() => onUnauthorized(signOut), [signOut]);

  // A stored key is checked again on every load: it may have been revoked meanwhile.
  useEffect(() => {
    if (!key || me) return;
    let cancelled = false;
    api<Me>('/me', { key })
      .then((m) => !cancelled && setMe(m))
      .catch((err: unknown) => {
        if (cancelled) return;
        if ((err as { status?: number }).status === 401) signOut();
        else setError(err);
      });
    return () => {
      cancelled = true;
    };
  }, [key, me, signOut]);

  const stream = useMemo(() => (key && me ? new EventStream(client, key) : null), [client, key, me]);
  useEffect(() => {
    if (!stream) return;
    stream.onUnauthorized = signOut;
    stream.start();
    return () => stream.stop();
  }, [stream, signOut]);

  if (!key) {
    return (
      <SignIn
        onSignedIn={(k, m) => {
          storeKey(k);
          setMe(m);
          setKey(k);
        }}
      />
    );
  }
  if (!me) {
    return <main className="center">{error ? <ErrorBox error={error} retry={() => setError(null)} /> : <Loading label="Signing in…" />}</main>;
  }
  const session: Session = { key, me, signOut };
  return (
    <AuthContext.Provider value={session}>
      <StreamContext.Provider value={stream}>
        <Shell />
      </StreamContext.Provider>
    </AuthContext.Provider>
  );
}

function Shell() {
  const { path } = useLocation();
  const { me } = useSession();
  const nav = me.role === 'admin' ? [...NAV, ...ADMIN_NAV] : NAV;
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  return (
    <div className="shell">
      <header className="topbar">
        <button type="button" className="menu-button" aria-label="Menu" aria-expanded={menuOpen} onClick={() => setMenuOpen(!menuOpen)}>
          ☰
        </button>
        <Link to="/" className="brand">
          Plugboard
        </Link>
        <nav className={menuOpen ? 'nav is-open' : 'nav'} aria-label="Main">
          {nav.map(([to, label]) => {
            const current = to === '/' ? path === '/' : path.startsWith(to);
            return (
              <Link key={to} to={to} className={current ? 'is-current' : undefined} aria-current={current ? 'page' : undefined}>
                {label}
              </Link>
            );
          })}
        </nav>
        <StreamIndicator />
        <UserMenu />
      </header>
      <main className="page">
        <Routes path={path} />
      </main>
    </div>
  );
}

function Routes({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if (path === '/' || path === '') return <Overview />;
  if (match('/stations', path)) return <Stations />;
  if ((m = match('/stations/:id', path))) return <StationPage id={m.id} />;
  if (match('/sessions', path)) return <Sessions />;
  if ((m = match('/sessions/:id', path)) && /^\d+$/.test(m.id)) return <SessionPage id={Number(m.id)} />;
  if (match('/tokens', path)) return <Tokens />;
  if (match('/reservations', path)) return <Reservations />;
  if (match('/firmware', path)) return <Firmware />;
  if (match('/security-events', path)) return <SecurityEvents />;
  if (match('/api-keys', path)) return <ApiKeys />;
  if (match('/webhooks', path)) return <Webhooks />;
  return (
    <div className="empty">
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/">Go to the overview</Link>.
      </p>
    </div>
  );
}

function StreamIndicator() {
  const state = useStreamState();
  const label = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting' : state === 'reconnecting' ? 'Reconnecting' : 'Offline';
  return (
    <span className={`stream stream-${state}`} title={`Live updates: ${label}. Times are in ${timeZone}.`} data-state={state}>
      <span className="dot" aria-hidden="true" /> {label}
    </span>
  );
}

function UserMenu() {
  const { me, signOut } = useSession();
  return (
    <div className="user">
      <span className="user-name" title={`API key "${me.name}" (${me.role})`}>
        {me.name}
        <small>{me.role === 'admin' ? 'admin' : 'read-only'}</small>
      </span>
      <button type="button" className="link" onClick={signOut}>
        Sign out
      </button>
    </div>
  );
}

