import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../lib/session';
import { apiError, fakeApi, renderApp } from '../test/render';

const ada: User = {
  id: '0199a1b2-0000-7000-8000-000000000001',
  email: 'ada@example.org',
  name: 'Ada Lovelace',
  preferredName: 'Ada',
  role: 'admin',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

function server(login: () => unknown) {
  let signedIn = false;
  return fakeApi({
    'GET /api/auth/config': () => ({ signupOpen: true, needsFirstAdmin: false }),
    'GET /api/auth/me': () =>
      signedIn ? { user: ada } : apiError(401, 'unauthorized', 'Sign in to continue'),
    'POST /api/auth/login': () => {
      const result = login();
      if (!(result instanceof Response)) signedIn = true;
      return result;
    },
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
  });
}

async function signIn(email = 'ada@example.org', password = 'analytical engine') {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Email'), email);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
  return user;
}

describe('LoginPage', () => {
  afterEach(cleanup);

  it('says that the credentials did not match, without blaming one field, and focuses the password', async () => {
    const api = server(() => apiError(401, 'invalid_credentials', 'Email or password is wrong'));
    renderApp({ fetch: api.fetch, path: '/login' });

    await signIn();

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('That email and password don’t match. Check them and try again.');
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBeNull();
    expect(document.activeElement).toBe(screen.getByLabelText('Password'));
    expect(api.requests.find((r) => r.path === '/api/auth/login')?.body).toEqual({
      email: 'ada@example.org',
      password: 'analytical engine',
    });
  });

  it('tells how long a lock-out lasts', async () => {
    const api = server(() =>
      apiError(429, 'too_many_attempts', 'Too many attempts. Try again in 42 seconds.', {
        retryAfterSeconds: 42,
      }),
    );
    renderApp({ fetch: api.fetch, path: '/login' });
    await signIn();
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Too many attempts. Try again in 42 seconds.',
    );
  });

  it('explains a disabled account', async () => {
    const api = server(() => apiError(401, 'account_disabled', 'This account has been disabled.'));
    renderApp({ fetch: api.fetch, path: '/login' });
    await signIn();
    expect((await screen.findByRole('alert')).textContent).toContain(
      'This account has been disabled. Ask an administrator if you think this is a mistake.',
    );
  });

  it('puts validation issues next to their field, described and focused', async () => {
    const api = server(() =>
      apiError(400, 'invalid_request', 'The request is not valid', {
        issues: [{ path: '/email', message: 'must be an email address' }],
      }),
    );
    renderApp({ fetch: api.fetch, path: '/login' });
    // Passes the browser-side check but not the server's.
    await signIn('ada@example.o', 'analytical engine');

    const email = screen.getByLabelText('Email');
    await screen.findByText('Must be an email address.');
    expect(email.getAttribute('aria-invalid')).toBe('true');
    const errorId = email.getAttribute('aria-describedby')!.split(' ')[0]!;
    expect(document.getElementById(errorId)?.textContent).toBe('Must be an email address.');
    expect(document.activeElement).toBe(email);
  });

  it('checks empty fields before sending anything', async () => {
    const api = server(() => ({ user: ada }));
    renderApp({ fetch: api.fetch, path: '/login' });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Sign in' }));

    expect(screen.getByText('Enter your email address.')).toBeTruthy();
    expect(screen.getByText('Enter your password.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Email'));
    expect(api.requests.some((r) => r.path === '/api/auth/login')).toBe(false);
  });

  it('shows the request id of a server fault', async () => {
    const api = server(() => apiError(500, 'internal_error', 'Something went wrong on our side.'));
    renderApp({ fetch: api.fetch, path: '/login' });
    await signIn();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Something went wrong on the server.');
    expect(within(alert).getByText('req-test')).toBeTruthy();
  });

  it('returns to a same-site `next` after signing in', async () => {
    const api = server(() => ({ user: ada }));
    const { router } = renderApp({ fetch: api.fetch, path: '/login?next=%2Fstatus%3Fx%3D1' });
    await signIn();
    await screen.findByRole('heading', { level: 1, name: 'System status' });
    expect(router.state.location.pathname + router.state.location.search).toBe('/status?x=1');
  });

  it('ignores a `next` that leaves the site', async () => {
    const api = server(() => ({ user: ada }));
    const { router } = renderApp({ fetch: api.fetch, path: '/login?next=https%3A%2F%2Fevil.example%2F' });
    await signIn();
    await screen.findByRole('heading', { level: 1, name: 'Welcome, Ada' });
    expect(router.state.location.pathname).toBe('/');
  });

  it('offers the first-run sign-up when the server has no accounts', async () => {
    const api = fakeApi({
      'GET /api/auth/config': () => ({ signupOpen: true, needsFirstAdmin: true }),
      'GET /api/auth/me': () => apiError(401, 'unauthorized', 'Sign in to continue'),
    });
    renderApp({ fetch: api.fetch, path: '/login' });
    expect(
      await screen.findByRole('heading', { name: 'Create the first account — it will be the administrator' }),
    ).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create administrator account' })).toBeTruthy();
  });

  it('has no sign-up link when sign-up is closed', async () => {
    const api = fakeApi({
      'GET /api/auth/config': () => ({ signupOpen: false, needsFirstAdmin: false }),
      'GET /api/auth/me': () => apiError(401, 'unauthorized', 'Sign in to continue'),
    });
    renderApp({ fetch: api.fetch, path: '/login' });
    await screen.findByText('Need an account? Ask an administrator of this server.');
    expect(screen.queryByRole('link', { name: 'Create an account' })).toBeNull();
  });
});
