import { describe, expect, it } from 'vitest';
import { createFliteTts, fliteProsody, fliteVisemes, parseFliteVoices } from './flite-tts.js';
import { createPocketsphinxStt } from './pocketsphinx-stt.js';
import { concatSamples, resample } from './resample.js';
import { words } from './test-speech.js';
import { describeTtsConformance } from './tts-conformance.js';

describeTtsConformance('flite', () => createFliteTts());

describe('flite', () => {
  it('lists its voices without the clock-only one', async () => {
    const voices = await createFliteTts().voices();
    expect(voices.map((v) => v.id)).toEqual(expect.arrayContaining(['kal16', 'slt']));
    expect(voices.map((v) => v.id)).not.toContain('awb_time');
    expect(parseFliteVoices('Voices available: kal awb_time slt \n')).toEqual([
      { id: 'kal', label: 'Kal (US, 8 kHz)', language: 'en', gender: 'male' },
      { id: 'slt', label: 'SLT (US)', language: 'en', gender: 'female' },
    ]);
  });

  it('maps rate to duration_stretch and pitch to the voice mean f0', () => {
    expect(fliteProsody('kal16', 2, 1)).toEqual(['--setf', 'duration_stretch=0.500']);
    expect(fliteProsody('slt', 1, 0.5)).toEqual([
      '--setf',
      'duration_stretch=1.000',
      '--setf',
      'int_f0_target_mean=80',
    ]);
  });

  it('refuses a voice it does not list (paths and URLs never reach -voice)', async () => {
    const run = async () => {
      for await (const _ of createFliteTts().synthesize('hi', { voice: '/etc/passwd', rate: 1, pitch: 1 })) {
        // nothing
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'voice_not_found' });
  });

  it('speaks what pocketsphinx then transcribes (the round trip the voice loop relies on)', async () => {
    const stt = createPocketsphinxStt();
    try {
      const parts: Int16Array[] = [];
      let rate = 16000;
      for await (const chunk of createFliteTts().synthesize('open the door please', {
        voice: 'kal16',
        rate: 1,
        pitch: 1,
      })) {
        parts.push(chunk.samples);
        rate = chunk.sampleRate;
      }
      const stream = await stt.open({});
      stream.write(resample(concatSamples(parts), rate));
      const heard = words(await stream.finish());
      expect(heard).toEqual(['open', 'the', 'door', 'please']);
    } finally {
      await stt.dispose();
    }
  });

  it('times mouth shapes from its segment durations, on the first chunk', async () => {
    expect(fliteVisemes('pau:0.220 hh:0.295 ax:0.342 l:0.426 ow:0.590 m:0.7 b:0.8 pau:0.9 ')).toEqual([
      { atMs: 0, shape: 'rest' },
      { atMs: 220, shape: 's' },
      { atMs: 295, shape: 'a' },
      { atMs: 342, shape: 'l' },
      { atMs: 426, shape: 'o' },
      { atMs: 590, shape: 'm' },
      { atMs: 800, shape: 'rest' },
    ]);
    const chunks = [];
    for await (const chunk of createFliteTts().synthesize('Hello world.', {
      voice: 'kal16',
      rate: 1,
      pitch: 1,
    })) {
      chunks.push(chunk);
    }
    const visemes = chunks[0]!.visemes!;
    expect(visemes[0]).toEqual({ atMs: 0, shape: 'rest' });
    expect(visemes.map((v) => v.shape)).toEqual(expect.arrayContaining(['o', 'u', 'l']));
    const seconds = chunks.reduce((n, c) => n + c.samples.length, 0) / 16000;
    expect(visemes.at(-1)!.atMs / 1000).toBeLessThan(seconds + 0.3);
  });

  it('reports a missing binary as not installed, with the apt package to install', async () => {
    expect(await createFliteTts({ command: '/nonexistent/flite' }).readiness()).toMatchObject({
      ready: false,
      code: 'engine_not_installed',
      detail: expect.stringContaining('apt-get install flite'),
    });
  });
});
