import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../test-support/fixtures.js';
import { createVoiceEngines } from './registry.js';
import { createSherpaVad } from './sherpa-vad.js';
import { frames, speech } from './test-speech.js';
import { describeVadConformance } from './vad-conformance.js';

const model = fixturePath('voice', 'silero_vad.onnx');

describeVadConformance('Silero (sherpa-onnx)', () => createSherpaVad({ model }));

describe('Silero VAD through sherpa-onnx', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-silero-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes well under a millisecond per 32 ms frame', async () => {
    const detector = await createSherpaVad({ model }).open();
    const audio = frames(await speech('Hello, can you tell me what the weather is like today?'), 512);
    for (const frame of audio.slice(0, 10)) detector.process(frame); // warm
    const started = performance.now();
    for (const frame of audio) detector.process(frame);
    const perFrame = (performance.now() - started) / audio.length;
    console.warn(`Silero VAD (sherpa-onnx): ${perFrame.toFixed(3)} ms per 512-sample frame`);
    expect(perFrame).toBeLessThan(5);
    detector.close();
  });

  it('reports a missing model as model_missing and a broken one as model_corrupt, without crashing the server', async () => {
    expect(await createSherpaVad({ model: path.join(dir, 'absent.onnx') }).readiness()).toMatchObject({
      ready: false,
      code: 'model_missing',
    });
    // Random bytes of a plausible size: ONNX cannot parse them, which would abort an in-process load.
    const broken = path.join(dir, 'broken.onnx');
    fs.writeFileSync(broken, Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)));
    const engine = createSherpaVad({ model: broken });
    expect(await engine.readiness()).toMatchObject({ ready: false, code: 'model_corrupt' });
    await expect(engine.open()).rejects.toMatchObject({ code: 'model_corrupt' });
    const tiny = path.join(dir, 'tiny.onnx');
    fs.writeFileSync(tiny, 'not a model');
    expect(await createSherpaVad({ model: tiny }).readiness()).toMatchObject({ code: 'model_corrupt' });
  });

  it('is the default VAD when its model is installed, else the energy VAD', async () => {
    const withModel = createVoiceEngines({ localOnly: true, sileroVadModel: model });
    await withModel.list();
    expect(withModel.defaults().vad).toBe('sherpa-silero');
    await withModel.close();
    const without = createVoiceEngines({ localOnly: true, sileroVadModel: path.join(dir, 'absent.onnx') });
    const list = await without.list();
    expect(list.find((e) => e.id === 'sherpa-silero')).toMatchObject({ ready: false, code: 'model_missing' });
    expect(without.defaults().vad).toBe('energy');
    await without.close();
  });
});
