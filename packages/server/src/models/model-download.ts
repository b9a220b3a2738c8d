import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm, stat, statfs } from 'node:fs/promises';
import { AppError, conflict, invalidRequest } from '../errors.js';
import { GGUF_MAGIC } from './gguf-reader.js';
import { type ModelFileKind, modelFilePath } from './model-file-name.js';
import { resolveModelSource } from './model-source.js';

export interface DownloadProgress {
  /** Bytes in the partial file so far, including those of an earlier, resumed attempt. */
  receivedBytes: number;
  /** The full size when the server said it (Content-Length / Content-Range), else null. */
  totalBytes: number | null;
  /** Average over this attempt. */
  bytesPerSecond: number;
}

export interface DownloadModelOptions {
  /** `https://…/file.gguf` or `hf:owner/repo/file.gguf`. */
  source: string;
  modelsDir: string;
  /** Expected SHA-256 (hex) of the whole file; the file is deleted when it does not match. */
  sha256?: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Give up when no byte arrives for this long (the partial file is kept). Default 60 s. */
  idleTimeoutMs?: number;
  /** The guarded outbound client in the app (downloads are admin-only: trusted); tests inject theirs. */
  fetch?: typeof fetch;
  /** Free bytes on the disk holding `dir`; injected for tests. */
  freeBytes?: (dir: string) => Promise<number>;
  /**
   * `voice`: one file of a speech model (`.onnx`, `tokens.txt`; voice/engines/sherpa-models.ts),
   * which has no magic bytes to check, so its SHA-256 is required instead. Default `gguf`.
   */
  kind?: ModelFileKind;
}

export interface DownloadedModel {
  fileName: string;
  path: string;
  sizeBytes: number;
  sha256: string;
  /** True when an earlier partial download was continued with an HTTP Range request. */
  resumed: boolean;
}

const PROGRESS_INTERVAL_MS = 250;

/**
 * Downloads a GGUF model into the models directory. The bytes go to `<file>.partial`, which a
 * later call continues with an HTTP Range request (or restarts when the server answers 200);
 * the file gets its final name only after its GGUF magic bytes (and the SHA-256, when given)
 * check out. Refuses names that leave the directory and downloads the disk cannot hold.
 *
 * @example
 * const model = await downloadModel({
 *   source: 'hf:ggml-org/models/tinyllamas/stories260K.gguf',
 *   modelsDir: 'data/models',
 *   onProgress: ({ receivedBytes, totalBytes }) => console.log(receivedBytes, totalBytes),
 * });
 */
export async function downloadModel(options: DownloadModelOptions): Promise<DownloadedModel> {
  const kind = options.kind ?? 'gguf';
  const { url, fileName } = resolveModelSource(options.source, kind);
  const expectedSha256 = options.sha256?.trim().toLowerCase();
  if (kind !== 'gguf' && expectedSha256 === undefined)
    throw invalidRequest('sha256 is required for this file');
  if (expectedSha256 !== undefined && !/^[0-9a-f]{64}$/.test(expectedSha256)) {
    throw invalidRequest('sha256 must be 64 hexadecimal characters');
  }
  await mkdir(options.modelsDir, { recursive: true });
  const finalPath = modelFilePath(options.modelsDir, fileName, kind);
  if (!finalPath)
    throw invalidRequest(`"${fileName}" is not a plain ${kind === 'gguf' ? '.gguf ' : ''}file name`);
  if ((await sizeOf(finalPath)) !== null)
    throw conflict('model_exists', `${fileName} is already in the models directory`);
  const partialPath = `${finalPath}.partial`;

  const controller = new AbortController();
  const stopOnCallerAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) throw new AppError(499, 'cancelled', 'The download was cancelled');
  options.signal?.addEventListener('abort', stopOnCallerAbort, { once: true });
  const idle = idleTimer(controller, options.idleTimeoutMs ?? 60_000);
  const fetchImpl = options.fetch ?? fetch;

  try {
    let offset = (await sizeOf(partialPath)) ?? 0;
    const request = (from: number) =>
      fetchImpl(url, { signal: controller.signal, headers: from > 0 ? { Range: `bytes=${from}-` } : {} });
    let response = await request(offset);
    const partialStart = response.status === 206 ? contentRangeStart(response) : null;
    // 416: the partial is not a prefix the server recognises; a 206 from elsewhere: unusable.
    if (response.status === 416 || (response.status === 206 && partialStart !== offset)) {
      await response.body?.cancel();
      offset = 0;
      response = await request(0);
    }
    if (response.status !== 200 && response.status !== 206) throw httpError(response.status, url);
    const resumed = response.status === 206;
    if (!resumed) offset = 0;

    const totalBytes = resumed ? contentRangeTotal(response) : contentLength(response);
    if (totalBytes !== null) {
      const free = await (options.freeBytes ?? diskFreeBytes)(options.modelsDir);
      if (totalBytes - offset > free) {
        await response.body?.cancel();
        throw new AppError(
          507,
          'insufficient_storage',
          `${fileName} needs ${totalBytes - offset} bytes; the disk has ${free} free`,
          {
            neededBytes: totalBytes - offset,
            freeBytes: free,
          },
        );
      }
    }

    const received = await writeBody(
      response,
      partialPath,
      offset,
      totalBytes,
      idle.reset,
      options.onProgress,
    );
    if (totalBytes !== null && received !== totalBytes) {
      throw downloadFailed(`the server sent ${received} of ${totalBytes} bytes`, received);
    }

    const sha256 = await verifyFile(partialPath, expectedSha256, kind);
    await rename(partialPath, finalPath);
    return { fileName, path: finalPath, sizeBytes: received, sha256, resumed };
  } catch (error) {
    if (error instanceof AppError) throw error;
    const receivedBytes = (await sizeOf(partialPath)) ?? 0;
    if (options.signal?.aborted) {
      throw new AppError(499, 'cancelled', 'The download was cancelled; pull again to resume', {
        receivedBytes,
      });
    }
    if (idle.fired) throw downloadFailed('no data arrived for too long', receivedBytes);
    // Socket errors name addresses and ports; the reason stays ours.
    throw downloadFailed('the connection failed', receivedBytes);
  } finally {
    idle.clear();
    options.signal?.removeEventListener('abort', stopOnCallerAbort);
  }
}

async function writeBody(
  response: Response,
  partialPath: string,
  offset: number,
  totalBytes: number | null,
  onData: () => void,
  onProgress: DownloadModelOptions['onProgress'],
): Promise<number> {
  const handle: FileHandle = await open(partialPath, offset > 0 ? 'a' : 'w');
  const started = performance.now();
  let received = offset;
  let lastReport = 0;
  const report = () => {
    const seconds = (performance.now() - started) / 1000;
    onProgress?.({
      receivedBytes: received,
      totalBytes,
      bytesPerSecond: seconds > 0 ? (received - offset) / seconds : 0,
    });
  };
  try {
    for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
      onData();
      await handle.write(chunk);
      received += chunk.byteLength;
      if (performance.now() - lastReport >= PROGRESS_INTERVAL_MS) {
        lastReport = performance.now();
        report();
      }
    }
  } finally {
    await handle.close();
  }
  report();
  return received;
}

/** Checks the magic bytes and the checksum; deletes the partial file when either is wrong. */
async function verifyFile(
  partialPath: string,
  expectedSha256: string | undefined,
  kind: ModelFileKind,
): Promise<string> {
  const handle = await open(partialPath, 'r');
  const magic = Buffer.alloc(4);
  await handle.read(magic, 0, 4, 0).finally(() => handle.close());
  if (kind === 'gguf' && magic.toString('latin1') !== GGUF_MAGIC) {
    await rm(partialPath, { force: true });
    throw new AppError(422, 'not_a_gguf_file', 'The downloaded file is not a GGUF model');
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(partialPath)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
    await rm(partialPath, { force: true });
    throw new AppError(422, 'checksum_mismatch', 'The downloaded file does not match the expected SHA-256', {
      expected: expectedSha256,
      actual: sha256,
    });
  }
  return sha256;
}

function idleTimer(controller: AbortController, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const state = {
    fired: false,
    reset() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state.fired = true;
        controller.abort(new Error('download stalled'));
      }, timeoutMs);
    },
    clear: () => clearTimeout(timer),
  };
  state.reset();
  return state;
}

const downloadFailed = (reason: string, receivedBytes: number) =>
  new AppError(502, 'download_failed', `The download failed (${reason}); pull again to resume`, {
    receivedBytes,
  });

function httpError(status: number, url: URL): AppError {
  if (status === 404)
    return new AppError(404, 'model_source_not_found', `Nothing to download at ${url.href}`);
  if (status === 401 || status === 403) {
    return new AppError(
      502,
      'download_refused',
      `${url.host} refused the download (${status}); the model may be gated`,
    );
  }
  return new AppError(502, 'download_failed', `${url.host} answered ${status}`, { status });
}

function contentLength(response: Response): number | null {
  const value = Number(response.headers.get('content-length'));
  return Number.isSafeInteger(value) && value >= 0 && response.headers.has('content-length') ? value : null;
}

// `Content-Range: bytes 100-999/1000`; the total may be `*` when the server does not know it.
function contentRangeStart(response: Response): number | null {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : null;
}

function contentRangeTotal(response: Response): number | null {
  const match = /^bytes \d+-\d+\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : null;
}

async function diskFreeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

async function sizeOf(file: string): Promise<number | null> {
  return stat(file).then(
    (stats) => stats.size,
    () => null,
  );
}
