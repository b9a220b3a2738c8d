import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';
import { createPocketsphinxStt } from '../voice/engines/pocketsphinx-stt.js';
import { decodeWav, resample } from '../voice/engines/resample.js';
import { words } from '../voice/engines/test-speech.js';

describe('voice REST API', () => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let admin: Awaited<ReturnType<typeof signup>>;
  let member: Awaited<ReturnType<typeof signup>>;
  let other: Awaited<ReturnType<typeof signup>>;
  let avatarId: string;

  beforeAll(async () => {
    storage = await createTestStorage('pglite');
    app = (
      await createTestApp(storage, {
        LUMINA_DATA_DIR: storage.dataDir,
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
      })
    ).app;
    admin = await signup(app, 'admin@example.org');
    member = await signup(app, 'member@example.org');
    other = await signup(app, 'other@example.org');
    const created = await app.inject({
      method: 'POST',
      url: '/api/avatars',
      headers: { ...CSRF, cookie: member.cookie },
      payload: { name: 'Kal', voice: { engine: 'flite', voice: 'kal16', rate: 1, pitch: 1 } },
    });
    expect(created.statusCode, created.body).toBe(201);
    avatarId = created.json().avatar.id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  const speak = (payload: object, cookie = member.cookie) =>
    app.inject({ method: 'POST', url: '/api/voice/speak', headers: { ...CSRF, cookie }, payload });

  it('lists the engines found here with readiness and the defaults; signed-in users only', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/voice/engines' })).statusCode).toBe(401);
    const res = await app.inject({
      method: 'GET',
      url: '/api/voice/engines',
      headers: { cookie: member.cookie },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.engines).toEqual(
      expect.arrayContaining([
        {
          id: 'pocketsphinx',
          kind: 'stt',
          family: 'system',
          label: expect.any(String),
          remote: false,
          ready: true,
        },
        expect.objectContaining({ id: 'espeak-ng', kind: 'tts', ready: true }),
        expect.objectContaining({ id: 'flite', kind: 'tts', ready: true }),
        expect.objectContaining({ id: 'energy', kind: 'vad', family: 'builtin', ready: true }),
      ]),
    );
    expect(body.defaults).toEqual({ vad: 'energy', stt: 'pocketsphinx', tts: 'espeak-ng' });
  });

  it("lists a TTS engine's voices; 404 voice_engine_not_found for an unknown or non-TTS engine", async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/voice/engines/flite/voices',
      headers: { cookie: member.cookie },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().voices).toContainEqual({
      id: 'kal16',
      label: expect.any(String),
      language: 'en',
      gender: 'male',
    });
    for (const id of ['pocketsphinx', 'no-such-engine']) {
      const missing = await app.inject({
        method: 'GET',
        url: `/api/voice/engines/${id}/voices`,
        headers: { cookie: member.cookie },
      });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('voice_engine_not_found');
    }
  });

  it("speaks in the avatar's voice: WAV that pocketsphinx transcribes back", async () => {
    const res = await speak({ text: 'open the door please', avatarId });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    const { samples, sampleRate } = decodeWav(res.rawPayload);
    expect(sampleRate).toBe(16000); // flite kal16, the avatar's voice
    const stt = createPocketsphinxStt();
    try {
      const stream = await stt.open({});
      stream.write(resample(samples, sampleRate));
      expect(words(await stream.finish())).toEqual(['open', 'the', 'door', 'please']);
    } finally {
      await stt.dispose();
    }
  });

  it('lets explicit fields override the avatar, and uses the default engine without an avatar', async () => {
    const espeak = await speak({ text: 'Hello there.', avatarId, engine: 'espeak-ng', rate: 1.5 });
    expect(espeak.statusCode, espeak.body).toBe(200);
    expect(decodeWav(espeak.rawPayload).sampleRate).toBe(22050);
    const slow = await speak({ text: 'Hello there.', avatarId, rate: 0.5 });
    const normal = await speak({ text: 'Hello there.', avatarId });
    expect(decodeWav(slow.rawPayload).samples.length).toBeGreaterThan(
      decodeWav(normal.rawPayload).samples.length * 1.4,
    );
    const plain = await speak({ text: 'No avatar here.' });
    expect(plain.statusCode).toBe(200);
    expect(decodeWav(plain.rawPayload).sampleRate).toBe(22050); // espeak-ng, the default
  });

  it("refuses another user's private avatar with 404 avatar_not_found", async () => {
    const res = await speak({ text: 'Hello.', avatarId }, other.cookie);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('avatar_not_found');
  });

  it('refuses bad input with stable codes', async () => {
    const cases: Array<[object, number, string]> = [
      [{ text: 'x'.repeat(2001) }, 400, 'invalid_request'],
      [{ text: '   ' }, 400, 'invalid_request'],
      [{ text: 'Hi.', rate: 5 }, 400, 'invalid_request'],
      [{ text: 'Hi.', pitch: 0.1 }, 400, 'invalid_request'],
      [{ text: 'Hi.', avatarId: 'not-a-uuid' }, 400, 'invalid_request'],
      [{ text: 'Hi.', engine: 'no-such-engine' }, 404, 'voice_engine_not_found'],
      [{ text: 'Hi.', engine: 'pocketsphinx' }, 404, 'voice_engine_not_found'],
      [{ text: 'Hi.', engine: 'flite', voice: 'nobody' }, 404, 'voice_not_found'],
      [{ text: 'Hi.', engine: 'flite', voice: '/etc/passwd' }, 404, 'voice_not_found'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await speak(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().error.code, JSON.stringify(payload)).toBe(code);
    }
    // 2,000 characters is still accepted.
    const longest = await speak({
      text: `${'word '.repeat(399)}last.`.slice(0, 2000),
      engine: 'espeak-ng',
      rate: 4,
    });
    expect(longest.statusCode).toBe(200);
  });

  it('lists downloadable models, not installed, with sizes, checksums and licences', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/voice/models',
      headers: { cookie: member.cookie },
    });
    expect(res.statusCode).toBe(200);
    const [model] = res.json().models;
    expect(model).toMatchObject({
      id: 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
      kind: 'stt',
      installed: false,
      code: 'model_missing',
      license: 'Apache-2.0',
      sizeBytes: 45_202_074,
      sha256: '3810755ce7c3ab26b42a8bcf39d191308fa27fb0f53358823ba46141d03b7eb3',
    });
    expect(model.files).toHaveLength(4);
  });

  it('downloads models for admins only; an unknown model is 404 model_not_found', async () => {
    const url = '/api/admin/voice/models/sherpa-onnx-streaming-zipformer-en-20M-2023-02-17';
    const asMember = await app.inject({ method: 'POST', url, headers: { ...CSRF, cookie: member.cookie } });
    expect(asMember.statusCode).toBe(403);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/admin/voice/models/no-such-model',
      headers: { ...CSRF, cookie: admin.cookie },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('model_not_found');
  });

  it('reports each voice engine in /health without degrading the instance', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json().checks.voice.engines).toEqual(
      expect.arrayContaining([
        { id: 'pocketsphinx', kind: 'stt', ready: true },
        { id: 'espeak-ng', kind: 'tts', ready: true },
      ]),
    );
  });
});
