import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVoiceModels, VOICE_MODEL_CATALOG, type VoiceModelEntry } from './sherpa-models.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('sherpa-onnx voice models', () => {
  // Stand-ins for a model's files (no real weights can be downloaded here): served by a local
  // file server at their catalog names, checked by size and SHA-256 like the real ones.
  const files = {
    'encoder.onnx': Buffer.alloc(300_000, 7),
    'decoder.onnx': Buffer.from('decoder weights'),
    'tokens.txt': Buffer.from('<blk> 0\na 1\n'),
  };
  let server: http.Server;
  let origin: string;
  let dataDir: string;
  let requests: string[] = [];
  /** A file the server sends with its last byte changed. */
  let corrupt: string | null = null;

  const entry = (): VoiceModelEntry => ({
    id: 'test-model',
    kind: 'stt',
    engine: 'sherpa-zipformer',
    label: 'Test model',
    license: 'MIT',
    homepage: origin,
    files: Object.entries(files).map(([name, bytes]) => ({
      name,
      url: `${origin}/${name}`,
      sizeBytes: bytes.length,
      sha256: sha256(bytes),
    })),
  });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const name = decodeURIComponent(req.url!.slice(1)) as keyof typeof files;
      requests.push(name);
      const bytes = files[name];
      if (!bytes) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.from(bytes);
      if (name === corrupt) body[body.length - 1] ^= 0xff;
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumina-voice-models-'));
  });
  afterAll(() => {
    server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('has catalog entries with https URLs, sizes, SHA-256 and a licence', () => {
    for (const model of VOICE_MODEL_CATALOG) {
      expect(model.license).toMatch(/\S/);
      for (const file of model.files) {
        expect(file.url).toMatch(/^https:\/\/.+\/[^/]+$/);
        expect(file.url.endsWith(`/${file.name}`)).toBe(true);
        expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(file.sizeBytes).toBeGreaterThan(0);
      }
    }
  });

  it('reports a model not downloaded as model_missing, and an unknown id as model_not_found', async () => {
    const models = createVoiceModels({ dataDir, catalog: [entry()] });
    expect(await models.status('test-model')).toMatchObject({
      installed: false,
      ready: false,
      code: 'model_missing',
      detail: expect.stringContaining('POST /api/admin/voice/models/test-model'),
    });
    await expect(models.status('nope')).rejects.toMatchObject({ code: 'model_not_found', status: 404 });
  });

  it('fails a corrupt download with checksum_mismatch and keeps nothing of it', async () => {
    const models = createVoiceModels({ dataDir, catalog: [entry()] });
    corrupt = 'decoder.onnx';
    try {
      await expect(models.download('test-model')).rejects.toMatchObject({ code: 'checksum_mismatch' });
    } finally {
      corrupt = null;
    }
    expect(fs.existsSync(path.join(models.modelDir('test-model'), 'decoder.onnx'))).toBe(false);
    expect((await models.status('test-model')).installed).toBe(false);
  });

  it('downloads every file with progress over the whole model, then reports it installed; a second run fetches nothing', async () => {
    const models = createVoiceModels({ dataDir, catalog: [entry()] });
    requests = [];
    const progress: number[] = [];
    const result = await models.download('test-model', (p) => {
      progress.push(p.receivedBytes);
      expect(p.totalBytes).toBe(300_000 + 15 + 12);
    });
    expect(result).toEqual({ id: 'test-model', sizeBytes: 300_027, files: 3 });
    expect(progress.at(-1)).toBe(300_027);
    // encoder.onnx was kept from the corrupt run above (it was right); only the rest is fetched.
    expect(requests).toEqual(['decoder.onnx', 'tokens.txt']);
    expect(await models.status('test-model')).toMatchObject({ installed: true, ready: true });
    requests = [];
    await models.download('test-model');
    expect(requests).toEqual([]);
  });

  it('reports a damaged file as model_corrupt, and a new download replaces it', async () => {
    const models = createVoiceModels({ dataDir, catalog: [entry()] });
    fs.writeFileSync(path.join(models.modelDir('test-model'), 'tokens.txt'), 'truncated');
    expect(await models.status('test-model')).toMatchObject({
      installed: false,
      code: 'model_corrupt',
      detail: expect.stringContaining('tokens.txt'),
    });
    await models.download('test-model');
    expect(await models.status('test-model')).toMatchObject({ installed: true });
  });

  it('fails a file the server does not have with model_source_not_found', async () => {
    const broken = entry();
    broken.id = 'broken-model';
    broken.files[0] = { ...broken.files[0]!, name: 'gone.onnx', url: `${origin}/gone.onnx` };
    const models = createVoiceModels({ dataDir, catalog: [broken] });
    await expect(models.download('broken-model')).rejects.toMatchObject({ code: 'model_source_not_found' });
  });
});
