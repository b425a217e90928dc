// Who is signed in: the API key (kept in localStorage) and what it may do, from GET /me.
// Read-only keys see no action buttons; the API would refuse them anyway (403).
import { createContext, useContext, type ReactNode } from 'react';
import type { Me } from '../api/types.ts';

export interface Session {
  key: string;
  me: Me;
  signOut(): void;
}

export const AuthContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(AuthContext);
  if (!s) throw new Error('useSession outside a signed-in session');
  return s;
}

export function useCanWrite(): boolean {
  return useContext(AuthContext)?.me.role === 'admin';
}

/** Renders its children only for admin keys. */
export function AdminOnly({ children }: { children: ReactNode }) {
  return useCanWrite() ? <>{children}</> : null;
}
