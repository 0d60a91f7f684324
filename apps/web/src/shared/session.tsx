import { client } from '@promptdev/api-client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { isApiError, setUnauthorizedListener } from './api';

export type Role = 'admin' | 'operator' | 'viewer';

export interface Operator {
  id?: number;
  username: string;
  role: Role;
}

export interface Session {
  operator: Operator;
  /** The API has no /auth routes (an older server): every screen is open, as the API is. */
  authDisabled: boolean;
  canEdit: boolean;
  canAdmin: boolean;
}

const SessionContext = createContext<Session | undefined>(undefined);
export const SESSION_QUERY_KEY = ['session'] as const;

function asOperator(body: unknown): Operator | undefined {
  const candidate =
    typeof body === 'object' && body !== null && 'operator' in body ? body.operator : body;
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const { username, role, id } = candidate as Record<string, unknown>;
  if (typeof username !== 'string') return undefined;
  const known: Role[] = ['admin', 'operator', 'viewer'];
  return {
    username,
    role: known.includes(role as Role) ? (role as Role) : 'viewer',
    ...(typeof id === 'number' ? { id } : {}),
  };
}

async function fetchSession(): Promise<Session | null> {
  const result = await client.get({ url: '/auth/me' });
  const status = result.response?.status ?? 0;
  if (status === 401 || status === 403) return null;
  if (status === 404) {
    return {
      operator: { username: 'operator', role: 'admin' },
      authDisabled: true,
      canEdit: true,
      canAdmin: true,
    };
  }
  const operator = asOperator(result.data);
  if (!result.response?.ok || !operator) {
    throw new Error(isApiError(result.error) ? result.error.message : `HTTP ${status}`);
  }
  return {
    operator,
    authDisabled: false,
    canEdit: operator.role !== 'viewer',
    canAdmin: operator.role === 'admin',
  };
}

export function loginPath(next: string): string {
  return `/login?next=${encodeURIComponent(next)}`;
}

/** Redirects any 401 (an expired session) to the login page, remembering where we were. */
function useUnauthorizedRedirect(): void {
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  useEffect(() => {
    setUnauthorizedListener(() => {
      if (location.pathname.startsWith('/login') || location.pathname.startsWith('/chat')) return;
      queryClient.setQueryData(SESSION_QUERY_KEY, null);
      void navigate(loginPath(location.pathname + location.search), { replace: true });
    });
  }, [navigate, location, queryClient]);
}

export function useSessionQuery() {
  return useQuery({ queryKey: SESSION_QUERY_KEY, queryFn: fetchSession, staleTime: 60_000 });
}

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  useUnauthorizedRedirect();
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
