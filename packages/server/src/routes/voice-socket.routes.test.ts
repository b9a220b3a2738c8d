import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createTestApp, FAST_ARGON2 } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';
import { fliteSpeech, openVoiceClient, withSilence } from '../voice/voice-test-client.js';

const MODEL = 'ollama/llama3.2:latest';

/**
 * /ws/voice end to end with the real system engines (energy VAD, pocketsphinx, espeak-ng/flite)
 * and the real conversation engine over a scripted Ollama protocol server: speech made by flite
 * at test time, streamed in real time in 100 ms packets.
 */
describeStorage('the voice socket on %s', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let origin: string;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        CHAT_FLUSH_INTERVAL_MS: '50',
        LUMINA_METRICS_TOKEN: 'voice-metrics-token-1234',
      })
    ).app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    origin = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  const call = async (
    chat: { cookie: string; conversationId: string },
    conversationId = chat.conversationId,
  ) =>
    openVoiceClient(`ws://${origin}/ws/voice?conversationId=${conversationId}`, {
      cookie: chat.cookie,
      origin: `http://${origin}`,
    });

  const stored = async (conversationId: string) =>
    (
      await storage.db.execute(
        sql`select id, parent_id, role, content, status from messages where conversation_id = ${conversationId} order by created_at`,
      )
    ).rows as { id: string; parent_id: string | null; role: string; content: string; status: string }[];

  it('hears a question, stores it and the reply, speaks the reply and reports the turn timing; a barge-in cuts the stored reply to what was heard', async () => {
    const chat = await startChat(app, 'voice@example.org', { model: MODEL });
    const client = await call(chat);
    client.send({ type: 'start', sampleRate: 16_000, mode: 'hands_free' });
    const ready = await client.next((e) => e.type === 'ready');
    expect(ready).toMatchObject({ sampleRate: 16_000, mode: 'hands_free' });

    ollama.script({
      kind: 'text',
      tokens: ['The weather is sunny and warm today. ', 'Enjoy it.'],
      delayMs: 30,
    });
    const question = fliteSpeech('what is the weather like today');
    await client.stream(withSilence(question.samples, question.sampleRate, 1_200, 300), question.sampleRate);

    const final = await client.next((e) => e.type === 'final_transcript');
    expect(String(final.text)).toContain('weather');
    expect(client.events.some((e) => e.type === 'partial_transcript')).toBe(true);
    const end = await client.next((e) => e.type === 'assistant_end');
    expect(end).toMatchObject({ text: 'The weather is sunny and warm today. Enjoy it.', interrupted: false });
    const timing = await client.next((e) => e.type === 'turn_timing');
    for (const key of ['finalTranscriptMs', 'llmFirstTokenMs', 'firstTtsByteMs', 'firstAudioSentMs'])
      expect(timing[key], key).toBeTypeOf('number');
    expect(client.events.find((e) => e.type === 'tts_start')).toMatchObject({ messageId: end.messageId });
    expect(client.audio.reduce((sum, a) => sum + a.bytes, 0)).toBeGreaterThan(16_000);
    let rows = await stored(chat.conversationId);
    expect(rows.find((r) => r.id === final.messageId)).toMatchObject({ role: 'user', content: final.text });
    expect(rows.find((r) => r.id === end.messageId)).toMatchObject({
      role: 'assistant',
      content: 'The weather is sunny and warm today. Enjoy it.',
    });
    client.send({ type: 'playback', playedMs: 3_000 });

    // Barge-in: a long reply, interrupted by speech while it plays.
    const long =
      'Rayleigh scattering makes the sky look blue, because short wavelengths scatter more than long ones. ' +
      'At sunset the light crosses more air, so the reds and oranges remain. ' +
      'Clouds are white because their droplets scatter every colour alike.';
    ollama.script(
      { kind: 'text', tokens: long.split(/(?<= )/), delayMs: 5 },
      { kind: 'text', tokens: ['Sure, I will stop.'], delayMs: 5 },
    );
    const from = client.events.length;
    const why = fliteSpeech('why is the sky blue');
    await client.stream(withSilence(why.samples, why.sampleRate, 1_000, 200), why.sampleRate);
    const started = await client.next((e) => e.type === 'tts_start', 20_000, from);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const stop = fliteSpeech('please stop talking now');
    await client.stream(withSilence(stop.samples, stop.sampleRate, 1_000), stop.sampleRate);
    const interrupted = await client.next((e) => e.type === 'interrupted', 10_000, from);
    expect(interrupted.messageId).toBe(started.messageId);
    client.send({ type: 'playback', playedMs: 1_200 });
    const cut = await client.next(
      (e) => e.type === 'assistant_end' && e.messageId === started.messageId && e.interrupted === true,
      10_000,
      from,
    );
    expect(cut.interrupted).toBe(true);
    expect(String(cut.text).length).toBeGreaterThan(0);
    expect(long.startsWith(String(cut.text))).toBe(true);
    expect(String(cut.text).length).toBeLessThan(long.length / 2);
    rows = await stored(chat.conversationId);
    expect(rows.find((r) => r.id === started.messageId)?.content).toBe(cut.text);
    client.socket.close();

    const metrics = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer voice-metrics-token-1234' },
    });
    expect(metrics.body).toMatch(/lumina_voice_turn_seconds_count\{stage="firstAudioSent"\} [1-9]/);
  }, 90_000);

  it('sends a segment final at a short pause, before the turn ends; two utterances with a short pause are one stored turn', async () => {
    const chat = await startChat(app, 'voice-segments@example.org', { model: MODEL });
    const client = await call(chat);
    client.send({ type: 'start', sampleRate: 16_000, mode: 'hands_free' });
    await client.next((e) => e.type === 'ready');
    ollama.script({ kind: 'text', tokens: ['It is nine. ', 'Good morning to you.'], delayMs: 20 });
    // flite pads its speech with silence; the pause is measured between the loud samples.
    const first = trimmed('what time is it');
    const second = { samples: trimmed('good morning') };
    // A 250 ms pause between them: longer than the segment silence (160 ms), shorter than the
    // end-of-turn silence (450 ms).
    const pause = withSilence(first, 16_000, 250, 500);
    const audio = new Int16Array(pause.length + second.samples.length + 16 * 1_200);
    audio.set(pause);
    audio.set(second.samples, pause.length);
    await client.stream(audio, 16_000);

    const final = await client.next((e) => e.type === 'final_transcript');
    expect(final.text).toBe('what time is it good morning');
    const segments = client.events.filter((e) => e.type === 'segment_transcript');
    expect(segments.length).toBeGreaterThanOrEqual(2);
    expect(segments.map((e) => e.text).join(' ')).toBe(final.text);
    expect(segments.at(-1)!.turnText).toBe(final.text);
    expect(segments.map((e) => e.index)).toEqual([...segments.keys()]);
    // The first segment's words were final while the person still spoke: before the turn ended
    // (`vad {speaking: false}`), long before the stored turn.
    const turnEnd = client.events.find((e) => e.type === 'vad' && e.speaking === false)!;
    expect(segments[0]!.at).toBeLessThan(turnEnd.at);
    expect(String(segments[0]!.text)).toContain('what');
    // Partials carry the whole turn so far: once the first segment was final, they start with it.
    const later = client.events.filter((e) => e.type === 'partial_transcript' && e.at > segments[0]!.at);
    for (const p of later) expect(String(p.text).startsWith(String(segments[0]!.turnText))).toBe(true);

    const timing = await client.next((e) => e.type === 'turn_timing');
    expect(timing.turnId).toBe(final.messageId);
    expect(timing.segmentFinalMs).toBeTypeOf('number');
    expect(timing.finalTranscriptMs).toBeTypeOf('number');
    await client.next((e) => e.type === 'assistant_end');
    // One user turn, stored once, answered once.
    const rows = await stored(chat.conversationId);
    expect(rows.filter((r) => r.role === 'user').map((r) => r.content)).toEqual([
      'what time is it good morning',
    ]);
    expect(rows.filter((r) => r.parent_id === final.messageId).map((r) => r.role)).toEqual(['assistant']);
    expect(client.events.filter((e) => e.type === 'final_transcript')).toHaveLength(1);
    client.socket.close();

    const metrics = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer voice-metrics-token-1234' },
    });
    expect(metrics.body).toMatch(/lumina_voice_segment_final_seconds_count [1-9]/);
  }, 90_000);

  it('deletes a reply interrupted before any of it was heard; the question stays and the next turn follows it', async () => {
    const chat = await startChat(app, 'voice-unheard@example.org', { model: MODEL });
    const client = await call(chat);
    client.send({ type: 'start', sampleRate: 16_000, mode: 'push_to_talk' });
    await client.next((e) => e.type === 'ready');
    ollama.script(
      {
        kind: 'text',
        tokens: ['Let me think about that. ', 'It is a long story. ', 'Here it is.'],
        delayMs: 300,
      },
      { kind: 'text', tokens: ['Good morning to you.'], delayMs: 5 },
    );
    const question = fliteSpeech('what time is it');
    await client.stream(question.samples, question.sampleRate);
    client.send({ type: 'end' });
    const final = await client.next((e) => e.type === 'final_transcript');
    const delta = await client.next((e) => e.type === 'assistant_delta');
    client.send({ type: 'cancel' });
    await client.next((e) => e.type === 'interrupted' && e.messageId === delta.messageId);
    client.send({ type: 'playback', playedMs: 0 });
    const cut = await client.next(
      (e) => e.type === 'assistant_end' && e.messageId === delta.messageId && e.text === '',
    );
    expect(cut.interrupted).toBe(true);
    let rows = await stored(chat.conversationId);
    expect(rows.map((r) => r.id)).not.toContain(delta.messageId);
    expect(rows.find((r) => r.id === final.messageId)).toMatchObject({ role: 'user', content: final.text });
    const view = await app.inject({
      method: 'GET',
      url: `/api/conversations/${chat.conversationId}`,
      headers: chat.headers,
    });
    expect(view.statusCode).toBe(200);
    expect(JSON.stringify(view.json())).not.toContain(String(delta.messageId));

    // The next turn is stored below the question the avatar never answered.
    const from = client.events.length;
    const next = fliteSpeech('good morning');
    await client.stream(next.samples, next.sampleRate);
    client.send({ type: 'end' });
    const nextFinal = await client.next((e) => e.type === 'final_transcript', 20_000, from);
    const end = await client.next((e) => e.type === 'assistant_end', 20_000, from);
    expect(end).toMatchObject({ text: 'Good morning to you.', interrupted: false });
    rows = await stored(chat.conversationId);
    expect(rows.find((r) => r.id === nextFinal.messageId)?.parent_id).toBe(final.messageId);
    expect(rows.find((r) => r.id === end.messageId)).toMatchObject({
      role: 'assistant',
      parent_id: nextFinal.messageId,
      content: 'Good morning to you.',
    });
    client.socket.close();
  }, 60_000);

  // The rest are the socket's own rules, independent of the database: once, on PGlite.
  if (mode !== 'pglite') return;

  it('refuses bad input with an error and a close code, and other calls keep working', async () => {
    const chat = await startChat(app, 'voice-bad@example.org', { model: MODEL });
    const healthy = await call(chat);
    healthy.send({ type: 'start', sampleRate: 48_000, mode: 'push_to_talk' });
    await healthy.next((e) => e.type === 'ready');

    const cases: [string, (c: Awaited<ReturnType<typeof call>>) => void, number, string][] = [
      ['audio before start', (c) => c.sendBinary(Buffer.alloc(320)), 4400, 'audio_before_start'],
      [
        'a sample rate outside 8–48 kHz',
        (c) => c.send({ type: 'start', sampleRate: 96_000 }),
        4400,
        'bad_sample_rate',
      ],
      ['unknown JSON', (c) => c.send({ type: 'dance' }), 4400, 'unknown_message'],
      ['text that is not JSON', (c) => c.socket.send('hello'), 4400, 'unknown_message'],
      [
        'an odd-length binary frame',
        (c) => {
          c.send({ type: 'start', sampleRate: 16_000 });
          setTimeout(() => c.sendBinary(Buffer.alloc(321)), 300);
        },
        4400,
        'bad_frame',
      ],
      [
        'a WAV file instead of PCM',
        (c) => {
          c.send({ type: 'start', sampleRate: 16_000 });
          setTimeout(() => c.sendBinary(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40)])), 300);
        },
        4400,
        'bad_frame',
      ],
      [
        'an Ogg page instead of PCM',
        (c) => {
          c.send({ type: 'start', sampleRate: 16_000 });
          setTimeout(() => c.sendBinary(Buffer.concat([Buffer.from('OggS'), Buffer.alloc(60)])), 300);
        },
        4400,
        'bad_frame',
      ],
      ['a control message before start', (c) => c.send({ type: 'end' }), 4400, 'audio_before_start'],
      [
        'a sample rate below 8 kHz',
        (c) => c.send({ type: 'start', sampleRate: 4_000 }),
        4400,
        'bad_sample_rate',
      ],
      [
        'a fractional sample rate',
        (c) => c.send({ type: 'start', sampleRate: 16_000.5 }),
        4400,
        'bad_sample_rate',
      ],
      [
        'a known message with a bad field',
        (c) => c.send({ type: 'playback', playedMs: -5 }),
        4400,
        'unknown_message',
      ],
    ];
    for (const [what, act, closeCode, code] of cases) {
      const client = await call(chat);
      act(client);
      await client.closed;
      expect(client.close()?.code, what).toBe(closeCode);
      expect(client.events.find((e) => e.type === 'error')?.code, what).toBe(code);
    }

    const stranger = await startChat(app, 'voice-stranger@example.org', { model: MODEL });
    const notTheirs = await call(stranger, chat.conversationId);
    await notTheirs.closed;
    expect(notTheirs.close()?.code).toBe(1008);
    expect(notTheirs.events[0]).toMatchObject({ type: 'error', code: 'conversation_not_found' });

    // The healthy call still works: push-to-talk at 48 kHz (resampled), released with `end`.
    ollama.script({ kind: 'text', tokens: ['Hello to you too.'] });
    const hello = fliteSpeech('hello there');
    const at48k = new Int16Array(hello.samples.length * 3);
    for (let i = 0; i < at48k.length; i++) at48k[i] = hello.samples[Math.floor(i / 3)]!;
    await healthy.stream(at48k, 48_000);
    healthy.send({ type: 'end' });
    const final = await healthy.next((e) => e.type === 'final_transcript');
    expect(String(final.text)).toContain('hello');
    await healthy.next((e) => e.type === 'assistant_end');
    healthy.socket.close();
  }, 90_000);

  it('ends the call with session_expired when the session is revoked', async () => {
    const chat = await startChat(app, 'voice-logout@example.org', { model: MODEL });
    const client = await call(chat);
    client.send({ type: 'start', sampleRate: 16_000, mode: 'hands_free' });
    await client.next((e) => e.type === 'ready');
    await app.inject({ method: 'POST', url: '/api/auth/logout', headers: chat.headers });
    await client.closed;
    expect(client.close()?.code).toBe(1008);
    expect(client.events.at(-1)).toMatchObject({ type: 'error', code: 'session_expired' });
  }, 30_000);

  it('takes 32 calls at once and refuses the next with too_many_sessions (4429) until one ends', async () => {
    const chat = await startChat(app, 'voice-many@example.org', { model: MODEL });
    const open = [];
    for (let i = 0; i < 32; i++) open.push(await call(chat));
    const refused = await call(chat);
    await refused.closed;
    expect(refused.close()?.code).toBe(4429);
    expect(refused.events[0]).toMatchObject({ type: 'error', code: 'too_many_sessions' });
    open.pop()!.socket.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const admitted = await call(chat);
    admitted.send({ type: 'start', sampleRate: 16_000 });
    await admitted.next((e) => e.type === 'ready');
    for (const client of [...open, admitted]) client.socket.close();
  }, 60_000);

  it('a session revoked during a turn ends the call with session_expired once the reply is sent', async () => {
    const chat = await startChat(app, 'voice-logout-turn@example.org', { model: MODEL });
    const client = await call(chat);
    client.send({ type: 'start', sampleRate: 16_000, mode: 'hands_free' });
    await client.next((e) => e.type === 'ready');
    const reply = 'One. Two. Three. Four. Five. Six.';
    ollama.script({ kind: 'text', tokens: reply.split(/(?<= )/), delayMs: 150 });
    const question = fliteSpeech('count to six');
    const streaming = client.stream(
      withSilence(question.samples, question.sampleRate, 1_000, 200),
      question.sampleRate,
    );
    await client.next((e) => e.type === 'assistant_delta');
    await app.inject({ method: 'POST', url: '/api/auth/logout', headers: chat.headers });
    await streaming;
    await client.closed;
    const types = client.events.map((e) => (e.type === 'error' ? `error:${e.code}` : e.type));
    expect(types.indexOf('assistant_end')).toBeGreaterThan(-1);
    expect(types.at(-1)).toBe('error:session_expired');
    expect(client.events.find((e) => e.type === 'assistant_end')).toMatchObject({
      text: reply,
      interrupted: false,
    });
    expect(client.close()?.code).toBe(1008);
  }, 60_000);
});

/** flite's speech without the silence it pads around it, so a test sets the pauses itself. */
function trimmed(text: string): Int16Array {
  const samples = fliteSpeech(text).samples;
  let from = 0;
  let to = samples.length;
  while (from < to && Math.abs(samples[from]!) < 500) from++;
  while (to > from && Math.abs(samples[to - 1]!) < 500) to--;
  return samples.slice(from, to);
}

describe('voice endpointing from the environment', () => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let origin: string;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage('pglite');
    app = await buildApp({
      config: loadConfig({
        ...FAST_ARGON2,
        OLLAMA_BASE_URL: ollama.origin,
        CHAT_FLUSH_INTERVAL_MS: '50',
        // Segments off: the words are final only when the turn ends, as before segments.
        LUMINA_VOICE_SEGMENT_SILENCE_MS: '0',
      }),
      storage,
      serveWeb: false,
      logger: { level: 'warn', stream: new Writable({ write: (_chunk, _encoding, done) => done() }) },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    origin = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  it('LUMINA_VOICE_SEGMENT_SILENCE_MS=0: a short pause makes no segment final; one at the end of the turn', async () => {
    const chat = await startChat(app, 'voice-no-segments@example.org', { model: MODEL });
    const client = await openVoiceClient(`ws://${origin}/ws/voice?conversationId=${chat.conversationId}`, {
      cookie: chat.cookie,
      origin: `http://${origin}`,
    });
    client.send({ type: 'start', sampleRate: 16_000, mode: 'hands_free' });
    await client.next((e) => e.type === 'ready');
    ollama.script({ kind: 'text', tokens: ['It is nine.'], delayMs: 20 });
    const first = withSilence(trimmed('what time is it'), 16_000, 250, 500);
    const second = trimmed('good morning');
    const audio = new Int16Array(first.length + second.length + 16 * 1_200);
    audio.set(first);
    audio.set(second, first.length);
    await client.stream(audio, 16_000);
    const final = await client.next((e) => e.type === 'final_transcript');
    expect(final.text).toBe('what time is it good morning');
    const segments = client.events.filter((e) => e.type === 'segment_transcript');
    expect(segments).toHaveLength(1);
    expect(segments[0]).toMatchObject({ index: 0, text: final.text, turnText: final.text });
    const turnEnd = client.events.find((e) => e.type === 'vad' && e.speaking === false)!;
    expect(segments[0]!.at).toBeGreaterThan(turnEnd.at);
    await client.next((e) => e.type === 'assistant_end');
    client.socket.close();
  }, 60_000);
});

/**
 * The call limits, shortened through AppDeps.voiceCalls, on a server listening on a Unix socket:
 * over TCP on loopback the kernel takes ~4 MB (two minutes of speech) before anything waits in
 * the process, a Unix socket ~200 KB, so a client that stops reading is seen within one reply.
 */
describe("the voice socket's limits", () => {
  const IDLE_MS = 2_000;
  const MAX_BUFFERED = 16 * 1024;
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let dir: string;
  let socketPath: string;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage('pglite');
    app = await buildApp({
      config: loadConfig({ ...FAST_ARGON2, OLLAMA_BASE_URL: ollama.origin, CHAT_FLUSH_INTERVAL_MS: '50' }),
      storage,
      serveWeb: false,
      logger: { level: 'warn', stream: new Writable({ write: (_chunk, _encoding, done) => done() }) },
      voiceCalls: { idleTimeoutMs: IDLE_MS, maxBufferedBytes: MAX_BUFFERED },
    });
    dir = mkdtempSync(join(tmpdir(), 'lumina-voice-socket-'));
    socketPath = join(dir, 'app.sock');
    await app.listen({ path: socketPath });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = (chat: { cookie: string; conversationId: string }) =>
    openVoiceClient(`ws+unix://${socketPath}:/ws/voice?conversationId=${chat.conversationId}`, {
      cookie: chat.cookie,
    });
  type Client = Awaited<ReturnType<typeof call>>;

  /** A message every 250 ms, as a client keeps the call alive (`mute` changes nothing here). */
  const keepAlive = (client: Client) => {
    const timer = setInterval(() => {
      if (client.socket.readyState === client.socket.OPEN) client.send({ type: 'mute', muted: false });
    }, 250);
    return () => clearInterval(timer);
  };
  const tcp = (client: Client) => (client.socket as unknown as { _socket: Socket })._socket;

  it('ends a call that sends nothing for the idle timeout with idle_timeout (4408)', async () => {
    const chat = await startChat(app, 'voice-idle@example.org', { model: MODEL });
    const alive = await call(chat);
    alive.send({ type: 'start', sampleRate: 16_000 });
    await alive.next((e) => e.type === 'ready');
    const stop = keepAlive(alive);
    const idle = await call(chat);
    // Its last frame: the server's idle clock starts when it receives it, after this.
    const quietSince = performance.now();
    idle.send({ type: 'start', sampleRate: 16_000 });
    await idle.next((e) => e.type === 'ready');
    await idle.closed;
    const quietMs = performance.now() - quietSince;
    expect(idle.close()?.code).toBe(4408);
    expect(idle.events.map((e) => e.type)).toEqual(['ready', 'error']);
    expect(idle.events.at(-1)).toMatchObject({ type: 'error', code: 'idle_timeout' });
    expect(quietMs).toBeGreaterThanOrEqual(IDLE_MS);
    expect(quietMs).toBeLessThan(IDLE_MS + 5_000);
    // A call that keeps sending stays open past the limit.
    expect(alive.socket.readyState).toBe(alive.socket.OPEN);
    stop();
    alive.socket.close();
  }, 30_000);

  it('drops audio for a client that stops reading, reports it once, then ends its call with client_too_slow; another call keeps working', async () => {
    // Made first: flite blocks this process (and so the server) while it runs.
    const question = fliteSpeech('tell me a long story');
    const hello = fliteSpeech('hello there');
    const chat = await startChat(app, 'voice-slow@example.org', { model: MODEL });
    const healthy = await call(chat);
    const stopHealthy = keepAlive(healthy);
    healthy.send({ type: 'start', sampleRate: 16_000, mode: 'push_to_talk' });
    await healthy.next((e) => e.type === 'ready');

    const slow = await call(chat);
    const stopSlow = keepAlive(slow);
    slow.send({ type: 'start', sampleRate: 16_000, mode: 'hands_free' });
    await slow.next((e) => e.type === 'ready');
    // A long spoken reply (~40 s of speech), far more than the socket buffers hold.
    const long = Array.from(
      { length: 12 },
      (_, i) =>
        `Part ${i + 1} of the story goes on about the mountains, the rivers and the long roads between them. `,
    ).join('');
    ollama.script({ kind: 'text', tokens: long.split(/(?<= )/), delayMs: 2 });
    tcp(slow).pause(); // the client stops reading; it still sends
    await slow.stream(withSilence(question.samples, question.sampleRate, 1_000, 200), question.sampleRate);

    // The server gives up on the slow call (its close frame waits behind the unread data).
    const deadline = Date.now() + 60_000;
    while (![...app.websocketServer.clients].some((ws) => ws.readyState === ws.CLOSING)) {
      if (Date.now() > deadline) throw new Error('the slow call was never closed');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(healthy.close(), 'the healthy call is open').toBeUndefined();

    // Meanwhile the other call on the same server takes a turn.
    ollama.script({ kind: 'text', tokens: ['Hello to you too.'] });
    await healthy.stream(hello.samples, hello.sampleRate);
    healthy.send({ type: 'end' });
    expect(String((await healthy.next((e) => e.type === 'final_transcript')).text)).toContain('hello');
    expect(await healthy.next((e) => e.type === 'assistant_end')).toMatchObject({
      text: 'Hello to you too.',
      interrupted: false,
    });
    expect(healthy.audio.length).toBeGreaterThan(0);
    expect(healthy.events.some((e) => e.type === 'error')).toBe(false);

    // The slow client reads again: the audio that fit, one audio_dropped, client_too_slow, 1008.
    tcp(slow).resume();
    await slow.closed;
    stopSlow();
    expect(slow.close()?.code).toBe(1008);
    const errors = slow.events.filter((e) => e.type === 'error').map((e) => e.code);
    expect(errors).toEqual(['audio_dropped', 'client_too_slow']);
    expect(slow.events.some((e) => e.type === 'tts_start')).toBe(true);
    const received = slow.audio.reduce((sum, a) => sum + a.bytes, 0);
    expect(received).toBeGreaterThan(0);
    expect(healthy.socket.readyState).toBe(healthy.socket.OPEN);
    stopHealthy();
    healthy.socket.close();
  }, 120_000);
});
