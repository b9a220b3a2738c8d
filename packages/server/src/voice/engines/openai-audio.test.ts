import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiAudioServer, uploadedAudio } from '../../test-support/protocol-servers/openai-audio-server.js';
import { createOpenAiAudioStt } from './openai-audio-stt.js';
import { createOpenAiAudioTts } from './openai-audio-tts.js';
import { createPocketsphinxStt } from './pocketsphinx-stt.js';
import { createVoiceEngines } from './registry.js';
import { resample } from './resample.js';
import { describeSttConformance } from './stt-conformance.js';
import { speech } from './test-speech.js';
import { describeTtsConformance } from './tts-conformance.js';

// The local server speaks the real wire format; its transcriptions are pocketsphinx's, like a
// whisper.cpp server's would be whisper's, and its speech is espeak-ng's.
let server: OpenAiAudioServer;
const recogniser = createPocketsphinxStt();
beforeAll(async () => {
  server = await OpenAiAudioServer.start();
  server.transcriber = async (samples, sampleRate) => {
    const stream = await recogniser.open({});
    stream.write(resample(samples, sampleRate));
    const text = await stream.finish();
    stream.close();
    return text;
  };
});
afterAll(async () => {
  await server?.close();
  await recogniser.dispose();
});

const stt = (more: Partial<Parameters<typeof createOpenAiAudioStt>[0]> = {}) =>
  createOpenAiAudioStt({ baseUrl: server.baseUrl, apiKey: 'sk-test', fetch, ...more });
const tts = (more: Partial<Parameters<typeof createOpenAiAudioTts>[0]> = {}) =>
  createOpenAiAudioTts({ baseUrl: server.baseUrl, apiKey: 'sk-test', fetch, ...more });

describeSttConformance('OpenAI-compatible transcriptions', () => stt());
describeTtsConformance('OpenAI-compatible speech', () => tts());

describe('OpenAI-compatible transcriptions', () => {
  it('sends the utterance as one 16 kHz WAV with model, language and the key', async () => {
    const audio = await speech('good morning');
    const stream = await stt({ model: 'whisper-large' }).open({ language: 'en-GB' });
    stream.write(audio.subarray(0, 8000));
    stream.write(audio.subarray(8000));
    server.script({ kind: 'ok', text: ' Good morning. ' });
    expect(await stream.finish()).toBe('Good morning.');
    const request = server.requests.at(-1)!;
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.fields).toMatchObject({ model: 'whisper-large', language: 'en', response_format: 'json' });
    const sent = uploadedAudio(request);
    expect(sent.sampleRate).toBe(16000);
    expect(Array.from(sent.samples)).toEqual(Array.from(audio));
  });

  it('is local for a loopback endpoint and remote for a public one', () => {
    expect(stt().remote).toBe(false);
    expect(createOpenAiAudioStt({ baseUrl: 'https://api.openai.com/v1', fetch }).remote).toBe(true);
    expect(createOpenAiAudioTts({ baseUrl: 'https://api.openai.com/v1', fetch }).remote).toBe(true);
  });

  it('turns service errors into stt_engine_failed without quoting the service', async () => {
    for (const status of [401, 500] as const) {
      const stream = await stt().open({});
      const errors: Array<{ code?: string }> = [];
      stream.onError((e) => errors.push(e));
      stream.write(await speech('hello'));
      server.script({ kind: 'http-error', status, message: 'secret internals' });
      const error = await stream.finish().catch((e: Error & { code?: string }) => e);
      expect(error).toMatchObject({ code: 'stt_engine_failed' });
      expect((error as Error).message).not.toContain('secret');
      expect(errors.map((e) => e.code)).toEqual(['stt_engine_failed']);
    }
  });

  it('fails a cut answer with stt_engine_failed and a silent service with stt_timeout, never hanging', async () => {
    const cut = await stt().open({});
    cut.write(await speech('hello'));
    server.script({ kind: 'cut' });
    await expect(cut.finish()).rejects.toMatchObject({ code: 'stt_engine_failed' });
    const silent = await stt({ timeoutMs: 300 }).open({});
    silent.write(await speech('hello'));
    server.script({ kind: 'hang' });
    const started = performance.now();
    await expect(silent.finish()).rejects.toMatchObject({ code: 'stt_timeout' });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('reports an endpoint that does not answer as not ready (engine_unreachable)', async () => {
    const nowhere = createOpenAiAudioStt({ baseUrl: 'http://127.0.0.1:1/v1', fetch });
    expect(await nowhere.readiness()).toMatchObject({ ready: false, code: 'engine_unreachable' });
    expect(await stt().readiness()).toEqual({ ready: true });
  });

  it('is refused in local-only mode when remote, through the registry', async () => {
    const cloud = createOpenAiAudioStt({ id: 'cloud-whisper', baseUrl: 'https://api.openai.com/v1', fetch });
    const local = createOpenAiAudioStt({ id: 'local-whisper', baseUrl: server.baseUrl, fetch });
    const registry = createVoiceEngines({ localOnly: true, extra: [cloud, local] });
    expect(() => registry.stt('cloud-whisper')).toThrow(expect.objectContaining({ code: 'local_only' }));
    expect(registry.stt('local-whisper').id).toBe('local-whisper');
    await registry.close();
  });
});

describe('OpenAI-compatible speech', () => {
  it('asks for WAV with the voice, model and speed, and streams the audio as it arrives', async () => {
    const chunks: number[] = [];
    for await (const chunk of tts({ model: 'tts-1-hd' }).synthesize('Streaming speech from a service.', {
      voice: 'nova',
      rate: 1.25,
      pitch: 1,
    })) {
      chunks.push(chunk.samples.length);
      expect(chunk.sampleRate).toBe(22050);
    }
    expect(chunks.length).toBeGreaterThan(1);
    expect(server.requests.at(-1)!.fields).toMatchObject({
      model: 'tts-1-hd',
      voice: 'nova',
      response_format: 'wav',
      speed: '1.25',
      input: 'Streaming speech from a service.',
    });
  });

  it('refuses a voice the service does not list, and fails errors and cut streams with tts_engine_failed', async () => {
    const run = async (engine = tts(), voice: string | null = null) => {
      let samples = 0;
      for await (const chunk of engine.synthesize('Hello there, this is a test.', {
        voice,
        rate: 1,
        pitch: 1,
      }))
        samples += chunk.samples.length;
      return samples;
    };
    await expect(run(tts(), 'nobody')).rejects.toMatchObject({ code: 'voice_not_found' });
    server.script({ kind: 'http-error', status: 401 });
    await expect(run()).rejects.toMatchObject({ code: 'tts_engine_failed' });
    server.script({ kind: 'cut' });
    await expect(run()).rejects.toMatchObject({ code: 'tts_engine_failed' });
    server.script({ kind: 'hang' });
    await expect(run(tts({ timeoutMs: 300 }))).rejects.toMatchObject({ code: 'tts_timeout' });
  });
});
