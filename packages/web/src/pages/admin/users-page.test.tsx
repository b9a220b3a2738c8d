import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
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
const newcomer: User = {
  ...base,
  id: '0199a1b2-0000-7000-8000-000000000004',
  email: 'rosalind@example.org',
  name: 'Rosalind Franklin',
  role: 'user',
  passwordChangeRequired: true,
};

function server(me: User) {
  return fakeApi({
    'POST /api/admin/users/*': (request) =>
      request.url.endsWith(`/${member.id}/password-reset`)
        ? { token: 'TOKEN123', path: '/reset-password#token=TOKEN123', expiresAt: '2026-01-02T09:30:00.000Z' }
        : apiError(404, 'user_not_found', 'User not found'),
    'POST /api/admin/users': () => ({ user: newcomer }),
    'GET /api/auth/me': () => ({ user: me }),
    'GET /api/admin/users': () =>
      me.role === 'admin'
        ? { users: [base, member, newcomer] }
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

  it('makes a one-time reset link for a user and shows it once, to copy', async () => {
    const api = server(base);
    renderApp({ fetch: api.fetch, path: '/admin/users' });
    const user = userEvent.setup();

    await screen.findByRole('table');
    // Not for yourself (Profile changes your own password).
    expect(screen.queryByRole('button', { name: 'Password reset link for Ada Lovelace' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Password reset link for Linus Pauling' }));
    const dialog = await screen.findByRole('dialog', { name: 'Password reset link for Linus Pauling' });
    expect(api.requests.some((r) => r.path.endsWith('/password-reset'))).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Make link' }));

    const link = (await within(dialog).findByRole('textbox', { name: 'Reset link' })) as HTMLInputElement;
    expect(link.value).toBe(`${window.location.origin}/reset-password#token=TOKEN123`);
    expect(within(dialog).getByText(/Valid until/)).toBeTruthy();
    expect(within(dialog).getByRole('button', { name: 'Copy link' })).toBeTruthy();
    expect(
      api.requests.filter((r) => r.path === `/api/admin/users/${member.id}/password-reset`),
    ).toHaveLength(1);
    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('creates accounts with a temporary password and shows who has yet to choose their own', async () => {
    const api = server(base);
    renderApp({ fetch: api.fetch, path: '/admin/users' });
    const user = userEvent.setup();

    const table = await screen.findByRole('table');
    const row = within(table).getByText('rosalind@example.org').closest('tr')!;
    expect(within(row).getByText('Temporary password')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Create user' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create a user' });
    expect(dialog.textContent).toContain('choose their own the first time they sign in');
    await user.type(within(dialog).getByLabelText('Email'), 'rosalind@example.org');
    await user.type(within(dialog).getByLabelText('Name'), 'Rosalind Franklin');
    await user.type(within(dialog).getByLabelText('Temporary password'), 'a temporary passphrase');
    await user.click(within(dialog).getByRole('button', { name: 'Create user' }));
    await expect
      .poll(() => api.requests.find((r) => r.method === 'POST' && r.path === '/api/admin/users')?.body)
      .toMatchObject({ email: 'rosalind@example.org', temporaryPassword: true });
  });
});
