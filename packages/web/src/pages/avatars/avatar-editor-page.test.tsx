import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { Avatar } from '../../lib/avatars';
import { FEATURES } from '../../lib/features';
import { ada, avatar } from '../../test/avatar-fixtures';
import { apiError, fakeApi, renderApp } from '../../test/render';

// Settings a person chose before they were hidden; nothing in the editor may change them.
const nova = avatar({
  name: 'Nova',
  backstory: 'A retired lighthouse keeper who restores old radios.',
  voice: { engine: 'piper', voice: 'en_US-amy-medium', rate: 1.25, pitch: 0.9 },
  memory: { enabled: false, scope: 'shared' },
});

function server(suggest: () => unknown = () => ({})) {
  let stored: Avatar = structuredClone(nova);
  const api = fakeApi({
    'GET /api/auth/me': () => ({ user: ada }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    'GET /api/avatars': () => ({ avatars: [stored] }),
    [`GET /api/avatars/${nova.id}`]: () => ({ avatar: stored }),
    // Like the server: a PATCH changes only the fields it names.
    [`PATCH /api/avatars/${nova.id}`]: async (request) => {
      stored = { ...stored, ...((await request.json()) as Partial<Avatar>) };
      return { avatar: stored };
    },
    'POST /api/avatars/suggest': suggest,
    'GET /api/voice/engines': () => ({
      engines: [
        { id: 'piper', kind: 'tts', family: 'sherpa-onnx', label: 'Piper', remote: false, ready: true },
        {
          id: 'espeak-ng',
          kind: 'tts',
          family: 'system',
          label: 'eSpeak NG',
          remote: false,
          ready: false,
          code: 'engine_missing',
          detail: 'espeak-ng is not installed',
        },
      ],
      defaults: { vad: null, stt: null, tts: 'piper' },
    }),
    'GET /api/voice/engines/piper/voices': () => ({
      voices: [
        { id: 'en_US-amy-medium', label: 'Amy', language: 'en-US', gender: 'female' },
        { id: 'en_GB-alan-low', label: 'Alan', language: 'en-GB', gender: 'male' },
      ],
    }),
    'GET /api/voice/engines/espeak-ng/voices': () => ({ voices: [] }),
  });
  return { ...api, stored: () => stored };
}

const withFeatures = async (
  on: Partial<Record<keyof typeof FEATURES, boolean>>,
  run: () => Promise<void>,
) => {
  const features = FEATURES as Record<keyof typeof FEATURES, boolean>;
  const before = { ...features };
  Object.assign(features, on);
  try {
    await run();
  } finally {
    Object.assign(features, before);
  }
};

describe('the avatar editor', () => {
  afterEach(cleanup);

  it('previews the greeting as Markdown under its field', async () => {
    renderApp({ fetch: server().fetch, path: `/avatars/${nova.id}` });
    const field = (await screen.findByLabelText('Greeting')) as HTMLTextAreaElement;
    fireEvent.change(field, { target: { value: 'Hello **there**, {{user}}.' } });
    const bold = await screen.findByText('there', { selector: 'strong' });
    expect(bold.closest('details')?.textContent).toContain('Preview');
  });

  it('hides the settings of a feature that has not shipped', async () => {
    await withFeatures({ voice: false, memory: false }, async () => {
      renderApp({ fetch: server().fetch, path: `/avatars/${nova.id}` });
      expect(await screen.findByRole('heading', { name: 'Nova', level: 1 })).toBeTruthy();
      expect(screen.getByRole('heading', { name: 'Visibility' })).toBeTruthy();
      expect(screen.queryByRole('heading', { name: 'Voice' })).toBeNull();
      expect(screen.queryByRole('heading', { name: 'Memory' })).toBeNull();
      expect(screen.queryByLabelText('Speaking rate')).toBeNull();
      expect(screen.queryByText('Remember things about me')).toBeNull();
      expect(screen.queryByText(/Memories stay private/)).toBeNull();
    });
  });

  it('saves the memory switch and scope with the avatar, and links to what it remembers', async () => {
    await withFeatures({ memory: true }, async () => {
      const api = server();
      const user = userEvent.setup();
      renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}` });
      const memorySwitch = await screen.findByRole('switch', { name: 'Remember things about me' });
      expect(memorySwitch.getAttribute('aria-checked')).toBe('false');
      // Off: whose memories is not a choice yet.
      expect(screen.getByRole('radio', { name: /Only this avatar/ }).closest('fieldset')?.disabled).toBe(
        true,
      );
      await user.click(memorySwitch);
      await user.click(screen.getByRole('radio', { name: /Only this avatar/ }));
      await user.click(screen.getByRole('button', { name: /^Save(?! as preset)/ }));
      await waitFor(() => expect(api.requests.some((r) => r.method === 'PATCH')).toBe(true));
      expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
        memory: { enabled: true, scope: 'private' },
      });
      expect(api.stored().memory).toEqual({ enabled: true, scope: 'private' });
      expect(screen.getByRole('link', { name: 'Review memories' }).getAttribute('href')).toBe(
        `/avatars/${nova.id}/memory`,
      );
      expect(screen.getByRole('link', { name: 'Knowledge documents' }).getAttribute('href')).toBe(
        `/avatars/${nova.id}/knowledge`,
      );
    });
  });

  it('keeps an avatar’s stored voice and memory settings through a save', async () => {
    const api = server();
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}` });
    const name = await screen.findByLabelText(/^Name/);
    await user.clear(name);
    await user.type(name, 'Nova Prime');
    await user.click(screen.getByRole('button', { name: /^Save(?! as preset)/ }));
    await waitFor(() => expect(api.requests.some((r) => r.method === 'PATCH')).toBe(true));
    const patch = api.requests.find((r) => r.method === 'PATCH');
    expect(patch?.body).toEqual({ name: 'Nova Prime' });
    expect(api.stored()).toMatchObject({ name: 'Nova Prime', voice: nova.voice, memory: nova.memory });
  });

  it('shows the Voice and Memory sections (both shipped), with the stored voice chosen', async () => {
    renderApp({ fetch: server().fetch, path: `/avatars/${nova.id}` });
    expect(await screen.findByRole('heading', { name: 'Voice' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Memory' })).toBeTruthy();
    expect(screen.getByText('Remember things about me')).toBeTruthy();
    const engine = screen.getByRole<HTMLSelectElement>('combobox', { name: 'Engine' });
    expect(engine.value).toBe('piper');
    // The engine's voices, by name, with the stored one chosen.
    await screen.findByRole('option', { name: 'Amy (en-US, female)' });
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Voice' }).value).toBe('en_US-amy-medium');
  });

  it('changes the voice from the engine’s list and saves engine, voice, rate and pitch', async () => {
    const api = server();
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}` });
    await screen.findByRole('option', { name: 'Alan (en-GB, male)' });
    await user.selectOptions(screen.getByRole('combobox', { name: 'Voice' }), 'en_GB-alan-low');
    await user.click(screen.getByRole('button', { name: /^Save(?! as preset)/ }));
    await waitFor(() => expect(api.requests.some((r) => r.method === 'PATCH')).toBe(true));
    expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
      voice: { engine: 'piper', voice: 'en_GB-alan-low', rate: 1.25, pitch: 0.9 },
    });
  });

  it('says why an engine is not ready, and a new engine starts from its default voice', async () => {
    const user = userEvent.setup();
    renderApp({ fetch: server().fetch, path: `/avatars/${nova.id}` });
    const engine = await screen.findByRole<HTMLSelectElement>('combobox', { name: 'Engine' });
    await screen.findByRole('option', { name: 'eSpeak NG — not ready' });
    await user.selectOptions(engine, 'espeak-ng');
    expect(await screen.findByText('Not ready: espeak-ng is not installed')).toBeTruthy();
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Voice' }).value).toBe('');
  });

  it('says the model is at fault when its suggestion has the wrong shape', async () => {
    const api = server(() =>
      apiError(502, 'model_bad_output', 'The model’s answer did not have the expected shape'),
    );
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}` });
    await user.click(await screen.findByRole('button', { name: 'Suggest from backstory' }));
    expect(
      await screen.findByText(
        'The model’s answer didn’t have the expected shape — try again or pick another model.',
      ),
    ).toBeTruthy();
    expect(screen.queryByText(/Something went wrong on the server/)).toBeNull();
  });

  it('says the server is at fault, with the reference to quote, for its own failure', async () => {
    const api = server(() => apiError(500, 'internal_error', 'Something went wrong on our side.'));
    const user = userEvent.setup();
    renderApp({ fetch: api.fetch, path: `/avatars/${nova.id}` });
    await user.click(await screen.findByRole('button', { name: 'Suggest from backstory' }));
    expect(await screen.findByText(/Something went wrong on the server/)).toBeTruthy();
    expect(screen.getByText('req-test')).toBeTruthy();
  });
});
