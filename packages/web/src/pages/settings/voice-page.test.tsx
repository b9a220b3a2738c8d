import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { readAloudPlayer } from '../../lib/voice/read-aloud';
import { installScriptedAudio, wavFile } from '../../lib/voice/scripted-audio';
import { ada } from '../../test/avatar-fixtures';
import { fakeApi, renderApp } from '../../test/render';

const ENGINES = {
  engines: [
    { id: 'energy', kind: 'vad', family: 'builtin', label: 'Energy VAD', remote: false, ready: true },
    { id: 'pocketsphinx', kind: 'stt', family: 'system', label: 'PocketSphinx', remote: false, ready: true },
    {
      id: 'sherpa-zipformer-en',
      kind: 'stt',
      family: 'sherpa',
      label: 'Zipformer (English)',
      remote: false,
      ready: false,
      code: 'model_missing',
      detail: 'Download the model on Settings → Voice.',
    },
    { id: 'flite', kind: 'tts', family: 'system', label: 'Flite', remote: false, ready: true },
  ],
  defaults: { vad: 'energy', stt: 'pocketsphinx', tts: 'flite' },
};

const MODEL = {
  id: 'zipformer-en-20m',
  kind: 'stt',
  engine: 'sherpa-zipformer-en',
  label: 'Streaming Zipformer, English (20M)',
  sizeBytes: 44_000_000,
  sha256: 'a'.repeat(64),
  license: 'Apache-2.0',
  installed: false,
};

function sse(events: { event: string; data: unknown }[]) {
  const body = events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join('');
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

function server(role: 'user' | 'admin') {
  return fakeApi({
    'GET /api/auth/me': () => ({ user: { ...ada, role } }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    'GET /api/voice/engines': () => ENGINES,
    'GET /api/voice/engines/flite/voices': () => ({
      voices: [
        { id: 'kal16', label: 'Kal', language: 'en-US', gender: 'male' },
        { id: 'slt', label: 'SLT', language: 'en-US', gender: 'female' },
      ],
    }),
    'GET /api/voice/models': () => ({ models: [MODEL] }),
    [`POST /api/admin/voice/models/${MODEL.id}`]: () =>
      sse([
        {
          event: 'progress',
          data: { receivedBytes: 11_000_000, totalBytes: 44_000_000, bytesPerSecond: 5_000_000 },
        },
        {
          event: 'error',
          data: { code: 'checksum_mismatch', message: 'The file’s SHA-256 does not match.' },
        },
      ]),
    'POST /api/voice/speak': () =>
      new Response(wavFile(new Float32Array(1600), 16_000), { headers: { 'content-type': 'audio/wav' } }),
  });
}

describe('Settings → Voice', () => {
  let audio: ReturnType<typeof installScriptedAudio> | undefined;
  afterEach(() => {
    readAloudPlayer.stop();
    audio?.uninstall();
    cleanup();
  });

  it('lists the engines by kind with their readiness and the server’s reason, and marks the defaults', async () => {
    renderApp({ fetch: server('user').fetch, path: '/settings/voice' });
    expect(await screen.findByRole('heading', { name: 'Voice', level: 1 })).toBeTruthy();
    const stt = await screen.findByRole('list', { name: 'Speech to text' });
    const rows = within(stt).getAllByRole('listitem');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toContain('PocketSphinx');
    expect(rows[0]?.textContent).toContain('Default');
    expect(rows[0]?.textContent).toContain('Ready');
    expect(rows[1]?.textContent).toContain('Not ready');
    expect(rows[1]?.textContent).toContain('Download the model on Settings → Voice.');
    expect(screen.getByRole('link', { name: 'Voice' }).getAttribute('aria-current')).toBe('page');
  });

  it('previews a voice of the default engine', async () => {
    audio = installScriptedAudio();
    const api = server('user');
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: '/settings/voice' });
    const voices = await screen.findByRole('list', { name: 'Voices' });
    const slt = within(voices).getAllByRole('listitem')[1]!;
    expect(slt.textContent).toContain('en-US · female');
    await user.click(within(slt).getByRole('button', { name: 'Play' }));
    await waitFor(() => expect(audio?.sources).toHaveLength(1));
    expect(api.requests.find((r) => r.path === '/api/voice/speak')?.body).toEqual({
      text: 'Hello, I am SLT. This is how I sound.',
      engine: 'flite',
      voice: 'slt',
    });
  });

  it('finds a voice by name, language or gender among many', async () => {
    const user = userEvent.setup();
    renderApp({ fetch: server('user').fetch, path: '/settings/voice' });
    const voices = await screen.findByRole('list', { name: 'Voices' });
    expect(within(voices).getAllByRole('listitem')).toHaveLength(2);
    await user.type(screen.getByLabelText(/^Find a voice/), 'female');
    expect(
      within(screen.getByRole('list', { name: 'Voices' }))
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([expect.stringContaining('SLT')]);
    await user.type(screen.getByLabelText(/^Find a voice/), 'x');
    expect(screen.getByText('No voice matches “femalex”.')).toBeTruthy();
  });

  it('lets an admin download a model, with progress, and says why it failed', async () => {
    const user = userEvent.setup();
    renderApp({ fetch: server('admin').fetch, path: '/settings/voice' });
    const models = await screen.findByRole('list', { name: 'Speech models' });
    expect(within(models).getByText('Not installed')).toBeTruthy();
    await user.click(within(models).getByRole('button', { name: 'Download' }));
    expect(
      await within(models).findByText(/The download didn’t finish: The file’s SHA-256 does not match./),
    ).toBeTruthy();
    expect(within(models).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('offers no download to someone who is not an admin', async () => {
    renderApp({ fetch: server('user').fetch, path: '/settings/voice' });
    const models = await screen.findByRole('list', { name: 'Speech models' });
    expect(models.textContent).toMatch(/44(\.0)? MB · Apache-2.0/);
    expect(within(models).queryByRole('button', { name: 'Download' })).toBeNull();
  });
});
