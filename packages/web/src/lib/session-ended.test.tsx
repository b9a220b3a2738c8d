import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { apiError, fakeApi, renderApp } from '../test/render';
import type { User } from './session';

const ada: User = {
  id: '0199a1b2-0000-7000-8000-000000000001',
  email: 'ada@example.org',
  name: 'Ada Lovelace',
  preferredName: null,
  role: 'admin',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('an ended session', () => {
  afterEach(cleanup);

  it('sends the person from any page to sign in, with a message, and forgets the cached data', async () => {
    const api = fakeApi({
      'GET /api/auth/me': () => ({ user: ada }),
      'GET /api/auth/sessions': () => apiError(401, 'session_expired', 'Your session has ended.'),
      'GET /api/auth/config': () => ({ signupOpen: true, needsFirstAdmin: false }),
      'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    });
    const { router, queryClient } = renderApp({ fetch: api.fetch, path: '/settings/sessions' });

    expect(await screen.findByText('Your session ended. Sign in again.')).toBeTruthy();
    expect(router.state.location.pathname + router.state.location.search).toBe(
      '/login?next=%2Fsettings%2Fsessions',
    );
    expect(queryClient.getQueryData(['auth', 'me'])).toBeNull();
    expect(queryClient.getQueryData(['sessions'])).toBeUndefined();
  });
});
