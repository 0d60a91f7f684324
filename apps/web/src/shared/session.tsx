import { getCurrentOperator, type OperatorDto } from '@promptdev/api-client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect } from 'react';
import { setUnauthorizedListener } from './api';

export type Role = OperatorDto['role'];

export interface Operator {
  id?: string;
  username: string;
  role: Role;
}

export interface Session {
  operator: Operator;
  canEdit: boolean;
  canAdmin: boolean;
}

const SessionContext = createContext<Session | undefined>(undefined);
export const SESSION_QUERY_KEY = ['session'] as const;

export function sessionOf(
  operator: Pick<OperatorDto, 'username' | 'role'> & { id?: string },
): Session {
  return {
    operator: { id: operator.id, username: operator.username, role: operator.role },
    canEdit: operator.role !== 'viewer',
    canAdmin: operator.role === 'admin',
  };
}

/** null: nobody is logged in (no cookie, or an expired or revoked session). */
async function fetchSession(): Promise<Session | null> {
  const { data, error, response } = await getCurrentOperator();
  if (response.status === 401) return null;
  // Keeps the error shape (code, message, requestId) for the error state.
  if (error !== undefined) throw Object.assign(new Error(error.message), error);
  return sessionOf(data);
}

export function loginPath(next: string): string {
  return `/login?next=${encodeURIComponent(next)}`;
}

/**
 * Any 401 (an expired session) forgets the session; the guard of the operator screens then sends
 * the operator to the login page with where they were as `next`.
 */
export function useUnauthorizedRedirect(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    setUnauthorizedListener(() => {
      if (queryClient.getQueryData(SESSION_QUERY_KEY))
        queryClient.setQueryData(SESSION_QUERY_KEY, null);
    });
  }, [queryClient]);
}

export function useSessionQuery() {
  return useQuery({ queryKey: SESSION_QUERY_KEY, queryFn: fetchSession, staleTime: 60_000 });
}

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
