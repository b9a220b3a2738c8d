import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '../../../lib/session';
import { model, provider } from '../../../test/model-fixtures';
import { fakeApi, renderApp } from '../../../test/render';

const member: User = {
  id: '0199a1b2-0000-7000-8000-000000000002',
  email: 'linus@example.org',
  name: 'Linus Pauling',
  preferredName: null,
  role: 'user',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

type Preset = {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
};

function api() {
  const presets: Preset[] = [];
  const stamp = '2026-01-02T00:00:00.000Z';
  return fakeApi({
    'GET /api/auth/me': () => ({ user: member }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    'GET /api/providers': () => ({ providers: [provider({ id: 'ollama', name: 'Ollama' })] }),
    'GET /api/models': () => ({ models: [model('ollama/llama3.2:latest')], defaultModel: null }),
    'GET /api/settings': () => ({
      settings: { defaultModel: null, fallbackModels: [], localOnly: false },
      instance: { localOnly: false, lockedByEnvironment: false },
    }),
    'GET /api/presets': () => ({ presets }),
    'POST /api/presets/import': async (request) => {
      const { json, name } = (await request.json()) as { json: string; name?: string };
      const file = JSON.parse(json) as { temp?: number; top_p?: number; mirostat_mode?: number };
      const preset = {
        id: `0199a1b2-0000-7000-8000-00000000f00${presets.length}`,
        name: name ?? 'Imported',
        settings: { temperature: file.temp, topP: file.top_p },
        createdAt: stamp,
        updatedAt: stamp,
      };
      presets.push(preset);
      return new Response(JSON.stringify({ preset, ignored: ['mirostat_mode'], invalid: [] }), {
        status: 201,
      });
    },
  });
}

describe('generation presets (Settings → Models)', () => {
  afterEach(cleanup);

  it('imports a SillyTavern preset file, says what was left out, and lists it', async () => {
    const server = api();
    renderApp({ fetch: server.fetch, path: '/settings/models' });
    const input = (await screen.findByLabelText('SillyTavern preset file')) as HTMLInputElement;
    const file = new File([JSON.stringify({ temp: 0.7, top_p: 0.9, mirostat_mode: 2 })], 'Storyteller.json', {
      type: 'application/json',
    });
    fireEvent.change(input, { target: { files: [file] } });

    await waitFor(() =>
      expect(server.requests.find((r) => r.path === '/api/presets/import')?.body).toEqual({
        json: JSON.stringify({ temp: 0.7, top_p: 0.9, mirostat_mode: 2 }),
        name: 'Storyteller',
      }),
    );
    expect(
      await screen.findByText(
        'Imported “Storyteller”: 2 settings; 1 field Lumina does not use was left out.',
      ),
    ).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Edit Storyteller' })).toBeTruthy();
  });

  it('refuses a file larger than a preset can be, before sending anything', async () => {
    const server = api();
    renderApp({ fetch: server.fetch, path: '/settings/models' });
    const input = (await screen.findByLabelText('SillyTavern preset file')) as HTMLInputElement;
    const big = new File(['x'.repeat(512 * 1024 + 1)], 'huge.json', { type: 'application/json' });
    fireEvent.change(input, { target: { files: [big] } });
    expect(await screen.findByText(/larger than a preset can be \(512 KB\)/)).toBeTruthy();
    expect(server.requests.some((r) => r.path === '/api/presets/import')).toBe(false);
  });
});
