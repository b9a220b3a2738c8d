import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixturePath } from '../test-support/fixtures.js';
import { type DownloadProgress, downloadModel } from './model-download.js';

// A real HTTP server on 127.0.0.1 serving a copy of a real GGUF file, with Range support and
// the failure modes a download meets: a connection cut mid-body, a server that ignores Range,
// a file that is not GGUF.

let model: Buffer;
let modelSha256: string;
let server: Server;
let base: string;
let modelsDir: string;
const rangeHeaders: (string | undefined)[] = [];
let cutNextResponse = false;
const stalled: ServerResponse[] = [];

function serveFile(req: IncomingMessage, res: ServerResponse, body: Buffer, honourRange: boolean): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = honourRange && range ? Number(range[1]) : 0;
  if (start >= body.length && start > 0) {
    res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    return;
  }
  const slice = body.subarray(start);
  const headers = { 'content-length': String(slice.length), 'accept-ranges': 'bytes' };
  if (start > 0)
    res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
  else res.writeHead(200, headers);
  if (cutNextResponse) {
    cutNextResponse = false;
    // Half the bytes, then the connection drops: what a flaky network does.
    res.write(slice.subarray(0, Math.floor(slice.length / 2)), () => res.destroy());
    return;
  }
  res.end(slice);
}

beforeAll(async () => {
  model = await readFile(fixturePath('models', 'stories260K.gguf'));
  modelSha256 = createHash('sha256').update(model).digest('hex');
  server = createServer((req, res) => {
    rangeHeaders.push(req.headers.range);
    if (req.url === '/models/stories260K.gguf') serveFile(req, res, model, true);
    else if (req.url === '/no-range/stories260K.gguf') serveFile(req, res, model, false);
    else if (req.url === '/stall/stories260K.gguf') {
      // Headers and a first chunk, then silence: a stalled mirror.
      res.writeHead(200, { 'content-length': String(model.length) });
      res.write(model.subarray(0, 4096));
      stalled.push(res);
    } else if (req.url === '/models/readme.gguf')
      serveFile(req, res, Buffer.from('# not a model\n'.repeat(100)), true);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  for (const res of stalled) res.destroy();
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  modelsDir = await mkdtemp(path.join(os.tmpdir(), 'lumina-download-'));
  rangeHeaders.length = 0;
  cutNextResponse = false;
});

afterEach(() => rm(modelsDir, { recursive: true, force: true }));

describe('downloadModel', () => {
  it('downloads, verifies the checksum and reports progress', async () => {
    const progress: DownloadProgress[] = [];
    const result = await downloadModel({
      source: `${base}/models/stories260K.gguf`,
      modelsDir,
      sha256: modelSha256.toUpperCase(),
      onProgress: (p) => progress.push(p),
    });
    expect(result).toMatchObject({
      fileName: 'stories260K.gguf',
      sizeBytes: model.length,
      sha256: modelSha256,
    });
    expect(result.resumed).toBe(false);
    expect((await readFile(result.path)).equals(model)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ receivedBytes: model.length, totalBytes: model.length });
    expect(progress.at(-1)?.bytesPerSecond).toBeGreaterThan(0);
    expect(await readdir(modelsDir)).toEqual(['stories260K.gguf']);
  });

  it('keeps the partial file when the connection is cut, and resumes it with a Range request', async () => {
    cutNextResponse = true;
    const source = `${base}/models/stories260K.gguf`;
    await expect(downloadModel({ source, modelsDir })).rejects.toMatchObject({ code: 'download_failed' });
    const partial = await readFile(path.join(modelsDir, 'stories260K.gguf.partial'));
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(model.length);

    const result = await downloadModel({ source, modelsDir, sha256: modelSha256 });
    expect(result.resumed).toBe(true);
    expect(rangeHeaders.at(-1)).toBe(`bytes=${partial.length}-`);
    expect((await readFile(result.path)).equals(model)).toBe(true);
  });

  it('starts over when the server ignores Range and answers 200', async () => {
    await writeFile(path.join(modelsDir, 'stories260K.gguf.partial'), 'stale bytes from another file');
    const result = await downloadModel({ source: `${base}/no-range/stories260K.gguf`, modelsDir });
    expect(result.resumed).toBe(false);
    expect(rangeHeaders.at(-1)).toBe('bytes=29-');
    expect((await readFile(result.path)).equals(model)).toBe(true);
  });

  it('deletes the file and fails with checksum_mismatch on a wrong SHA-256', async () => {
    const failure = downloadModel({
      source: `${base}/models/stories260K.gguf`,
      modelsDir,
      sha256: '0'.repeat(64),
    });
    await expect(failure).rejects.toMatchObject({ code: 'checksum_mismatch', status: 422 });
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('refuses a file that is not GGUF', async () => {
    const failure = downloadModel({ source: `${base}/models/readme.gguf`, modelsDir });
    await expect(failure).rejects.toMatchObject({ code: 'not_a_gguf_file' });
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('refuses a download the disk cannot hold, before writing', async () => {
    const failure = downloadModel({
      source: `${base}/models/stories260K.gguf`,
      modelsDir,
      freeBytes: async () => 1000,
    });
    await expect(failure).rejects.toMatchObject({ code: 'insufficient_storage', status: 507 });
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('refuses file names that would leave the models directory', async () => {
    for (const source of [`${base}/x/..%2F..%2Fevil.gguf`, `${base}/x/.hidden.gguf`, `${base}/x/model.bin`]) {
      await expect(downloadModel({ source, modelsDir })).rejects.toMatchObject({ code: 'invalid_request' });
    }
    expect(rangeHeaders).toEqual([]);
  });

  it('reports a missing file, an existing model and a cancelled download', async () => {
    await expect(downloadModel({ source: `${base}/models/absent.gguf`, modelsDir })).rejects.toMatchObject({
      code: 'model_source_not_found',
    });
    await writeFile(path.join(modelsDir, 'stories260K.gguf'), 'x');
    await expect(
      downloadModel({ source: `${base}/models/stories260K.gguf`, modelsDir }),
    ).rejects.toMatchObject({
      code: 'model_exists',
    });
    await rm(path.join(modelsDir, 'stories260K.gguf'));
    const cancelled = downloadModel({
      source: `${base}/models/stories260K.gguf`,
      modelsDir,
      signal: AbortSignal.abort(),
    });
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('stops on abort mid-body and keeps the partial file for a later resume', async () => {
    const source = `${base}/stall/stories260K.gguf`;
    const failure = downloadModel({ source, modelsDir, signal: AbortSignal.timeout(300) });
    await expect(failure).rejects.toMatchObject({ code: 'cancelled', details: { receivedBytes: 4096 } });
    expect(await readdir(modelsDir)).toEqual(['stories260K.gguf.partial']);
  });

  it('gives up on a stalled server after the idle timeout', async () => {
    const failure = downloadModel({
      source: `${base}/stall/stories260K.gguf`,
      modelsDir,
      idleTimeoutMs: 200,
    });
    await expect(failure).rejects.toMatchObject({ code: 'download_failed', message: /no data arrived/ });
  });
});
