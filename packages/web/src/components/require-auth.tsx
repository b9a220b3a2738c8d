import type { ReactNode } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { loginPathFor } from '../lib/safe-next';
import { useSession } from '../lib/session';
import { ForbiddenPage } from '../pages/forbidden-page';
import { FullPageLoading } from './auth-layout';
import { ErrorPanel } from './error-panel';

/**
 * Guards the pages below it (a layout route): signed-out people go to /login?next=<here> and
 * come back after signing in.
 */
export function RequireAuth() {
  const session = useSession();
  const location = useLocation();
  if (session.data) return <Outlet />;
  if (session.data === null) return <Navigate to={loginPathFor(location)} replace />;
  if (session.isError)
    return <ErrorPanel error={session.error} onRetry={() => session.refetch()} retryLabel="Retry" />;
  return <FullPageLoading />;
}

/** Shows its children to administrators and a friendly "not for you" page to everyone else. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const session = useSession();
  if (session.data?.role === 'admin') return children;
  if (session.data) return <ForbiddenPage />;
  return <FullPageLoading />;
}
