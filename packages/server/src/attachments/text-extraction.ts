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
  const answer = await extractInWorker(
    { kind, bytes, maxChars: ATTACHMENT_LIMITS.maxTextChars, maxPdfPages: ATTACHMENT_LIMITS.maxPdfPages },
    bounds,
  );
  const stored = storableText(answer.text);
  return { text: stored.text, truncated: stored.truncated || answer.truncated };
}

/** A document's text by page (one section without a page number for formats without pages). */
export interface ExtractedPages {
  /** A PDF's pages in order, numbered from 1 (blank ones included); else one section, page null. */
  pages: { page: number | null; text: string }[];
  /** Cut at `maxChars` (all pages together), or PDF pages past `maxPdfPages` left out. */
  truncated: boolean;
  /** The PDF's page count (all of them, read or not); null for other formats. */
  pageCount: number | null;
}

/**
 * Like `extractDocumentText`, bounded the same way and sharing its turns, but keeping a PDF's
 * pages apart (so knowledge chunks can cite their page), taking HTML too (the text a reader sees:
 * scripts and styles dropped) and a caller's own character limit. Each page is made storable.
 *
 * @example const { pages } = await extractDocumentPages('pdf', bytes, { maxChars: 2_000_000 });
 */
export async function extractDocumentPages(
  kind: 'pdf' | 'docx' | 'html',
  bytes: Buffer,
  options: { maxChars: number; maxPdfPages?: number; bounds?: ExtractionBounds },
): Promise<ExtractedPages> {
  const answer = await extractInWorker(
    {
      kind,
      bytes,
      maxChars: options.maxChars,
      maxPdfPages: options.maxPdfPages ?? ATTACHMENT_LIMITS.maxPdfPages,
      byPage: kind === 'pdf',
    },
    options.bounds ?? EXTRACTION_BOUNDS,
  );
  let truncated = answer.truncated;
  let room = options.maxChars;
  const pages: ExtractedPages['pages'] = [];
  for (const [index, raw] of (answer.pageTexts ?? [answer.text]).entries()) {
    const stored = storableText(raw, Math.max(0, room));
    room -= stored.text.length;
    truncated ||= stored.truncated;
    pages.push({ page: answer.pageTexts ? index + 1 : null, text: stored.text });
  }
  return { pages, truncated, pageCount: kind === 'pdf' ? (answer.pages ?? pages.length) : null };
}

/** One extraction in a worker thread of its own, when a turn is free (see `extractDocumentText`). */
async function extractInWorker(
  request: Omit<ExtractionRequest, 'bytes' | 'docx'> & { bytes: Buffer },
  bounds: ExtractionBounds,
): Promise<Extract<ExtractionAnswer, { ok: true }>> {
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
    const answer = await runWorker(entry, request, bounds);
    if (!answer.ok) throw new DocumentUnreadable(answer.reason, answer.message);
    return answer;
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
  asked: Omit<ExtractionRequest, 'bytes' | 'docx'> & { bytes: Buffer },
  bounds: ExtractionBounds,
): Promise<ExtractionAnswer> {
  const copy = new Uint8Array(asked.bytes); // its own buffer, moved to the thread without a second copy
  const request: ExtractionRequest = { ...asked, bytes: copy, docx: DOCX_ARCHIVE_LIMITS };
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
