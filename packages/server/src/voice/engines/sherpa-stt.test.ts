import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createVoiceEngines } from './registry.js';
import { createVoiceModels, type VoiceModelEntry } from './sherpa-models.js';
import { createSherpaStt } from './sherpa-stt.js';

// No real weights can be downloaded here: files of the catalog's sizes whose bytes are not a
// model stand in for a download that went wrong after its checks, and an empty directory for
// one that never happened.
describe('sherpa-onnx streaming zipformer', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-sherpa-stt-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const names = [
    'encoder-epoch-99-avg-1.int8.onnx',
    'decoder-epoch-99-avg-1.onnx',
    'joiner-epoch-99-avg-1.int8.onnx',
    'tokens.txt',
  ];
  const entry: VoiceModelEntry = {
    id: 'test-zipformer',
    kind: 'stt',
    engine: 'sherpa-zipformer',
    label: 'Test zipformer',
    license: 'Apache-2.0',
    homepage: 'https://example.org',
    files: names.map((name) => ({
      name,
      url: `https://example.org/${name}`,
      sizeBytes: 4096,
      sha256: '0'.repeat(64),
    })),
  };
  const models = createVoiceModels({ dataDir, catalog: [entry] });
  const engine = createSherpaStt({ models, modelId: 'test-zipformer' });

  it('is not ready while the model is not downloaded (model_missing), and open says why', async () => {
    expect(await engine.readiness()).toMatchObject({ ready: false, code: 'model_missing' });
    await expect(engine.open({})).rejects.toMatchObject({ code: 'model_missing' });
  });

  it('reports model files ONNX cannot load as model_corrupt, without taking the server down', async () => {
    fs.mkdirSync(models.modelDir('test-zipformer'), { recursive: true });
    for (const name of names) {
      fs.writeFileSync(path.join(models.modelDir('test-zipformer'), name), Buffer.alloc(4096, 3));
    }
    expect(await models.status('test-zipformer')).toMatchObject({ installed: true });
    expect(await engine.readiness()).toMatchObject({ ready: false, code: 'model_corrupt' });
    await expect(engine.open({})).rejects.toMatchObject({ code: 'model_corrupt' });
  });

  it('leaves pocketsphinx the default STT while it is not ready', async () => {
    const registry = createVoiceEngines({ localOnly: true, extra: [engine] });
    const listed = (await registry.list()).find((e) => e.id === 'sherpa-zipformer');
    expect(listed).toMatchObject({ ready: false, code: 'model_corrupt', family: 'sherpa' });
    expect(registry.defaults().stt).toBe('pocketsphinx');
    await registry.close();
  });
});
