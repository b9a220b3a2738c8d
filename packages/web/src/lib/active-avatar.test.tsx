import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ada, avatar } from '../test/avatar-fixtures';
import { fakeApi, renderApp } from '../test/render';
import { activeAvatarKey, getActiveAvatarId, resolveActiveAvatar, setActiveAvatarId } from './active-avatar';

const lumina = avatar({ name: 'Lumina', source: 'template:lumina' });
const sage = avatar({
  name: 'Sage',
  greeting: 'Greetings, {{user}}. {{char}} listens.',
  source: 'template:sage',
});
const shared = avatar({ name: 'Guest', owned: false, visibility: 'instance' });

function api() {
  return fakeApi({
    'GET /api/auth/me': () => ({ user: ada }),
    'GET /api/auth/config': () => ({ signupOpen: true, needsFirstAdmin: false }),
    'GET /api/avatars': () => ({ avatars: [lumina, sage, shared] }),
    'GET /health': () => ({
      status: 'ok',
      version: '0.1.0',
      uptimeSeconds: 1,
      checks: { database: { status: 'ok', latencyMs: 1, kind: 'pglite', vector: true } },
    }),
    'GET /api/providers': () => ({ providers: [] }),
    'GET /api/models': () => ({ models: [] }),
    'GET /api/settings': () => ({
      settings: { defaultModel: null, fallbackModels: [], localOnly: false },
      instance: { localOnly: false, lockedByEnvironment: false },
    }),
  });
}

describe('the active avatar', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(cleanup);

  it('is remembered per person in localStorage', () => {
    setActiveAvatarId('user-a', sage.id);
    setActiveAvatarId('user-b', lumina.id);
    expect(window.localStorage.getItem(activeAvatarKey('user-a'))).toBe(sage.id);
    expect(getActiveAvatarId('user-a')).toBe(sage.id);
    expect(getActiveAvatarId('user-b')).toBe(lumina.id);
    setActiveAvatarId('user-a', null);
    expect(getActiveAvatarId('user-a')).toBeNull();
  });

  it('falls back to the person’s Lumina when nothing (or a deleted avatar) is remembered', () => {
    expect(resolveActiveAvatar([sage, lumina], null)?.name).toBe('Lumina');
    expect(resolveActiveAvatar([sage, lumina], 'deleted-id')?.name).toBe('Lumina');
    expect(resolveActiveAvatar([sage, lumina], sage.id)?.name).toBe('Sage');
    expect(resolveActiveAvatar([shared], null)?.name).toBe('Guest');
    expect(resolveActiveAvatar([], null)).toBeNull();
  });

  it('is set from the gallery, highlighted there, kept across visits and greets on Home', async () => {
    const first = renderApp({ fetch: api().fetch, path: '/avatars' });
    const user = userEvent.setup();
    const gallery = await screen.findByRole('list', { name: 'Avatars' });
    const card = (name: string) =>
      within(gallery)
        .getAllByRole('listitem')
        .find((li) => within(li).queryByRole('heading', { name })) as HTMLElement;
    const luminaCard = card('Lumina');
    const sageCard = card('Sage');
    expect(within(luminaCard).getByText('Active')).toBeTruthy();
    expect(within(sageCard).queryByText('Active')).toBeNull();

    await user.click(within(sageCard).getByRole('button', { name: /^Set active/ }));
    expect(within(sageCard).getByText('Active')).toBeTruthy();
    expect(within(luminaCard).queryByText('Active')).toBeNull();
    expect(window.localStorage.getItem(activeAvatarKey(ada.id))).toBe(sage.id);
    first.unmount();

    // A new visit (fresh app, same browser) starts on Home with Sage's greeting, names filled in.
    renderApp({ fetch: api().fetch, path: '/' });
    const greeting = await screen.findByTestId('active-greeting');
    expect(greeting.textContent).toBe('Greetings, Ada. Sage listens.');
  });
});
