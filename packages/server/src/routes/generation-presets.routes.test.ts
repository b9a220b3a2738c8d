import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_STOP_STRINGS } from '../domain/generation-settings.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const MODEL = 'ollama/llama3.2:latest';

describeStorage('generation settings and presets (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let cookie: string;
  const headers = (as = cookie) => ({ ...CSRF, cookie: as });
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, as = cookie) =>
    app.inject({ method, url, headers: headers(as), ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        CHAT_REPLY_TOKENS: '200',
      })
    ).app;
    ({ cookie } = await signup(app, 'sam@example.org'));
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      payload: { defaultModel: MODEL },
      headers: headers(),
    });
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  /** The `options` of the reply call the last send made (the title call comes after it). */
  let options: Record<string, unknown> = {};
  const lastOptions = () => options;
  const sendIn = async (conversationId: string) => {
    const before = ollama.requests.length;
    ollama.script({ kind: 'text', tokens: ['Ok.'] });
    const res = await call('POST', `/api/conversations/${conversationId}/messages`, { content: 'Hi' });
    expect(res.statusCode, res.body).toBe(200);
    options = ollama.requests.slice(before).find((r) => r.path === '/api/chat')!.body.options;
  };

  it('keeps presets per user: create, list, rename, replace, delete; another user’s is a 404', async () => {
    const created = await call('POST', '/api/presets', {
      name: 'Warm',
      settings: { temperature: 1.1, topK: 40 },
    });
    expect(created.statusCode, created.body).toBe(201);
    const preset = created.json().preset;
    expect(preset).toMatchObject({ name: 'Warm', settings: { temperature: 1.1, topK: 40 } });
    expect((await call('GET', '/api/presets')).json().presets.map((p: { id: string }) => p.id)).toContain(
      preset.id,
    );

    const renamed = await call('PATCH', `/api/presets/${preset.id}`, {
      name: 'Warmer',
      settings: { temperature: 1.2 },
    });
    expect(renamed.json().preset).toMatchObject({ name: 'Warmer', settings: { temperature: 1.2 } });

    const other = await signup(app, 'other@example.org');
    expect((await call('GET', `/api/presets/${preset.id}`, undefined, other.cookie)).statusCode).toBe(404);
    expect(
      (await call('PATCH', `/api/presets/${preset.id}`, { name: 'Mine' }, other.cookie)).statusCode,
    ).toBe(404);
    expect(
      (await call('DELETE', `/api/presets/${preset.id}`, undefined, other.cookie)).json().error.code,
    ).toBe('preset_not_found');
    expect((await call('GET', '/api/presets', undefined, other.cookie)).json().presets).toEqual([]);

    expect((await call('DELETE', `/api/presets/${preset.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/presets/${preset.id}`)).statusCode).toBe(404);
  });

  it('refuses settings out of range, unknown fields, and too many or too long stop strings', async () => {
    const bad = [
      { temperature: 2.5 },
      { topP: -0.1 },
      { topK: 1.5 },
      { seed: -1 },
      { seed: 1.5 },
      { maxTokens: 0 },
      { stop: Array.from({ length: MAX_STOP_STRINGS + 1 }, (_, i) => `s${i}`) },
      { stop: ['x'.repeat(201)] },
      { mirostat: 2 },
    ];
    for (const settings of bad) {
      const res = await call('POST', '/api/presets', { name: 'Bad', settings });
      expect(res.statusCode, JSON.stringify(settings)).toBe(400);
    }
    expect((await call('POST', '/api/presets', { name: '  ', settings: {} })).statusCode).toBe(400);
  });

  it('imports a SillyTavern preset and lists what it ignored; bounds size and depth', async () => {
    const json = JSON.stringify({
      temp: 0.9,
      top_p: 0.95,
      top_k: 0,
      min_p: 0.05,
      rep_pen: 1.1,
      freq_pen: 0,
      genamt: 350,
      seed: -1,
      stopping_strings: '["\\nYou:"]',
      mirostat_mode: 0,
      sampler_order: [6, 0, 1],
    });
    const res = await call('POST', '/api/presets/import', { json, name: 'Universal' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      preset: {
        name: 'Universal',
        settings: {
          temperature: 0.9,
          topP: 0.95,
          minP: 0.05,
          repetitionPenalty: 1.1,
          frequencyPenalty: 0,
          maxTokens: 350,
          stop: ['\nYou:'],
        },
      },
      ignored: ['mirostat_mode', 'sampler_order'],
      invalid: [],
    });
    expect(res.json().preset.settings).not.toHaveProperty('topK');
    expect(res.json().preset.settings).not.toHaveProperty('seed');

    const outOfRange = await call('POST', '/api/presets/import', { json: '{"temperature": 9, "top_p": 1}' });
    expect(outOfRange.json()).toMatchObject({
      preset: { name: 'Imported preset', settings: { topP: 1 } },
      invalid: [{ field: 'temperature' }],
    });

    const deep = `{"a":${'['.repeat(40)}${']'.repeat(40)}}`;
    expect((await call('POST', '/api/presets/import', { json: deep })).json().error.code).toBe(
      'json_too_deep',
    );
    expect((await call('POST', '/api/presets/import', { json: 'not json' })).statusCode).toBe(400);
    expect((await call('POST', '/api/presets/import', { json: '[1]' })).statusCode).toBe(400);
    expect((await call('POST', '/api/presets/import', { json: 'x'.repeat(512 * 1024 + 1) })).statusCode).toBe(
      400,
    );
  });

  it('sends conversation ▸ avatar ▸ preset, field by field; a preset change reaches the avatar', async () => {
    const preset = (
      await call('POST', '/api/presets', { name: 'Base', settings: { temperature: 0.5, topK: 20, seed: 7 } })
    ).json().preset;
    const avatar = await call('POST', '/api/avatars', {
      name: 'Aria',
      generation: { presetId: preset.id, settings: { temperature: 0.8, stop: ['END'] } },
    });
    expect(avatar.statusCode, avatar.body).toBe(201);
    const avatarId = avatar.json().avatar.id;
    expect(avatar.json().avatar.generation).toEqual({
      presetId: preset.id,
      settings: { temperature: 0.8, stop: ['END'] },
    });
    const conversation = (await call('POST', '/api/conversations', { avatarId })).json().conversation;
    expect(conversation.generation).toEqual({});

    await sendIn(conversation.id);
    expect(lastOptions()).toMatchObject({
      temperature: 0.8,
      top_k: 20,
      seed: 7,
      stop: ['END'],
      num_predict: 200,
    });

    const patched = await call('PATCH', `/api/conversations/${conversation.id}`, {
      generation: { seed: 99, maxTokens: 50 },
    });
    expect(patched.json().conversation.generation).toEqual({ seed: 99, maxTokens: 50 });
    await sendIn(conversation.id);
    expect(lastOptions()).toMatchObject({ temperature: 0.8, top_k: 20, seed: 99, num_predict: 50 });

    // The preset changes: the avatar's replies follow, with no save of the avatar.
    await call('PATCH', `/api/presets/${preset.id}`, { settings: { topK: 30, minP: 0.1 } });
    await sendIn(conversation.id);
    expect(lastOptions()).toMatchObject({ temperature: 0.8, top_k: 30, min_p: 0.1, seed: 99 });

    // Deleting it leaves its values with the avatar (its own still win).
    await call('DELETE', `/api/presets/${preset.id}`);
    const kept = (await call('GET', `/api/avatars/${avatarId}`)).json().avatar.generation;
    expect(kept).toEqual({
      presetId: null,
      settings: { topK: 30, minP: 0.1, temperature: 0.8, stop: ['END'] },
    });

    // {} clears the conversation's override.
    await call('PATCH', `/api/conversations/${conversation.id}`, { generation: {} });
    await sendIn(conversation.id);
    expect(lastOptions()).toMatchObject({ temperature: 0.8, top_k: 30, num_predict: 200 });
    expect(lastOptions().seed).toBeUndefined();
  });

  it('refuses another user’s preset on an avatar', async () => {
    const other = await signup(app, 'third@example.org');
    const theirs = (await call('POST', '/api/presets', { name: 'Theirs', settings: {} }, other.cookie)).json()
      .preset;
    const res = await call('POST', '/api/avatars', {
      name: 'X',
      generation: { presetId: theirs.id, settings: {} },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('preset_not_found');
  });

  it('lists the settings each model’s provider takes', async () => {
    const models = (await call('GET', '/api/models')).json().models as { id: string; settings: string[] }[];
    expect(models.find((m) => m.id === MODEL)?.settings).toEqual([
      'temperature',
      'topP',
      'topK',
      'minP',
      'repetitionPenalty',
      'frequencyPenalty',
      'presencePenalty',
      'maxTokens',
      'stop',
      'seed',
    ]);
  });
});
