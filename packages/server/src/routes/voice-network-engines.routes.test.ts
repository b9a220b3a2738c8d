import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { systemSettings } from '../db/schema/index.js';
import { secrets } from '../db/schema/secrets.js';
import { CSRF, createTestApp, FAST_ARGON2, signup } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { OpenAiAudioServer, uploadedAudio } from '../test-support/protocol-servers/openai-audio-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { decodeWav } from '../voice/engines/resample.js';
import { fliteSpeech, openVoiceClient, withSilence } from '../voice/voice-test-client.js';

const URL_ = '/api/admin/voice/network-engines';
const KEY = 'sk-voice-0c7f5e2a9d41';

describeStorage('network voice engines on %s', (mode) => {
  let storage: TestStorage;
  /** LUMINA_OUTBOUND_ALLOW=127.0.0.1: the operator allowed the local protocol server. */
  let app: FastifyInstance;
  let server: OpenAiAudioServer;
  let admin: Awaited<ReturnType<typeof signup>>;
  let member: Awaited<ReturnType<typeof signup>>;
  const env = { LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000' };

  beforeAll(async () => {
    server = await OpenAiAudioServer.start();
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage, { ...env, LUMINA_OUTBOUND_ALLOW: '127.0.0.1' })).app;
    admin = await signup(app, 'admin@example.org');
    member = await signup(app, 'member@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await server?.close();
  });
  beforeEach(async () => {
    for (const engine of (await call('GET', URL_)).json().engines ?? [])
      await call('DELETE', `${URL_}/${engine.id}`);
    server.requests.length = 0;
  });

  function call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    cookie = admin.cookie,
    on = app,
  ) {
    return on.inject({ method, url, headers: { ...CSRF, cookie }, ...(payload ? { payload } : {}) });
  }
  async function create(payload: object, on = app) {
    const res = await call('POST', URL_, payload, admin.cookie, on);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().engine as { id: string; [k: string]: unknown };
  }

  it('adds a speech endpoint that /api/voice/engines lists at once and /api/voice/speak uses (WAV over the wire)', async () => {
    const engine = await create({
      kind: 'tts',
      name: 'Local speech',
      baseUrl: `${server.baseUrl}/`,
      apiKey: KEY,
      voices: ['nova', 'alloy'],
    });
    expect(engine).toMatchObject({
      kind: 'tts',
      name: 'Local speech',
      baseUrl: server.baseUrl,
      model: 'tts-1',
      voices: ['nova', 'alloy'],
      apiKey: 'set',
      remote: false,
      ready: true,
    });
    expect(JSON.stringify(engine)).not.toContain(KEY);

    const listed = (await call('GET', '/api/voice/engines', undefined, member.cookie)).json();
    expect(listed.engines).toContainEqual(
      expect.objectContaining({
        id: engine.id,
        kind: 'tts',
        family: 'network',
        label: 'Local speech',
        ready: true,
      }),
    );
    // Another instance (or a restart) on the same database has it from start-up.
    const restarted = (await createTestApp(storage, { ...env, LUMINA_OUTBOUND_ALLOW: '127.0.0.1' })).app;
    try {
      const engines = (await call('GET', '/api/voice/engines', undefined, member.cookie, restarted)).json()
        .engines;
      expect(engines).toContainEqual(expect.objectContaining({ id: engine.id, label: 'Local speech' }));
      const health = (await restarted.inject({ method: 'GET', url: '/health' })).json();
      expect(JSON.stringify(health)).toContain(engine.id);
    } finally {
      await restarted.close();
    }
    const voices = await call('GET', `/api/voice/engines/${engine.id}/voices`, undefined, member.cookie);
    expect(voices.json().voices.map((v: { id: string }) => v.id)).toEqual(['nova', 'alloy']);

    const spoken = await call(
      'POST',
      '/api/voice/speak',
      { text: 'Hello there.', engine: engine.id, rate: 1.5 },
      member.cookie,
    );
    expect(spoken.statusCode, spoken.body).toBe(200);
    expect(spoken.headers['content-type']).toBe('audio/wav');
    expect(decodeWav(spoken.rawPayload).samples.length).toBeGreaterThan(1000);
    const request = server.requests.find((r) => r.path === '/v1/audio/speech')!;
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.fields).toMatchObject({
      model: 'tts-1',
      input: 'Hello there.',
      voice: 'nova',
      response_format: 'wav',
      speed: '1.5',
    });
  });

  it("is an avatar's voice: its id is stored in the avatar and speaks with the avatar's voice name", async () => {
    const engine = await create({
      kind: 'tts',
      name: 'Avatar voices',
      baseUrl: server.baseUrl,
      voices: ['nova', 'alloy'],
    });
    const avatar = await call(
      'POST',
      '/api/avatars',
      { name: 'Nova', voice: { engine: engine.id, voice: 'alloy', rate: 1, pitch: 1 } },
      member.cookie,
    );
    expect(avatar.statusCode, avatar.body).toBe(201);
    const spoken = await call(
      'POST',
      '/api/voice/speak',
      { text: 'Hi.', avatarId: avatar.json().avatar.id },
      member.cookie,
    );
    expect(spoken.statusCode, spoken.body).toBe(200);
    expect(server.requests.at(-1)!.fields).toMatchObject({ voice: 'alloy', input: 'Hi.' });
  });

  it('makes one endpoint per kind the default while it is ready, else falls back to the engines found here', async () => {
    const defaults = async () =>
      (await call('GET', '/api/voice/engines', undefined, member.cookie)).json().defaults;
    const found = await defaults();
    const first = await create({ kind: 'stt', name: 'First', baseUrl: server.baseUrl, useByDefault: true });
    expect(first.useByDefault).toBe(true);
    expect((await defaults()).stt).toBe(first.id);
    const second = await create({ kind: 'stt', name: 'Second', baseUrl: server.baseUrl, useByDefault: true });
    const listed = (await call('GET', URL_)).json().engines;
    expect(listed.map((e: { name: string; useByDefault: boolean }) => [e.name, e.useByDefault])).toEqual([
      ['First', false],
      ['Second', true],
    ]);
    expect((await defaults()).stt).toBe(second.id);
    // Down: calls keep working on what this server has.
    await call('PATCH', `${URL_}/${second.id}`, { baseUrl: 'http://127.0.0.1:1/v1' });
    expect((await defaults()).stt).toBe(found.stt);
    await call('PATCH', `${URL_}/${second.id}`, { baseUrl: server.baseUrl, useByDefault: false });
    expect((await defaults()).stt).toBe(found.stt);
  });

  it('carries a whole voice call: the network STT hears the question, the network TTS speaks the reply', async () => {
    const ollama = await new OllamaServer().listen();
    const voiceApp = (
      await createTestApp(storage, {
        ...env,
        LUMINA_OUTBOUND_ALLOW: '127.0.0.1',
        OLLAMA_BASE_URL: ollama.origin,
        CHAT_FLUSH_INTERVAL_MS: '50',
      })
    ).app;
    try {
      await voiceApp.listen({ port: 0, host: '127.0.0.1' });
      const origin = `127.0.0.1:${(voiceApp.server.address() as AddressInfo).port}`;
      const stt = await create(
        { kind: 'stt', name: 'Whisper', baseUrl: server.baseUrl, useByDefault: true },
        voiceApp,
      );
      const tts = await create(
        { kind: 'tts', name: 'Voices', baseUrl: server.baseUrl, useByDefault: true },
        voiceApp,
      );
      const chat = await startChat(voiceApp, `caller-${mode}@example.org`, {
        model: 'ollama/llama3.2:latest',
      });
      const client = await openVoiceClient(`ws://${origin}/ws/voice?conversationId=${chat.conversationId}`, {
        cookie: chat.cookie,
        origin: `http://${origin}`,
      });
      client.send({ type: 'start', sampleRate: 16_000, mode: 'hands_free' });
      const ready = await client.next((e) => e.type === 'ready');
      expect(ready.engines).toMatchObject({ stt: stt.id, tts: tts.id });
      ollama.script({ kind: 'text', tokens: ['It is sunny. ', 'Enjoy it.'], delayMs: 10 });
      server.script({ kind: 'ok', text: ' What is the weather like today? ' });
      const question = fliteSpeech('what is the weather like today');
      await client.stream(
        withSilence(question.samples, question.sampleRate, 1_200, 300),
        question.sampleRate,
      );
      const final = await client.next((e) => e.type === 'final_transcript', 20_000);
      expect(final.text).toBe('What is the weather like today?');
      const end = await client.next((e) => e.type === 'assistant_end', 20_000);
      expect(end).toMatchObject({ text: 'It is sunny. Enjoy it.', interrupted: false });
      expect(client.audio.reduce((sum, a) => sum + a.bytes, 0)).toBeGreaterThan(8_000);
      const upload = server.requests.find((r) => r.path === '/v1/audio/transcriptions')!;
      expect(uploadedAudio(upload).sampleRate).toBe(16_000);
      const spoken = server.requests.filter((r) => r.path === '/v1/audio/speech').map((r) => r.fields.input);
      expect(spoken.join(' ')).toContain('Enjoy it.');
      client.socket.close();
    } finally {
      await voiceApp.close();
      await ollama.close();
    }
  }, 60_000);

  it('tests a transcription endpoint with a real multipart request and shows its readiness', async () => {
    const engine = await create({
      kind: 'stt',
      name: 'whisper.cpp',
      baseUrl: server.baseUrl,
      model: 'whisper-large',
    });
    expect(engine).toMatchObject({
      kind: 'stt',
      model: 'whisper-large',
      voices: [],
      apiKey: 'not set',
      ready: true,
    });
    server.script({ kind: 'ok', text: ' ' });
    const res = await call('POST', `${URL_}/${engine.id}/check`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().test).toMatchObject({ ready: true, latencyMs: expect.any(Number) });
    expect(res.json().engine).toMatchObject({ id: engine.id, ready: true });
    const request = server.requests.find((r) => r.path === '/v1/audio/transcriptions')!;
    expect(request.fields).toMatchObject({ model: 'whisper-large', response_format: 'json' });
    expect(request.headers.authorization).toBeUndefined();
    expect(uploadedAudio(request)).toMatchObject({ sampleRate: 16000 });

    // A failing service: our code and words, never its body.
    server.script({ kind: 'http-error', status: 500, message: 'INTERNAL-SECRET stack trace' });
    const failing = (await call('POST', `${URL_}/${engine.id}/check`)).json();
    expect(failing.test).toMatchObject({ ready: false, code: 'stt_engine_failed' });
    expect(JSON.stringify(failing)).not.toContain('INTERNAL-SECRET');
  });

  it('keeps the API key encrypted at rest, replaces and removes it, and never returns it', async () => {
    const engine = await create({ kind: 'tts', name: 'Keyed', baseUrl: server.baseUrl, apiKey: KEY });
    const rows = await storage.db.select().from(secrets);
    const row = rows.find((r) => r.purpose === `voice-engine:${engine.id}`)!;
    expect(row.ownerId).toBeNull();
    expect(row.ciphertext).not.toContain(KEY);
    expect(row.ciphertext).not.toContain(Buffer.from(KEY).toString('base64'));
    const settings = await storage.db.select().from(systemSettings);
    expect(JSON.stringify(settings)).not.toContain(KEY);
    expect(JSON.stringify((await call('GET', URL_)).json())).not.toContain(KEY);

    const replaced = await call('PATCH', `${URL_}/${engine.id}`, { apiKey: 'sk-second-key' });
    expect(replaced.json().engine.apiKey).toBe('set');
    await call('POST', '/api/voice/speak', { text: 'Hi.', engine: engine.id }, member.cookie);
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer sk-second-key');

    // A key that no longer opens (a lost or wrong master key): listed, not ready, never sent.
    const [sealed] = await storage.db.select().from(secrets).where(eq(secrets.id, row.id));
    await storage.db
      .update(secrets)
      .set({ ciphertext: `${sealed!.ciphertext.slice(0, -4)}AAAA` })
      .where(eq(secrets.id, row.id));
    const broken = await call('PATCH', `${URL_}/${engine.id}`, { name: 'Broken key' });
    expect(broken.json().engine).toMatchObject({
      apiKey: 'set',
      ready: false,
      code: 'secret_decrypt_failed',
    });

    const removed = await call('PATCH', `${URL_}/${engine.id}`, { apiKey: null, name: 'Keyless' });
    expect(removed.json().engine).toMatchObject({ apiKey: 'not set', name: 'Keyless' });
    expect((await storage.db.select().from(secrets)).some((r) => r.id === row.id)).toBe(false);
  });

  it('edits and deletes; the registry follows at once', async () => {
    const engine = await create({ kind: 'tts', name: 'Before', baseUrl: server.baseUrl });
    const edited = await call('PATCH', `${URL_}/${engine.id}`, {
      name: 'After',
      voices: ['sage'],
      model: 'tts-1-hd',
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().engine).toMatchObject({ name: 'After', voices: ['sage'], model: 'tts-1-hd' });
    const list = (await call('GET', '/api/voice/engines', undefined, member.cookie)).json().engines;
    expect(list.find((e: { id: string }) => e.id === engine.id).label).toBe('After');

    expect((await call('DELETE', `${URL_}/${engine.id}`)).statusCode).toBe(204);
    const after = (await call('GET', '/api/voice/engines', undefined, member.cookie)).json().engines;
    expect(after.some((e: { id: string }) => e.id === engine.id)).toBe(false);
    const gone = await call('POST', '/api/voice/speak', { text: 'Hi.', engine: engine.id }, member.cookie);
    expect(gone.json().error.code).toBe('voice_engine_not_found');
    const again = await call('DELETE', `${URL_}/${engine.id}`);
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('voice_network_engine_not_found');
  });

  it('is for administrators only, validates ids and bodies with stable codes', async () => {
    const engine = await create({ kind: 'tts', name: 'Admin only', baseUrl: server.baseUrl });
    const valid = { kind: 'tts', name: 'x', baseUrl: server.baseUrl };
    for (const [method, url, payload] of [
      ['GET', URL_, undefined],
      ['POST', URL_, valid],
      ['PATCH', `${URL_}/${engine.id}`, { name: 'x' }],
      ['DELETE', `${URL_}/${engine.id}`, undefined],
      ['POST', `${URL_}/${engine.id}/check`, undefined],
    ] as const) {
      const res = await call(method, url, payload, member.cookie);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('admin_only');
      expect(
        (await app.inject({ method, url, headers: CSRF, ...(payload ? { payload } : {}) })).statusCode,
      ).toBe(401);
    }
    expect((await call('GET', URL_)).json().engines).toHaveLength(1);

    const badId = await call('PATCH', `${URL_}/not-an-id`, { name: 'x' });
    expect([badId.statusCode, badId.json().error.code]).toEqual([400, 'invalid_request']);
    const unknown = await call('POST', `${URL_}/01900000-0000-7000-8000-000000000000/check`);
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'voice_network_engine_not_found']);
    for (const body of [
      { kind: 'vad', name: 'x', baseUrl: server.baseUrl },
      { kind: 'tts', name: '', baseUrl: server.baseUrl },
      { kind: 'tts', name: 'x', baseUrl: 'ftp://example.org/v1' },
      { kind: 'tts', name: 'x', baseUrl: 'http://user:pw@127.0.0.1/v1' },
      { kind: 'tts', name: 'x', baseUrl: server.baseUrl, voices: ['bad voice'] },
      { kind: 'tts', name: 'x', baseUrl: server.baseUrl, voices: [] },
      { kind: 'tts', name: 'x', baseUrl: server.baseUrl, voices: ['a', 'a'] },
      { kind: 'stt', name: 'x', baseUrl: server.baseUrl, voices: ['nova'] },
    ]) {
      const res = await call('POST', URL_, body);
      expect([res.statusCode, res.json().error.code], JSON.stringify(body)).toEqual([400, 'invalid_request']);
    }
  });

  it('refuses private addresses the operator did not allow, at save and on every request', async () => {
    const strict = (await createTestApp(storage, env)).app;
    try {
      for (const baseUrl of ['http://10.1.2.3:9/v1', server.baseUrl, 'http://169.254.169.254/v1']) {
        const res = await call('POST', URL_, { kind: 'stt', name: 'Private', baseUrl }, admin.cookie, strict);
        expect([res.statusCode, res.json().error.code], baseUrl).toEqual([400, 'outbound_address_blocked']);
      }
      // Saved through the instance that allows loopback; the strict one loads it and refuses to connect.
      const engine = await create({ kind: 'tts', name: 'Loopback', baseUrl: server.baseUrl });
      server.requests.length = 0;
      const listed = (await call('GET', URL_, undefined, admin.cookie, strict)).json().engines;
      expect(listed).toEqual([
        expect.objectContaining({ id: engine.id, ready: false, code: 'engine_unreachable' }),
      ]);
      const checked = (
        await call('POST', `${URL_}/${engine.id}/check`, undefined, admin.cookie, strict)
      ).json();
      expect(checked.test).toMatchObject({ ready: false, code: 'outbound_address_blocked' });
      const spoken = await call(
        'POST',
        '/api/voice/speak',
        { text: 'Hi.', engine: engine.id },
        member.cookie,
        strict,
      );
      expect(spoken.statusCode).toBeGreaterThanOrEqual(400);
      expect(server.requests).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('in local-only mode lists a remote endpoint refused with local_only and keeps a loopback one', async () => {
    const local = (
      await createTestApp(storage, { ...env, LUMINA_OUTBOUND_ALLOW: '127.0.0.1', LUMINA_LOCAL_ONLY: 'true' })
    ).app;
    try {
      const cloud = await create(
        { kind: 'tts', name: 'Cloud', baseUrl: 'https://8.8.8.8/v1', apiKey: KEY },
        local,
      );
      const loopback = await create({ kind: 'tts', name: 'Here', baseUrl: server.baseUrl }, local);
      expect(cloud).toMatchObject({ remote: true, ready: false, code: 'local_only' });
      expect(loopback).toMatchObject({ remote: false, ready: true });
      const engines = (await call('GET', '/api/voice/engines', undefined, member.cookie, local)).json()
        .engines;
      expect(engines).toContainEqual(
        expect.objectContaining({ id: cloud.id, ready: false, code: 'local_only' }),
      );
      const refused = await call(
        'POST',
        '/api/voice/speak',
        { text: 'Hi.', engine: cloud.id },
        member.cookie,
        local,
      );
      expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'local_only']);
      const checked = (
        await call('POST', `${URL_}/${cloud.id}/check`, undefined, admin.cookie, local)
      ).json();
      expect(checked.test).toMatchObject({ ready: false, code: 'local_only' });
      const spoken = await call(
        'POST',
        '/api/voice/speak',
        { text: 'Hi.', engine: loopback.id },
        member.cookie,
        local,
      );
      expect(spoken.statusCode, spoken.body).toBe(200);
      // Nothing went to the remote address, not even a readiness probe (there is no route to it here).
      expect(server.requests.every((r) => r.path === '/v1/audio/speech' || r.path === '/v1')).toBe(true);
      expect((await call('DELETE', `${URL_}/${cloud.id}`, undefined, admin.cookie, local)).statusCode).toBe(
        204,
      );
    } finally {
      await local.close();
    }
  });

  it("follows the admin's run-time local-only switch: a remote endpoint is refused at once, calls fall back, and it works again when switched off", async () => {
    const ollama = await new OllamaServer().listen();
    // A public-looking name (not a local host, so `remote`) that reaches the local protocol server.
    const remoteApp = await buildApp({
      config: loadConfig({
        ...FAST_ARGON2,
        ...env,
        LUMINA_OUTBOUND_ALLOW: '127.0.0.1',
        OLLAMA_BASE_URL: ollama.origin,
        CHAT_FLUSH_INTERVAL_MS: '50',
      }),
      storage,
      serveWeb: false,
      logger: { level: 'silent' },
      outboundLookup: async (hostname) =>
        hostname === 'speech.example.com' ? [{ address: '127.0.0.1', family: 4 }] : [],
    });
    const privacy = (localOnly: boolean) =>
      call('PUT', '/api/admin/privacy', { localOnly }, admin.cookie, remoteApp);
    const engineIn = async (id: string, as = member.cookie) =>
      (await call('GET', '/api/voice/engines', undefined, as, remoteApp))
        .json()
        .engines.find((e: { id: string }) => e.id === id);
    try {
      await remoteApp.listen({ port: 0, host: '127.0.0.1' });
      const origin = `127.0.0.1:${(remoteApp.server.address() as AddressInfo).port}`;
      const remoteUrl = server.baseUrl.replace('127.0.0.1', 'speech.example.com');
      const stt = await create(
        { kind: 'stt', name: 'Far whisper', baseUrl: remoteUrl, useByDefault: true },
        remoteApp,
      );
      const tts = await create(
        { kind: 'tts', name: 'Far voices', baseUrl: remoteUrl, apiKey: KEY, useByDefault: true },
        remoteApp,
      );
      expect(stt).toMatchObject({ remote: true, ready: true });
      expect(tts).toMatchObject({ remote: true, ready: true });
      const chat = await startChat(remoteApp, `switch-${mode}@example.org`, {
        model: 'ollama/llama3.2:latest',
      });
      const openCall = async () => {
        const client = await openVoiceClient(
          `ws://${origin}/ws/voice?conversationId=${chat.conversationId}`,
          {
            cookie: chat.cookie,
            origin: `http://${origin}`,
          },
        );
        client.send({ type: 'start', sampleRate: 16_000, mode: 'hands_free' });
        return client;
      };

      // A call that started with the remote engines keeps none of them once the switch is on.
      const running = await openCall();
      expect((await running.next((e) => e.type === 'ready')).engines).toMatchObject({
        stt: stt.id,
        tts: tts.id,
      });
      expect((await privacy(true)).statusCode).toBe(200);
      server.requests.length = 0;
      const question = fliteSpeech('what is the weather like today');
      await running.stream(
        withSilence(question.samples, question.sampleRate, 1_200, 300),
        question.sampleRate,
      );
      const refusedMidCall = await running.next((e) => e.type === 'error', 20_000);
      expect(refusedMidCall).toMatchObject({ code: 'local_only', message: expect.any(String) });
      running.socket.close();

      // Listed as refused everywhere: the admin list, Settings › Voice, /health.
      const adminList = (await call('GET', URL_, undefined, admin.cookie, remoteApp)).json().engines;
      for (const id of [stt.id, tts.id]) {
        expect(adminList.find((e: { id: string }) => e.id === id)).toMatchObject({
          remote: true,
          ready: false,
          code: 'local_only',
        });
        expect(await engineIn(id)).toMatchObject({ ready: false, code: 'local_only' });
      }
      const health = JSON.stringify((await remoteApp.inject({ method: 'GET', url: '/health' })).json());
      expect(health).toContain(stt.id);
      expect(health).toContain('local_only');
      const defaults = (await call('GET', '/api/voice/engines', undefined, member.cookie, remoteApp)).json()
        .defaults;
      expect([defaults.stt, defaults.tts]).not.toContain(stt.id);
      expect(defaults.tts).not.toBe(tts.id);
      const refused = await call(
        'POST',
        '/api/voice/speak',
        { text: 'Hi.', engine: tts.id },
        member.cookie,
        remoteApp,
      );
      expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'local_only']);
      const checked = (
        await call('POST', `${URL_}/${stt.id}/check`, undefined, admin.cookie, remoteApp)
      ).json();
      expect(checked.test).toMatchObject({ ready: false, code: 'local_only' });
      // A new call falls back to the engines of this machine, as the default choice does.
      const fallback = await openCall();
      const fellBack = await fallback.next((e) => e.type === 'ready' || e.type === 'error');
      expect(fellBack.type).toBe('ready');
      expect(fellBack.engines).toMatchObject({ stt: defaults.stt, tts: defaults.tts });
      fallback.socket.close();
      // Nothing reached the endpoint while the switch was on: no audio, no text, no probe.
      expect(server.requests).toEqual([]);

      // Switched off: usable again at once, without a restart.
      expect((await privacy(false)).statusCode).toBe(200);
      expect(await engineIn(tts.id)).toMatchObject({ ready: true });
      const spoken = await call(
        'POST',
        '/api/voice/speak',
        { text: 'Back again.', engine: tts.id },
        member.cookie,
        remoteApp,
      );
      expect(spoken.statusCode, spoken.body).toBe(200);
      expect(server.requests.find((r) => r.path === '/v1/audio/speech')?.fields).toMatchObject({
        input: 'Back again.',
      });
      const again = await openCall();
      expect((await again.next((e) => e.type === 'ready')).engines).toMatchObject({
        stt: stt.id,
        tts: tts.id,
      });
      again.socket.close();
    } finally {
      await privacy(false);
      for (const engine of (await call('GET', URL_, undefined, admin.cookie, remoteApp)).json().engines ?? [])
        await call('DELETE', `${URL_}/${engine.id}`, undefined, admin.cookie, remoteApp);
      await remoteApp.close();
      await ollama.close();
    }
  }, 60_000);
});
