import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../lib/session';
import { apiError, fakeApi, renderApp } from '../test/render';

const sam: User = {
  id: '0199a1b2-0000-7000-8000-000000000003',
  email: 'sam@example.org',
  name: 'Sam',
  preferredName: null,
  role: 'user',
  disabled: false,
  passwordChangeRequired: true,
  createdAt: '2026-01-01T00:00:00.000Z',
};

function server(change: () => unknown) {
  return fakeApi({
    'GET /api/auth/me': () => ({ user: sam }),
    'POST /api/auth/password': change,
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    'GET /api/*': () =>
      apiError(403, 'password_change_required', 'Choose your own password before you continue.'),
  });
}

describe('ChoosePasswordPage', () => {
  afterEach(cleanup);

  it('sends someone with a temporary password there first, then back where they were going', async () => {
    const api = server(() => ({ revokedSessions: 0 }));
    const { router } = renderApp({ fetch: api.fetch, path: '/settings/profile' });
    const user = userEvent.setup();

    expect(await screen.findByRole('heading', { name: 'Choose your password' })).toBeTruthy();
    expect(router.state.location.pathname + router.state.location.search).toBe(
      '/choose-password?next=%2Fsettings%2Fprofile',
    );
    expect(screen.getByText('sam@example.org')).toBeTruthy();

    await user.type(screen.getByLabelText('Temporary password'), 'handed over on paper');
    await user.type(screen.getByLabelText('New password'), 'handed over on paper');
    expect(screen.getByText(/^(Fair|Good|Strong)$/)).toBeTruthy(); // the strength meter
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect(await screen.findByText('Choose a password different from the temporary one.')).toBeTruthy();
    expect(api.requests.some((r) => r.path === '/api/auth/password')).toBe(false);

    await user.clear(screen.getByLabelText('New password'));
    await user.type(screen.getByLabelText('New password'), 'my very own passphrase');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    await expect.poll(() => router.state.location.pathname).toBe('/settings/profile');
    expect(api.requests.find((r) => r.path === '/api/auth/password')?.body).toEqual({
      currentPassword: 'handed over on paper',
      newPassword: 'my very own passphrase',
    });
  });

  it('puts the server’s refusal next to the field it concerns', async () => {
    const api = server(() => apiError(400, 'wrong_password', 'Your current password is not correct.'));
    renderApp({ fetch: api.fetch, path: '/choose-password' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Temporary password'), 'not what I was given');
    await user.type(screen.getByLabelText('New password'), 'my very own passphrase');
    await user.click(screen.getByRole('button', { name: 'Save and continue' }));
    expect(await screen.findByText('That isn’t your current password.')).toBeTruthy();
  });
});
