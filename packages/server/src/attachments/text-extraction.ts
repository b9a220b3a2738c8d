import { Worker } from 'node:worker_threads';
import { ATTACHMENT_LIMITS } from '../domain/attachment.js';
import { serviceUnavailable } from '../errors.js';
import { workerScriptUrl } from '../worker-script.js';
import { type ExtractedText, storableText } from './attachment-text.js';
import {
  DOCX_ARCHIVE_LIMITS,
  type ExtractionAnswer,
  type ExtractionRequest,
  type UnreadableReason,
} from './extraction-protocol.js';

/** Set by scripts/bundle-server.mjs: the worker's own entry, relative to this module's tsc output. */
declare const LUMINA_BUNDLED_EXTRACTION_WORKER: string | undefined;

/** How far one extraction may go before its thread is stopped. */
export interface ExtractionBounds {
  /** Wall-clock time, from starting the thread to its answer. */
  timeoutMs: number;
  /** The thread's V8 heap (old generation); past it the thread dies, not the server. */
  maxHeapMb: number;
}

export const EXTRACTION_BOUNDS: ExtractionBounds = {
  timeoutMs: ATTACHMENT_LIMITS.extractionTimeoutMs,
  maxHeapMb: ATTACHMENT_LIMITS.extractionHeapMb,
};

/** A document that gives no text for a reason the person can act on (→ 422 attachment_unreadable). */
export class DocumentUnreadable extends Error {
  constructor(
    readonly reason: UnreadableReason,
    message: string,
  ) {
    super(message);
  }
}

/** Extractions running at once in this process; more wait their turn (each is a thread and a heap). */
export const CONCURRENT_EXTRACTIONS = 2;
/** Uploads waiting for a turn (each holds its file in memory); past this, 503 `service_busy`. */
export const MAX_WAITING_EXTRACTIONS = 8;
let running = 0;
const waiting: (() => void)[] = [];

/**
 * The text of a PDF or DOCX, read in a worker thread of its own with a heap limit and a time cap,
 * then made storable (no U+0000) and cut at `maxTextChars` (`truncated` says so). A password,
 * damage, a zip bomb, the time cap or the heap limit throw DocumentUnreadable; a document without
 * text answers an empty string. Two run at once per process, eight more may wait; beyond that the
 * upload is refused with 503 `service_busy` rather than held in memory.
 *
 * @example const { text, truncated } = await extractDocumentText('pdf', bytes);
 */
export async function extractDocumentText(
  kind: 'pdf' | 'docx',
  bytes: Buffer,
  bounds: ExtractionBounds = EXTRACTION_BOUNDS,
): Promise<ExtractedText> {
  const entry = await workerScriptUrl(import.meta.url, './extraction-worker', bundledWorker());
  if (running >= CONCURRENT_EXTRACTIONS) {
    if (waiting.length >= MAX_WAITING_EXTRACTIONS) {
      throw serviceUnavailable(
        'service_busy',
        'The server is reading other documents right now; try again in a moment',
      );
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running++;
  try {
    const answer = await runWorker(entry, kind, bytes, bounds);
    if (!answer.ok) throw new DocumentUnreadable(answer.reason, answer.message);
    const stored = storableText(answer.text);
    return { text: stored.text, truncated: stored.truncated || answer.truncated };
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

const bundledWorker = () =>
  typeof LUMINA_BUNDLED_EXTRACTION_WORKER === 'string' ? LUMINA_BUNDLED_EXTRACTION_WORKER : undefined;

function runWorker(
  entry: URL,
  kind: 'pdf' | 'docx',
  bytes: Buffer,
  bounds: ExtractionBounds,
): Promise<ExtractionAnswer> {
  const copy = new Uint8Array(bytes); // its own buffer, moved to the thread without a second copy
  const request: ExtractionRequest = {
    kind,
    bytes: copy,
    maxChars: ATTACHMENT_LIMITS.maxTextChars,
    maxPdfPages: ATTACHMENT_LIMITS.maxPdfPages,
    docx: DOCX_ARCHIVE_LIMITS,
  };
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, {
      workerData: request,
      transferList: [copy.buffer],
      resourceLimits: {
        maxOldGenerationSizeMb: bounds.maxHeapMb,
        maxYoungGenerationSizeMb: Math.min(16, Math.max(1, Math.floor(bounds.maxHeapMb / 8))),
        stackSizeMb: 4,
      },
      // The parsers' console output is theirs, not the server's log.
      stdout: true,
      stderr: true,
      env: {},
      execArgv: [],
    });
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      void worker.terminate();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new DocumentUnreadable(
              'timeout',
              `Reading the document took longer than ${bounds.timeoutMs / 1000} s; it was stopped`,
            ),
          ),
        ),
      bounds.timeoutMs,
    );
    worker.once('message', (answer: ExtractionAnswer) => finish(() => resolve(answer)));
    worker.once('error', (err: Error & { code?: string }) =>
      finish(() =>
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new DocumentUnreadable(
                'too_complex',
                'The document needs more memory to read than Lumina allows for one file',
              )
            : err,
        ),
      ),
    );
    worker.once('exit', (code) =>
      finish(() => reject(new Error(`the extraction worker exited with code ${code} before answering`))),
    );
  });
}
