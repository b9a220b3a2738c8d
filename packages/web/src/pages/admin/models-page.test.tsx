import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../../lib/session';
import { model } from '../../test/model-fixtures';
import { fakeApi, renderApp } from '../../test/render';

const admin: User = {
  id: '0199a1b2-0000-7000-8000-000000000001',
  email: 'ada@example.org',
  name: 'Ada Lovelace',
  preferredName: null,
  role: 'admin',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const provider = (id: string, scope: 'system' | 'user') => ({
  id,
  kind: id === 'ollama' ? 'ollama' : 'openai',
  name: id === 'ollama' ? 'Ollama' : 'My OpenAI',
  scope,
  local: id === 'ollama',
  baseUrl: null,
  hasKey: scope === 'user',
  health: { status: 'ok', code: null, message: null, latencyMs: null, checkedAt: null },
});

function server() {
  let settings = { signupOpen: true, defaultModel: null as string | null };
  return fakeApi({
    'GET /api/auth/me': () => ({ user: admin }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    'GET /api/admin/settings': () => settings,
    'PATCH /api/admin/settings': async (request) => {
      settings = { ...settings, ...((await request.json()) as object) };
      return settings;
    },
    'GET /api/models': () => ({
      models: [
        model('ollama/llama3.2'),
        model('ollama/all-minilm', {
          capabilities: { tools: false, vision: false, json: false, embeddings: true },
        }),
        model('mine/gpt-4o-mini'),
      ],
      defaultModel: { id: 'ollama/llama3.2', source: 'automatic' },
    }),
    'GET /api/providers': () => ({ providers: [provider('ollama', 'system'), provider('mine', 'user')] }),
    'GET /api/admin/privacy': () => ({ localOnly: false, lockedByEnvironment: false }),
    'PUT /api/admin/privacy': async (request) => ({
      ...((await request.json()) as { localOnly: boolean }),
      lockedByEnvironment: false,
    }),
  });
}

describe('the default model for everyone (admin)', () => {
  afterEach(cleanup);

  it('offers the server’s own chat models, saves the choice, and goes back to automatic', async () => {
    const api = server();
    renderApp({ fetch: api.fetch, path: '/admin/models' });
    const picker = await screen.findByRole('button', { name: /Default model for everyone|Default model/ });
    await waitFor(() => expect(picker.textContent).toContain('Automatic'));
    fireEvent.click(picker);
    // Not the embedding model, not a key someone added for themselves.
    expect(screen.queryByRole('option', { name: /all-minilm/ })).toBeNull();
    expect(screen.queryByRole('option', { name: /gpt-4o-mini/ })).toBeNull();
    fireEvent.click(await screen.findByRole('option', { name: /llama3\.2/ }));
    await waitFor(() =>
      expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
        defaultModel: 'ollama/llama3.2',
      }),
    );
    await waitFor(() => expect(picker.textContent).toContain('llama3.2'));

    fireEvent.click(picker);
    fireEvent.click(await screen.findByRole('option', { name: /Automatic/ }));
    await waitFor(() =>
      expect(api.requests.filter((r) => r.method === 'PATCH').at(-1)?.body).toEqual({ defaultModel: null }),
    );
  });
});

describe('local-only mode for everyone (admin)', () => {
  afterEach(cleanup);

  it('switches it on and refreshes the voice engines, which follow the switch', async () => {
    const api = server();
    const { queryClient } = renderApp({ fetch: api.fetch, path: '/admin/models' });
    queryClient.setQueryData(['voice', 'engines'], { engines: [], defaults: { vad: '', stt: '', tts: '' } });
    queryClient.setQueryData(['voice', 'network-engines'], []);
    const toggle = await screen.findByRole('switch', { name: /Local-only mode for everyone/ });
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    fireEvent.click(toggle);
    await waitFor(() =>
      expect(api.requests.find((r) => r.method === 'PUT')?.body).toEqual({ localOnly: true }),
    );
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('true'));
    await waitFor(() => {
      expect(queryClient.getQueryState(['voice', 'engines'])?.isInvalidated).toBe(true);
      expect(queryClient.getQueryState(['voice', 'network-engines'])?.isInvalidated).toBe(true);
    });
  });
});
