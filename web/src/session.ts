import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Settings } from './graphql/client';
import type { Role } from './graphql/types';

/** What every view needs: the API's settings and the caller's role. */
export interface Session {
  readonly settings: Settings;
  readonly role: Role;
  readonly subject: string;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

/** Operators and admins may act on workflows; viewers see the buttons disabled. */
export function canOperate(role: Role): boolean {
  return role === 'operator' || role === 'admin';
}
