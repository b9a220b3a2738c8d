import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../test-support/app.js';
import { startChat } from '../test-support/conversations.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { createTestStorage, type TestStorage } from '../test-support/storage.js';
import { fliteSpeech, openVoiceClient, withSilence } from '../voice/voice-test-client.js';

const MODEL = 'ollama/llama3.2:latest';

/**
 * /ws/voice end to end with the real system engines (energy VAD, pocketsphinx, espeak-ng/flite)
 * and the real conversation engine over a scripted Ollama protocol server: speech made by flite
 * at test time, streamed in real time in 100 ms packets.
 */
describe('the voice socket', () => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let origin: string;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    storage = await createTestStorage('pglite');
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
        sql`select id, role, content, status from messages where conversation_id = ${conversationId} order by created_at`,
      )
    ).rows as { id: string; role: string; content: string; status: string }[];

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
