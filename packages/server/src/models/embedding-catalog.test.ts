import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOutboundClient } from '../net/outbound-client.js';
import { DOWNLOAD_LIMITS } from '../net/outbound-limits.js';
import { createLocalModelService } from '../services/local-model.service.js';
import { fixturePath } from '../test-support/fixtures.js';
import {
  type CatalogEmbeddingModel,
  catalogDownload,
  catalogEmbeddingModel,
  DEFAULT_EMBEDDING_MODEL,
  EMBEDDING_CATALOG,
} from './embedding-catalog.js';
import type { DownloadProgress } from './model-download.js';
import { resolveModelSource } from './model-source.js';

// The on-demand download of a catalog embedding model, as the admin route runs it: the local
// model service, the guarded outbound client (trusted, the admin's) and a real HTTP server on
// 127.0.0.1 that serves a small real GGUF slowly, in pieces, with Range support, and can cut
// the connection half way. The real catalog URL is not fetched: this machine has no network.

let bytes: Buffer;
let sha256: string;
let server: Server;
let base: string;
let modelsDir: string;
let cutNext = false;
const ranges: (string | undefined)[] = [];

/** Sends the body in 8 pieces 60 ms apart (so progress is reported along the way). */
function serveSlowly(req: IncomingMessage, res: ServerResponse): void {
  ranges.push(req.headers.range);
  const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = match ? Number(match[1]) : 0;
  const slice = bytes.subarray(start);
  const headers = { 'content-length': String(slice.length), 'accept-ranges': 'bytes' };
  if (start > 0)
    res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
  else res.writeHead(200, headers);
  const cut = cutNext;
  cutNext = false;
  const piece = Math.ceil(slice.length / 8);
  let sent = 0;
  const next = () => {
    if (cut && sent >= slice.length / 2) {
      res.destroy();
      return;
    }
    if (sent >= slice.length) {
      res.end();
      return;
    }
    res.write(slice.subarray(sent, sent + piece));
    sent += piece;
    setTimeout(next, 60);
  };
  next();
}

const entry = (overrides: Partial<CatalogEmbeddingModel> = {}): CatalogEmbeddingModel => ({
  ...DEFAULT_EMBEDDING_MODEL,
  key: 'test-embed',
  fileName: 'test-embed.gguf',
  url: `${base}/pinned/test-embed.gguf`,
  sizeBytes: bytes.length,
  sha256,
  ...overrides,
});

function service() {
  const changes: number[] = [];
  const local = createLocalModelService({
    modelsDir,
    fetch: createOutboundClient().fetch('trusted', DOWNLOAD_LIMITS),
    onChange: () => changes.push(Date.now()),
  });
  return { local, changes };
}

beforeAll(async () => {
  bytes = await readFile(fixturePath('models', 'stories260K.gguf'));
  sha256 = createHash('sha256').update(bytes).digest('hex');
  server = createServer((req, res) => {
    if (req.url === '/pinned/test-embed.gguf' || req.url === '/pinned/other-embed.gguf')
      serveSlowly(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(async () => {
  if (modelsDir) await rm(modelsDir, { recursive: true, force: true });
  modelsDir = await mkdtemp(path.join(os.tmpdir(), 'lumina-embed-catalog-'));
  ranges.length = 0;
  cutNext = false;
});

describe('the embedding model catalog', () => {
  it('names one pinned, checksummed https GGUF whose URL gives its file name', () => {
    expect(EMBEDDING_CATALOG).toContain(DEFAULT_EMBEDDING_MODEL);
    expect(catalogEmbeddingModel(DEFAULT_EMBEDDING_MODEL.key)).toBe(DEFAULT_EMBEDDING_MODEL);
    expect(catalogEmbeddingModel('nope')).toBeUndefined();
    const { url, fileName } = resolveModelSource(DEFAULT_EMBEDDING_MODEL.url);
    expect(url.protocol).toBe('https:');
    expect(fileName).toBe(DEFAULT_EMBEDDING_MODEL.fileName);
    // resolve/<40-hex commit>/: the bytes behind the URL cannot change under the checksum.
    expect(url.pathname).toMatch(/\/resolve\/[0-9a-f]{40}\//);
    expect(DEFAULT_EMBEDDING_MODEL.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(catalogDownload(DEFAULT_EMBEDDING_MODEL)).toEqual({
      source: DEFAULT_EMBEDDING_MODEL.url,
      sha256: DEFAULT_EMBEDDING_MODEL.sha256,
    });
  });

  it('downloads an entry with progress and verifies its checksum', async () => {
    const { local, changes } = service();
    const progress: DownloadProgress[] = [];
    const model = await local.download(catalogDownload(entry()), (p) => progress.push(p));
    expect(model).toMatchObject({
      fileName: 'test-embed.gguf',
      sizeBytes: bytes.length,
      sha256,
      resumed: false,
    });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.every((p) => p.totalBytes === bytes.length)).toBe(true);
    const received = progress.map((p) => p.receivedBytes);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(received.at(-1)).toBe(bytes.length);
    expect(received[0]).toBeLessThan(bytes.length);
    expect(
      createHash('sha256')
        .update(await readFile(path.join(modelsDir, 'test-embed.gguf')))
        .digest('hex'),
    ).toBe(sha256);
    expect(changes).toHaveLength(1);
    expect((await local.status()).models.map((m) => m.file)).toEqual(['test-embed.gguf']);
    // Downloading it again is refused before any request: it is there.
    const asked = ranges.length;
    await expect(local.download(catalogDownload(entry()), () => {})).rejects.toMatchObject({
      code: 'model_exists',
    });
    expect(ranges).toHaveLength(asked);
  });

  it('resumes a cut download where it stopped, then checks the whole file', async () => {
    const { local } = service();
    cutNext = true;
    await expect(local.download(catalogDownload(entry()), () => {})).rejects.toMatchObject({
      code: 'download_failed',
    });
    const partial = (await readdir(modelsDir)).filter((name) => name.endsWith('.partial'));
    expect(partial).toEqual(['test-embed.gguf.partial']);

    const progress: DownloadProgress[] = [];
    const model = await local.download(catalogDownload(entry()), (p) => progress.push(p));
    expect(model).toMatchObject({ resumed: true, sha256, sizeBytes: bytes.length });
    expect(ranges.at(-1)).toMatch(/^bytes=[1-9]\d*-$/);
    expect(progress[0]!.receivedBytes).toBeGreaterThan(0);
    expect(await readdir(modelsDir)).toEqual(['test-embed.gguf']);
  });

  it('refuses a file whose checksum differs from the catalog’s, and leaves nothing behind', async () => {
    const { local, changes } = service();
    const wrong = entry({
      fileName: 'other-embed.gguf',
      url: `${base}/pinned/other-embed.gguf`,
      sha256: '0'.repeat(64),
    });
    const failure = await local.download(catalogDownload(wrong), () => {}).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      status: 422,
      code: 'checksum_mismatch',
      details: { expected: '0'.repeat(64), actual: sha256 },
    });
    expect(await readdir(modelsDir)).toEqual([]);
    expect(changes).toEqual([]);
  });
});
