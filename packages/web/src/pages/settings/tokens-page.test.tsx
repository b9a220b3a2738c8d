import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../../lib/session';
import { fakeApi, renderApp, reply } from '../../test/render';

const member: User = {
  id: '0199a1b2-0000-7000-8000-000000000002',
  email: 'linus@example.org',
  name: 'Linus Pauling',
  preferredName: null,
  role: 'user',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const SECRET = 'lum_s3cr3t-only-shown-once_0123456789abcdefghij';

describe('TokensPage', () => {
  afterEach(cleanup);

  it('shows a new token’s secret once, then only its prefix', async () => {
    const tokens: unknown[] = [];
    const api = fakeApi({
      'GET /api/auth/me': () => ({ user: member }),
      'GET /api/auth/tokens': () => ({ tokens }),
      'POST /api/auth/tokens': async (request) => {
        const body = (await request.json()) as { name: string; scopes: string[] };
        const token = {
          id: '0199a1b2-0000-7000-8000-0000000000aa',
          name: body.name,
          prefix: SECRET.slice(0, 12),
          scopes: body.scopes,
          expiresAt: null,
          lastUsedAt: null,
          createdAt: new Date().toISOString(),
        };
        tokens.push(token);
        return reply(201, { token, secret: SECRET });
      },
      'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    });
    renderApp({ fetch: api.fetch, path: '/settings/tokens' });
    const user = userEvent.setup();

    expect(await screen.findByRole('heading', { name: 'No API tokens yet' })).toBeTruthy();
    expect(screen.getByText(/curl -H "Authorization: Bearer lum_…"/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    const dialog = screen.getByRole('dialog', { name: 'Create an API token' });
    // Members are not offered the admin scope.
    expect(within(dialog).getByRole('checkbox', { name: /^Read/ })).toBeTruthy();
    expect(within(dialog).queryByRole('checkbox', { name: /^Admin/ })).toBeNull();
    await user.type(within(dialog).getByLabelText('Name'), 'Backup script{Enter}');

    const reveal = await screen.findByRole('dialog', { name: 'Copy your new token' });
    expect(within(reveal).getByText(SECRET)).toBeTruthy();
    expect(within(reveal).getByText(/only time you’ll see this token/)).toBeTruthy();
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({
      name: 'Backup script',
      scopes: ['read'],
      expiresAt: null,
    });

    await user.click(within(reveal).getByRole('button', { name: 'Copy' }));
    expect(await navigator.clipboard.readText()).toBe(SECRET);

    await user.click(within(reveal).getByRole('button', { name: 'I’ve copied it' }));
    await screen.findByText('Backup script');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.body.textContent).not.toContain(SECRET);
    expect(screen.getByText(`${SECRET.slice(0, 12)}…`)).toBeTruthy();

    // Opening the dialog again starts a new token; the old secret is gone for good.
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    expect(screen.getByRole('dialog', { name: 'Create an API token' })).toBeTruthy();
    expect(document.body.textContent).not.toContain(SECRET);
  });
});
