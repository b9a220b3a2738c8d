import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../../lib/session';
import { model, provider } from '../../test/model-fixtures';
import { fakeApi, renderApp } from '../../test/render';

const member: User = {
  id: '0199a1b2-0000-7000-8000-000000000002',
  email: 'linus@example.org',
  name: 'Linus Pauling',
  preferredName: null,
  role: 'user',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

function api(providers: unknown[], models: unknown[]) {
  let settings: Record<string, unknown> = { defaultModel: null, fallbackModels: [], localOnly: false };
  return fakeApi({
    'GET /api/auth/me': () => ({ user: member }),
    'GET /api/auth/config': () => ({ signupOpen: false, needsFirstAdmin: false }),
    'GET /health': () => ({
      status: 'ok',
      version: '0.1.0',
      uptimeSeconds: 1,
      checks: { database: { status: 'ok', latencyMs: 1, kind: 'pglite', vector: true } },
    }),
    'GET /api/providers': () => ({ providers }),
    'GET /api/models': () => ({ models }),
    'GET /api/settings': () => ({ settings, instance: { localOnly: false, lockedByEnvironment: false } }),
    'PUT /api/settings': async (request) => {
      settings = (await request.json()) as Record<string, unknown>;
      return { settings, instance: { localOnly: false, lockedByEnvironment: false } };
    },
  });
}

describe('ModelSetupCard on Home', () => {
  afterEach(cleanup);

  it('finds a running Ollama and makes its model the default in one click', async () => {
    const fake = api([provider({ id: 'ollama', name: 'Ollama' })], [model('ollama/llama3.2:1b')]);
    renderApp({ fetch: fake.fetch, path: '/' });
    const user = userEvent.setup();
    const card = await screen.findByRole('region', { name: 'Choose the model your avatars use' });
    expect(card.textContent).toContain('Ollama found at http://127.0.0.1:11434 — pick a model');
    // A member learns that an administrator can download models here.
    expect(card.textContent).toContain('An administrator can install Lumina’s embedded engine');
    await user.click(within(card).getByRole('button', { name: 'Use llama3.2:1b as default' }));
    await screen.findByRole('heading', { name: 'Your default model is set' });
    // Only what changed is sent: the server keeps the rest.
    expect(fake.requests.find((r) => r.method === 'PUT')?.body).toEqual({
      defaultModel: 'ollama/llama3.2:1b',
    });
  });

  it('without any model, explains how to start Ollama and opens the add dialog with its address', async () => {
    const fake = api([], []);
    renderApp({ fetch: fake.fetch, path: '/' });
    const user = userEvent.setup();
    const card = await screen.findByRole('region', { name: 'Set up a model to get started' });
    expect(
      within(card).getByRole('heading', { name: 'Run models on this computer with Ollama' }),
    ).toBeTruthy();
    await user.click(within(card).getByRole('button', { name: 'Add Ollama' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a provider' });
    expect((within(dialog).getByLabelText('Kind') as HTMLSelectElement).value).toBe('ollama');
    expect((within(dialog).getByLabelText('Base URL') as HTMLInputElement).value).toBe(
      'http://127.0.0.1:11434',
    );
    await user.keyboard('{Escape}');
    await user.click(within(card).getByRole('button', { name: 'Add an API key' }));
    const keyDialog = screen.getByRole('dialog', { name: 'Add a provider' });
    expect((within(keyDialog).getByLabelText('Kind') as HTMLSelectElement).value).toBe('openai');
  });
});
