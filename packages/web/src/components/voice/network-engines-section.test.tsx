import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ada } from '../../test/avatar-fixtures';
import { apiError, fakeApi, renderApp, reply } from '../../test/render';
import type { NetworkEngine } from './network-engine-dialog';

const WHISPER: NetworkEngine = {
  id: '01900000-0000-7000-8000-0000000000a1',
  kind: 'stt',
  name: 'whisper.cpp',
  baseUrl: 'http://127.0.0.1:8080/v1',
  model: 'whisper-1',
  voices: [],
  apiKey: 'not set',
  useByDefault: false,
  remote: false,
  ready: true,
  createdAt: '2026-12-07T10:00:00.000Z',
  updatedAt: '2026-12-07T10:00:00.000Z',
};

/** A server that keeps its network engines, as the real one does, and records every request. */
function server(role: 'user' | 'admin', initial: NetworkEngine[] = []) {
  let engines = [...initial];
  const api = fakeApi({
    'GET /api/auth/me': () => ({ user: { ...ada, role } }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    'GET /api/voice/engines': () => ({
      engines: engines.map((e) => ({
        id: e.id,
        kind: e.kind,
        family: 'network',
        label: e.name,
        remote: e.remote,
        ready: e.ready,
      })),
      defaults: { vad: 'energy', stt: engines[0]?.id ?? '', tts: '' },
    }),
    'GET /api/voice/models': () => ({ models: [] }),
    'GET /api/admin/voice/network-engines': () =>
      role === 'admin' ? { engines } : apiError(403, 'admin_only', 'Only administrators can do this.'),
    'POST /api/admin/voice/network-engines': async (request) => {
      const body = (await request.json()) as Record<string, unknown>;
      if (String(body.baseUrl).includes('10.0.0.5'))
        return apiError(
          400,
          'outbound_address_blocked',
          'The server may not connect to this address: loopback, private, link-local, metadata and other non-public addresses are refused unless an administrator allows them.',
        );
      const engine: NetworkEngine = {
        ...WHISPER,
        id: '01900000-0000-7000-8000-0000000000b2',
        kind: body.kind as 'stt' | 'tts',
        name: String(body.name),
        baseUrl: String(body.baseUrl),
        model: String(body.model ?? 'tts-1'),
        voices: (body.voices as string[] | undefined) ?? ['alloy'],
        apiKey: body.apiKey ? 'set' : 'not set',
        useByDefault: body.useByDefault === true,
        remote: true,
        ready: true,
      };
      engines = [...engines, engine];
      return reply(201, { engine });
    },
    [`PATCH /api/admin/voice/network-engines/${WHISPER.id}`]: async (request) => {
      const body = (await request.json()) as Record<string, unknown>;
      engines = engines.map((e) =>
        e.id === WHISPER.id ? { ...e, name: String(body.name), apiKey: body.apiKey ? 'set' : e.apiKey } : e,
      );
      return { engine: engines.find((e) => e.id === WHISPER.id) };
    },
    [`DELETE /api/admin/voice/network-engines/${WHISPER.id}`]: () => {
      engines = engines.filter((e) => e.id !== WHISPER.id);
      return new Response(null, { status: 204 });
    },
    [`POST /api/admin/voice/network-engines/${WHISPER.id}/check`]: () => ({
      engine: { ...WHISPER, ready: false, code: 'engine_unreachable' },
      test: {
        ready: false,
        code: 'stt_engine_failed',
        detail: 'The transcription service refused the credentials (401)',
        latencyMs: 12,
      },
    }),
  });
  return api;
}

describe('Settings → Voice → Network engines', () => {
  afterEach(cleanup);

  it('is not shown to someone who is not an admin', async () => {
    const api = server('user', [WHISPER]);
    renderApp({ fetch: api.fetch, path: '/settings/voice' });
    await screen.findByRole('list', { name: 'Speech to text' });
    expect(screen.queryByRole('heading', { name: 'Network engines' })).toBeNull();
    expect(api.requests.some((r) => r.path === '/api/admin/voice/network-engines')).toBe(false);
  });

  it('adds a speech endpoint with its key, model and voices, and shows it with its readiness', async () => {
    const api = server('admin');
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: '/settings/voice' });
    expect(await screen.findByText('No network engines yet')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Add network engine' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a network engine' });
    await user.selectOptions(within(dialog).getByLabelText('Kind'), 'tts');
    await user.type(within(dialog).getByLabelText(/^Name/), 'OpenAI voices');
    await user.type(within(dialog).getByLabelText(/^Base URL/), 'https://api.openai.com/v1');
    await user.type(within(dialog).getByLabelText(/^API key/), 'sk-secret');
    await user.type(within(dialog).getByLabelText(/^Model/), 'tts-1-hd');
    await user.type(within(dialog).getByLabelText(/^Voices/), 'nova, alloy');
    await user.click(within(dialog).getByRole('checkbox', { name: /Use by default/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Add engine' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({
      kind: 'tts',
      name: 'OpenAI voices',
      baseUrl: 'https://api.openai.com/v1',
      model: 'tts-1-hd',
      voices: ['nova', 'alloy'],
      useByDefault: true,
      apiKey: 'sk-secret',
    });
    const list = await screen.findByRole('list', { name: 'Network engines' });
    const row = within(list).getAllByRole('listitem')[0]!;
    expect(row.textContent).toContain('OpenAI voices');
    expect(row.textContent).toContain('Ready');
    expect(row.textContent).toContain('Key saved');
    expect(row.textContent).toContain('Used by default');
    expect(row.textContent).toContain('Voices: nova, alloy');
    expect(row.textContent).not.toContain('sk-secret');
    // The engine list above follows at once.
    expect(await screen.findByRole('list', { name: 'Text to speech' })).toBeTruthy();
  });

  it('checks the form before sending and puts a refused address on its field', async () => {
    const api = server('admin');
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: '/settings/voice' });
    await user.click(await screen.findByRole('button', { name: 'Add network engine' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a network engine' });
    await user.click(within(dialog).getByRole('button', { name: 'Add engine' }));
    expect(within(dialog).getByText(/Give it a name you will recognise/)).toBeTruthy();
    expect(within(dialog).getByText('Enter the service’s address, up to /v1.')).toBeTruthy();
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false);

    await user.type(within(dialog).getByLabelText(/^Name/), 'NAS whisper');
    await user.type(within(dialog).getByLabelText(/^Base URL/), 'http://10.0.0.5:8080/v1');
    await user.click(within(dialog).getByRole('button', { name: 'Add engine' }));
    const field = within(dialog).getByLabelText(/^Base URL/);
    await waitFor(() => expect(field.getAttribute('aria-invalid')).toBe('true'));
    expect(dialog.textContent).toContain('its operator has not allowed it in LUMINA_OUTBOUND_ALLOW');
  });

  it('tests the connection and shows why it failed; edits and removes', async () => {
    const api = server('admin', [WHISPER]);
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: '/settings/voice' });
    const list = await screen.findByRole('list', { name: 'Network engines' });
    await user.click(within(list).getByRole('button', { name: 'Test the connection to whisper.cpp' }));
    expect(
      await within(list).findByText(
        /The test failed: The transcription service refused the credentials \(401\)/,
      ),
    ).toBeTruthy();
    expect(within(list).getByText('Not ready')).toBeTruthy();

    await user.click(within(list).getByRole('button', { name: 'Edit whisper.cpp' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit whisper.cpp' });
    const name = within(dialog).getByLabelText(/^Name/);
    await user.clear(name);
    await user.type(name, 'Whisper large');
    await user.type(within(dialog).getByLabelText(/^API key/), 'sk-new');
    await user.click(within(dialog).getByRole('button', { name: 'Save and check' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
      name: 'Whisper large',
      baseUrl: WHISPER.baseUrl,
      model: 'whisper-1',
      useByDefault: false,
      apiKey: 'sk-new',
    });
    expect(await within(list).findByText('Whisper large')).toBeTruthy();

    await user.click(within(list).getByRole('button', { name: 'Remove Whisper large' }));
    const confirm = await screen.findByRole('dialog', { name: 'Remove Whisper large?' });
    await user.click(within(confirm).getByRole('button', { name: 'Remove engine' }));
    expect(await screen.findByText('No network engines yet')).toBeTruthy();
  });

  it('says so when the list cannot be loaded', async () => {
    const api = fakeApi({
      'GET /api/auth/me': () => ({ user: { ...ada, role: 'admin' } }),
      'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
      'GET /api/voice/engines': () => ({ engines: [], defaults: { vad: '', stt: '', tts: '' } }),
      'GET /api/voice/models': () => ({ models: [] }),
      'GET /api/admin/voice/network-engines': () => apiError(500, 'internal_error', 'boom'),
    });
    renderApp({ fetch: api.fetch, path: '/settings/voice' });
    const section = (await screen.findByRole('heading', { name: 'Network engines' })).closest('section')!;
    expect(await within(section).findByRole('button', { name: 'Retry' }, { timeout: 5000 })).toBeTruthy();
  });
});
