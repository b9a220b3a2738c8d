import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundClient } from '../../net/outbound-client.js';
import { OpenAiAudioServer } from '../../test-support/protocol-servers/openai-audio-server.js';
import { createEnergyVad } from './energy-vad.js';
import { createEspeakTts } from './espeak-tts.js';
import { createNetworkEngine, type NetworkEngineConfig, testNetworkEngine } from './network-engines.js';
import { createVoiceEngines } from './registry.js';
import type { TtsEngine } from './types.js';

let server: OpenAiAudioServer;
beforeAll(async () => {
  server = await OpenAiAudioServer.start();
});
afterAll(() => server?.close());

const config = (more: Partial<NetworkEngineConfig> = {}): NetworkEngineConfig => ({
  id: '01900000-0000-7000-8000-00000000000a',
  kind: 'tts',
  name: 'Speech here',
  baseUrl: server.baseUrl,
  model: 'tts-1',
  voices: ['nova'],
  secretId: null,
  createdAt: '2026-12-07T00:00:00.000Z',
  updatedAt: '2026-12-07T00:00:00.000Z',
  ...more,
});

describe('network voice engines', () => {
  it('become engines of the registry at run time, replacing the previous ones and keeping the rest', async () => {
    const registry = createVoiceEngines({
      localOnly: false,
      engines: [createEnergyVad(), createEspeakTts()],
    });
    try {
      const tts = createNetworkEngine(config(), { fetch });
      const stt = createNetworkEngine(config({ id: 'stt-1', kind: 'stt', voices: [] }), { fetch });
      await registry.replaceNetwork([tts, stt]);
      const listed = await registry.list();
      expect(listed.map((e) => e.id).sort()).toEqual([
        '01900000-0000-7000-8000-00000000000a',
        'energy',
        'espeak-ng',
        'stt-1',
      ]);
      expect(listed.find((e) => e.id === tts.id)).toMatchObject({
        family: 'network',
        label: 'Speech here',
        ready: true,
      });
      expect(registry.tts(tts.id)).toBe(tts);
      expect(registry.stt().id).toBe('stt-1'); // the only STT engine here

      await registry.replaceNetwork([]);
      expect((await registry.list()).map((e) => e.id).sort()).toEqual(['energy', 'espeak-ng']);
      expect(() => registry.tts(tts.id)).toThrow(expect.objectContaining({ code: 'engine_not_found' }));
    } finally {
      await registry.close();
    }
  });

  it('in local-only mode: a remote engine is listed, refused, and never probed', async () => {
    const registry = createVoiceEngines({ localOnly: true, engines: [createEnergyVad()] });
    let probes = 0;
    const remote: TtsEngine = {
      ...(createNetworkEngine(config({ baseUrl: 'https://speech.example.org/v1' }), { fetch }) as TtsEngine),
      readiness: async () => {
        probes++;
        return { ready: true };
      },
    };
    try {
      await registry.replaceNetwork([remote]);
      await registry.refresh();
      expect(remote.remote).toBe(true);
      expect((await registry.list()).find((e) => e.id === remote.id)).toMatchObject({
        ready: false,
        code: 'local_only',
      });
      expect(() => registry.tts(remote.id)).toThrow(expect.objectContaining({ code: 'local_only' }));
      expect(probes).toBe(0);
    } finally {
      await registry.close();
    }
  });

  it('go through the guarded client: a loopback endpoint is refused before any request unless allowed', async () => {
    server.requests.length = 0;
    const strict = createOutboundClient();
    const open = createOutboundClient({ allow: ['127.0.0.1'] });
    try {
      for (const kind of ['stt', 'tts'] as const) {
        const engine = createNetworkEngine(config({ kind, voices: kind === 'tts' ? ['nova'] : [] }), {
          fetch: strict.fetch('untrusted'),
        });
        expect(await testNetworkEngine(engine)).toMatchObject({
          ready: false,
          code: 'outbound_address_blocked',
        });
        expect(await engine.readiness()).toMatchObject({ ready: false, code: 'engine_unreachable' });
      }
      expect(server.requests).toEqual([]);
      const allowed = createNetworkEngine(config(), { fetch: open.fetch('untrusted'), apiKey: 'sk-x' });
      expect(await testNetworkEngine(allowed)).toMatchObject({ ready: true });
      expect(server.requests.at(-1)).toMatchObject({ path: '/v1/audio/speech' });
      expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer sk-x');
    } finally {
      await strict.close();
      await open.close();
    }
  });

  it('report a failing or silent service with our own code and words', async () => {
    const engine = createNetworkEngine(config(), { fetch });
    server.script({ kind: 'http-error', status: 401, message: 'INTERNAL detail' });
    const refused = await testNetworkEngine(engine);
    expect(refused).toMatchObject({ ready: false, code: 'tts_engine_failed' });
    expect(refused.detail).not.toContain('INTERNAL');
    server.script({ kind: 'hang' });
    const stt = createNetworkEngine(config({ kind: 'stt', voices: [] }), { fetch });
    expect(await testNetworkEngine(stt, AbortSignal.timeout(200))).toMatchObject({
      ready: false,
      code: 'stt_timeout',
    });
  });
});
