import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../../lib/session';
import { apiError, fakeApi, renderApp } from '../../test/render';

const base: User = {
  id: '0199a1b2-0000-7000-8000-000000000001',
  email: 'ada@example.org',
  name: 'Ada Lovelace',
  preferredName: null,
  role: 'admin',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const member: User = {
  ...base,
  id: '0199a1b2-0000-7000-8000-000000000002',
  email: 'linus@example.org',
  name: 'Linus Pauling',
  role: 'user',
};

function server(me: User) {
  return fakeApi({
    'GET /api/auth/me': () => ({ user: me }),
    'GET /api/admin/users': () =>
      me.role === 'admin'
        ? { users: [base, member] }
        : apiError(403, 'admin_only', 'Only administrators can do this.'),
    'GET /api/admin/settings': () => ({ signupOpen: true }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
  });
}

describe('AdminUsersPage', () => {
  afterEach(cleanup);

  it('is hidden from members: no navigation entry, a friendly page, no admin request', async () => {
    const api = server(member);
    renderApp({ fetch: api.fetch, path: '/admin/users' });

    expect(await screen.findByRole('heading', { level: 1, name: 'Administrators only' })).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Profile' })).toBeTruthy();
    expect(within(nav).queryByRole('link', { name: 'Users' })).toBeNull();
    expect(api.requests.some((r) => r.path.startsWith('/api/admin/'))).toBe(false);
  });

  it('shows every account, with the sign-up switch, to administrators', async () => {
    const api = server(base);
    renderApp({ fetch: api.fetch, path: '/admin/users' });

    const table = await screen.findByRole('table');
    expect(within(table).getByText('linus@example.org')).toBeTruthy();
    expect(
      within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Users' }),
    ).toBeTruthy();
    // An admin cannot demote or disable themselves.
    expect(
      (screen.getByRole('combobox', { name: 'Role for Ada Lovelace' }) as HTMLSelectElement).disabled,
    ).toBe(true);
    expect(screen.queryByRole('button', { name: 'Disable Ada Lovelace' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Disable Linus Pauling' })).toBeTruthy();
    expect((await screen.findByRole('switch', { name: 'Open sign-up' })).getAttribute('aria-checked')).toBe(
      'true',
    );
  });

  it('sends signed-out visitors to sign in, remembering the page', async () => {
    const api = fakeApi({
      'GET /api/auth/me': () => apiError(401, 'unauthorized', 'Sign in to continue'),
      'GET /api/auth/config': () => ({ signupOpen: true, needsFirstAdmin: false }),
    });
    const { router } = renderApp({ fetch: api.fetch, path: '/admin/users' });
    await screen.findByRole('heading', { name: 'Sign in to Lumina' });
    expect(router.state.location.pathname + router.state.location.search).toBe(
      '/login?next=%2Fadmin%2Fusers',
    );
  });
});
