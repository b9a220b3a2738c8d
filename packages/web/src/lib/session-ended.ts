import { LuminaApiError } from '@lumina/sdk';
import type { QueryClient } from '@tanstack/react-query';
import type { LoginNotice } from '../pages/login-page';
import { loginPathFor } from './safe-next';
import { SESSION_ENDED_CODES, SESSION_QUERY_KEY } from './session';

interface Navigator {
  state: { location: { pathname: string; search: string; hash: string } };
  navigate(to: string, options: { replace: boolean; state: { notice: LoginNotice } }): unknown;
}

/**
 * Whether `error` means the session this browser held is over: the server revoked it, it
 * expired, or the account was disabled. Any 401 counts once we believed someone was signed in
 * (the cookie may already be gone); a 401 from /api/auth/me means that only with those codes.
 */
export function endsSession(error: unknown, queryClient: QueryClient, fromSessionQuery: boolean): boolean {
  if (!(error instanceof LuminaApiError) || error.status !== 401) return false;
  if (SESSION_ENDED_CODES.has(error.code)) return true;
  return !fromSessionQuery && Boolean(queryClient.getQueryData(SESSION_QUERY_KEY));
}

/**
 * Sends the person to the sign-in page with "Your session ended. Sign in again." and forgets
 * everything cached for the old session. They come back to the page they were on.
 */
export function handleSessionEnded(queryClient: QueryClient, router: Navigator, error: LuminaApiError) {
  const location = router.state.location;
  const onAuthPage = location.pathname === '/login' || location.pathname === '/signup';
  const notice: LoginNotice = error.code === 'account_disabled' ? 'account_disabled' : 'session_expired';
  if (!onAuthPage) router.navigate(loginPathFor(location), { replace: true, state: { notice } });
  // Everything cached belonged to the old session, except the public sign-up settings.
  queryClient.removeQueries({
    predicate: (query) => !(query.queryKey[0] === 'auth' && query.queryKey[1] === 'config'),
  });
  queryClient.setQueryData(SESSION_QUERY_KEY, null);
}
