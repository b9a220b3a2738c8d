import { describe, expect, it } from 'vitest';
import { createEspeakTts, espeakProsody, parseEspeakVoices } from './espeak-tts.js';
import { synthesizeWithProcess } from './subprocess-tts.js';
import { describeTtsConformance } from './tts-conformance.js';

describeTtsConformance('espeak-ng', () => createEspeakTts());

describe('espeak-ng', () => {
  it('maps the 0.25–4 multipliers onto its speed and pitch ranges', () => {
    expect(espeakProsody(1, 1)).toEqual({ wpm: 175, pitch: 50 });
    expect(espeakProsody(0.25, 0.25)).toEqual({ wpm: 80, pitch: 0 });
    expect(espeakProsody(4, 4)).toEqual({ wpm: 450, pitch: 99 });
    expect(espeakProsody(2, 2).pitch).toBe(75);
  });

  it('lists its own voices, gendered, without MBROLA ones', async () => {
    const voices = await createEspeakTts().voices();
    expect(voices.find((v) => v.id === 'en-us')).toMatchObject({ language: 'en-us', gender: 'male' });
    expect(voices.length).toBeGreaterThan(50);
    const parsed = parseEspeakVoices(
      'Pty Language Age/Gender VoiceName File Other\n 5  en-us --/F us-mbrola-1 mb/mb-us1 (en 8)\n 5  de --/F German gmw/de\n',
    );
    expect(parsed).toEqual([{ id: 'de', label: 'German', language: 'de', gender: 'female' }]);
  });

  it('refuses a voice it does not list with voice_not_found', async () => {
    const run = async () => {
      for await (const _ of createEspeakTts().synthesize('hi', { voice: 'xx-nowhere', rate: 1, pitch: 1 })) {
        // nothing
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'voice_not_found' });
  });

  it('streams: the first audio arrives long before a long text is synthesized', async () => {
    const text = 'This sentence is repeated to make a long text for the streaming check. '.repeat(8);
    const started = performance.now();
    let first = 0;
    let chunks = 0;
    for await (const _chunk of createEspeakTts().synthesize(text, { voice: null, rate: 1, pitch: 1 })) {
      if (!first) first = performance.now() - started;
      chunks++;
    }
    const total = performance.now() - started;
    console.warn(
      `espeak-ng: first audio ${first.toFixed(0)} ms, whole ${total.toFixed(0)} ms, ${chunks} chunks`,
    );
    expect(chunks).toBeGreaterThan(10);
    expect(first).toBeLessThan(total);
  });

  it('reports a missing binary as not installed, with the apt package to install', async () => {
    const engine = createEspeakTts({ command: '/nonexistent/espeak-ng' });
    expect(await engine.readiness()).toEqual({
      ready: false,
      code: 'engine_not_installed',
      detail: '/nonexistent/espeak-ng is not installed: apt-get install espeak-ng',
    });
    const run = async () => {
      for await (const _ of engine.synthesize('hi', { voice: null, rate: 1, pitch: 1 })) {
        // nothing
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'engine_not_installed' });
  });

  it('yields what a dying synthesizer wrote, then fails with tts_engine_failed', async () => {
    // A real process that writes a WAV header and 0.1 s of audio, then dies.
    const script =
      "printf 'RIFF\\377\\377\\377\\177WAVEfmt \\020\\000\\000\\000\\001\\000\\001\\000\\200\\076\\000\\000\\000\\175\\000\\000\\002\\000\\020\\000data\\377\\377\\377\\177'; head -c 3200 /dev/zero; kill -9 $$";
    const got: number[] = [];
    const run = async () => {
      for await (const chunk of synthesizeWithProcess({ command: '/bin/sh', args: ['-c', script] })) {
        got.push(chunk.samples.length);
        expect(chunk.sampleRate).toBe(16000);
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'tts_engine_failed' });
    expect(got.reduce((a, b) => a + b, 0)).toBe(1600);
  });

  it('fails a synthesizer that hangs with tts_timeout, and kills it', async () => {
    const run = async () => {
      for await (const _ of synthesizeWithProcess({ command: '/bin/sleep', args: ['30'], timeoutMs: 300 })) {
        // nothing
      }
    };
    const started = performance.now();
    await expect(run()).rejects.toMatchObject({ code: 'tts_timeout' });
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
