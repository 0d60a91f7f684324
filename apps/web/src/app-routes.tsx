import { lazy, type ReactNode, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { ScreenErrorBoundary } from './shared/error-boundary';
import { ErrorState, PageLoader } from './shared/states';
import {
  loginPath,
  SessionProvider,
  useSessionQuery,
  useUnauthorizedRedirect,
} from './shared/session';
import { Shell } from './shell';

const LoginScreen = lazy(() => import('./screens/login-screen'));
const ChatScreen = lazy(() => import('./chat/chat-screen'));
const DashboardScreen = lazy(() => import('./screens/dashboard-screen'));
const PersonalitiesScreen = lazy(() => import('./screens/personalities-screen'));
const PersonalityEditorScreen = lazy(() => import('./screens/personality-editor-screen'));
const MonitorScreen = lazy(() => import('./screens/monitor-screen'));
const GuardrailsScreen = lazy(() => import('./screens/guardrails-screen'));
const RequestsScreen = lazy(() => import('./screens/requests-screen'));
const SettingsScreen = lazy(() => import('./screens/settings-screen'));

function Lazy({ children }: { children: ReactNode }) {
  return (
    <ScreenErrorBoundary>
      <Suspense fallback={<PageLoader />}>{children}</Suspense>
    </ScreenErrorBoundary>
  );
}

/** Operator screens need a session; without one, the login page and then back here. */
function RequireOperator({ children }: { children: ReactNode }) {
  const location = useLocation();
  const session = useSessionQuery();
  if (session.isPending) return <PageLoader />;
  if (session.isError)
    return <ErrorState error={session.error} onRetry={() => void session.refetch()} />;
  if (!session.data)
    return <Navigate to={loginPath(location.pathname + location.search)} replace />;
  return <SessionProvider session={session.data}>{children}</SessionProvider>;
}

export function AppRoutes() {
  useUnauthorizedRedirect();
  return (
    <Routes>
      <Route
        path="login"
        element={
          <Lazy>
            <LoginScreen />
          </Lazy>
        }
      />
      <Route
        path="chat"
        element={
          <Lazy>
            <ChatScreen />
          </Lazy>
        }
      />
      <Route
        element={
          <RequireOperator>
            <Shell />
          </RequireOperator>
        }
      >
        <Route index element={<DashboardScreen />} />
        <Route path="personalities" element={<PersonalitiesScreen />} />
        <Route path="personalities/new" element={<PersonalityEditorScreen />} />
        <Route path="personalities/:name" element={<PersonalityEditorScreen />} />
        <Route path="monitor" element={<MonitorScreen />} />
        <Route path="monitor/:userId" element={<MonitorScreen />} />
        <Route path="guardrails" element={<GuardrailsScreen />} />
        <Route path="requests" element={<RequestsScreen />} />
        <Route path="settings" element={<SettingsScreen />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
