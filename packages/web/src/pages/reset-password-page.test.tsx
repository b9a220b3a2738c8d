import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../lib/session';
import { apiError, fakeApi, renderApp } from '../test/render';

const TOKEN = 'k3y-from-the-link_0123456789abcdefghijklmnopqr';
const sam: User = {
  id: '0199a1b2-0000-7000-8000-000000000003',
  email: 'sam@example.org',
  name: 'Sam',
  preferredName: null,
  role: 'user',
  disabled: false,
  passwordChangeRequired: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

function server(check: () => unknown, redeem: () => unknown = () => ({ user: sam })) {
  return fakeApi({
    'GET /api/auth/me': () => apiError(401, 'unauthorized', 'Sign in to continue'),
    'GET /api/auth/config': () => ({ signupOpen: true, needsFirstAdmin: false }),
    'POST /api/auth/password-reset/check': check,
    'POST /api/auth/password-reset': redeem,
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
  });
}

describe('ResetPasswordPage', () => {
  afterEach(cleanup);

  it('sets a new password with the token from the fragment, then signs in', async () => {
    const api = server(() => ({ email: 'sam@example.org', expiresAt: '2026-01-02T00:00:00.000Z' }));
    const { router } = renderApp({ fetch: api.fetch, path: `/reset-password#token=${TOKEN}` });
    const user = userEvent.setup();

    expect(await screen.findByRole('heading', { name: 'Set a new password' })).toBeTruthy();
    expect(screen.getByText('sam@example.org')).toBeTruthy();
    // The token is taken out of the address bar once read.
    expect(router.state.location.hash).toBe('');

    const field = screen.getByLabelText('New password');
    await user.type(field, 'short');
    expect(screen.getByText('Too short')).toBeTruthy(); // the sign-up page's strength meter
    await user.click(screen.getByRole('button', { name: 'Save password and sign in' }));
    expect(api.requests.some((r) => r.path === '/api/auth/password-reset')).toBe(false);

    await user.clear(field);
    await user.type(field, 'a calm and long passphrase');
    await user.click(screen.getByRole('button', { name: 'Save password and sign in' }));
    const sent = api.requests.find((r) => r.path === '/api/auth/password-reset');
    expect(sent?.body).toEqual({ token: TOKEN, newPassword: 'a calm and long passphrase' });
    expect(api.requests.find((r) => r.path === '/api/auth/password-reset/check')?.body).toEqual({
      token: TOKEN,
    });
    await expect.poll(() => router.state.location.pathname).toBe('/');
  });

  it.each([
    [
      'reset_token_expired',
      'This link has expired',
      'This reset link has expired. Ask an administrator for a new one.',
    ],
    [
      'reset_token_used',
      'This link has been used',
      'This reset link has already been used. Ask an administrator for a new one.',
    ],
    ['reset_token_superseded', 'This link was replaced', 'A newer reset link was made for this account.'],
    ['reset_token_invalid', 'This link doesn’t work', 'This reset link is not valid.'],
  ])('explains a dead link (%s) instead of showing the form', async (code, title, message) => {
    const api = server(() => apiError(400, code, message));
    renderApp({ fetch: api.fetch, path: `/reset-password#token=${TOKEN}` });
    expect(await screen.findByRole('heading', { name: title })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain(message);
    expect(screen.queryByLabelText('New password')).toBeNull();
    expect(screen.getByRole('link', { name: 'Back to sign in' })).toBeTruthy();
  });

  it('says what is wrong with a link without a token', async () => {
    const api = server(() => ({ email: 'x', expiresAt: '2026-01-02T00:00:00.000Z' }));
    renderApp({ fetch: api.fetch, path: '/reset-password' });
    expect(await screen.findByRole('heading', { name: 'This link doesn’t work' })).toBeTruthy();
    expect(api.requests.some((r) => r.path.startsWith('/api/auth/password-reset'))).toBe(false);
  });

  it('shows a link that died while the form was open', async () => {
    const api = server(
      () => ({ email: 'sam@example.org', expiresAt: '2026-01-02T00:00:00.000Z' }),
      () =>
        apiError(
          400,
          'reset_token_used',
          'This reset link has already been used. Ask an administrator for a new one.',
        ),
    );
    renderApp({ fetch: api.fetch, path: `/reset-password#token=${TOKEN}` });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('New password'), 'a calm and long passphrase');
    await user.click(screen.getByRole('button', { name: 'Save password and sign in' }));
    expect(await screen.findByRole('heading', { name: 'This link has been used' })).toBeTruthy();
  });
});
