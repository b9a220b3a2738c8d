/**
 * A worker thread that takes the text out of one document (PDF with pdfjs, DOCX with mammoth)
 * and exits. It runs apart from the server so that a hostile file is bounded by the thread's
 * own heap limit (`resourceLimits`) and killed at the time cap (attachments/text-extraction.ts)
 * without touching the server's memory or event loop. It imports only parsers, no server code.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { ArchiveRefused, checkDocxArchive } from './docx-archive.js';
import type { ExtractionAnswer, ExtractionRequest } from './extraction-protocol.js';

const request = workerData as ExtractionRequest;

extract(request)
  .catch((err: unknown): ExtractionAnswer => refusal(err))
  .then((answer) => parentPort!.postMessage(answer));

async function extract(req: ExtractionRequest): Promise<ExtractionAnswer> {
  if (req.kind === 'html') return htmlText(req);
  return req.kind === 'pdf' ? pdfText(req) : docxText(req);
}

/** Text collected up to `maxChars`; `full` tells the caller to stop reading. */
class Collector {
  parts: string[] = [];
  length = 0;
  truncated = false;
  constructor(readonly maxChars: number) {}
  /** Answers the part of `text` that was kept. */
  add(text: string): string {
    if (this.truncated) return '';
    const room = this.maxChars - this.length;
    let kept = text;
    if (text.length > room) {
      // One character more than allowed: the main thread cuts exactly and reports the cut.
      kept = text.slice(0, room + 1);
      this.truncated = true;
    }
    this.parts.push(kept);
    this.length += kept.length;
    return kept;
  }
  get full(): boolean {
    return this.truncated;
  }
}

interface PdfTextItem {
  str?: string;
  hasEOL?: boolean;
}

async function pdfText(req: ExtractionRequest): Promise<ExtractionAnswer> {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('pdfjs-dist/package.json'));
  const build = (file: string) => pathToFileURL(path.join(root, 'legacy/build', file)).href;
  // pdfjs runs its parser in "the worker"; in Node it uses this module when it finds it here,
  // instead of loading it by a URL of its own (this thread is the isolation we want anyway).
  (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = await import(build('pdf.worker.mjs'));
  const pdfjs = (await import(build('pdf.mjs'))) as typeof import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({
    data: req.bytes,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
    stopAtErrors: false,
    // Text of CID fonts maps to Unicode through these; read from node_modules, never fetched.
    cMapUrl: `${root}/cmaps/`,
    cMapPacked: true,
    standardFontDataUrl: `${root}/standard_fonts/`,
  }).promise;
  const text = new Collector(req.maxChars);
  const pageTexts: string[] = [];
  const pages = Math.min(doc.numPages, req.maxPdfPages);
  for (let number = 1; number <= pages && !text.full; number++) {
    const page = await doc.getPage(number);
    const content = await page.getTextContent();
    let pageText = '';
    for (const item of content.items as PdfTextItem[]) {
      if (typeof item.str !== 'string') continue;
      pageText += item.str;
      if (item.hasEOL) pageText += '\n';
    }
    if (req.byPage) pageTexts.push(text.add(pageText.trimEnd()));
    else text.add(number === 1 ? pageText.trimEnd() : `\n\n${pageText.trimEnd()}`);
    page.cleanup();
  }
  await doc.destroy();
  return {
    ok: true,
    text: req.byPage ? '' : text.parts.join(''),
    truncated: text.truncated || doc.numPages > req.maxPdfPages,
    pages: doc.numPages,
    ...(req.byPage ? { pageTexts } : {}),
  };
}

async function docxText(req: ExtractionRequest): Promise<ExtractionAnswer> {
  const bytes = Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength);
  await checkDocxArchive(bytes, req.docx);
  const mammoth = (await import('mammoth')).default;
  const result = await mammoth.extractRawText({ buffer: bytes });
  const text = new Collector(req.maxChars);
  text.add(result.value.trim());
  return { ok: true, text: text.parts.join(''), truncated: text.truncated };
}

/** Elements whose content is never text a reader sees (or is code). */
const HTML_SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'head',
  'iframe',
  'object',
  'embed',
  'svg',
  'math',
  'canvas',
  'select',
  'button',
]);
/** Elements that stand on lines of their own: their text is not run into their neighbours'. */
const HTML_BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'dd',
  'details',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tr',
  'ul',
  'caption',
]);

interface HtmlNode {
  nodeName: string;
  value?: string;
  childNodes?: HtmlNode[];
  content?: HtmlNode;
}

/**
 * The text a reader of the page sees: parsed by parse5 as a browser would (entities decoded,
 * broken markup repaired), scripts, styles and other non-text elements dropped, blocks on lines of
 * their own, table cells apart, runs of spaces collapsed except in `<pre>`. Nothing is run or
 * fetched: parse5 only builds a tree. Walked without recursion, so nesting depth cannot overflow.
 */
async function htmlText(req: ExtractionRequest): Promise<ExtractionAnswer> {
  const { parse } = await import('parse5');
  const source = new TextDecoder('utf-8').decode(req.bytes);
  const document = parse(source) as unknown as HtmlNode;
  const text = new Collector(req.maxChars);
  let line = '';
  const flush = (breaks: string) => {
    const kept = line.replace(/[^\S\n]+/g, ' ').trim();
    line = '';
    if (kept !== '') text.add(`${kept}${breaks}`);
  };
  type Step = { node: HtmlNode; pre: boolean } | { close: string };
  const stack: Step[] = [{ node: document, pre: false }];
  while (stack.length > 0 && !text.full) {
    const step = stack.pop()!;
    if ('close' in step) {
      flush(step.close);
      continue;
    }
    const { node, pre } = step;
    const name = node.nodeName;
    if (name === '#text') {
      line += pre ? (node.value ?? '') : (node.value ?? '').replace(/\s+/g, ' ');
      continue;
    }
    if (name.startsWith('#') && name !== '#document' && name !== '#document-fragment') continue; // comments, doctype
    if (HTML_SKIPPED.has(name)) continue;
    if (name === 'br') {
      line += '\n';
      continue;
    }
    if (name === 'td' || name === 'th') line += ' \t ';
    const block = HTML_BLOCKS.has(name);
    if (block) {
      flush(name === 'li' || name === 'tr' || name === 'dt' || name === 'dd' ? '\n' : '\n\n');
      if (name === 'li') line += '- ';
      stack.push({ close: name === 'li' || name === 'tr' ? '\n' : '\n\n' });
    }
    const children = node.content?.childNodes ?? node.childNodes ?? [];
    for (let i = children.length - 1; i >= 0; i--)
      stack.push({ node: children[i]!, pre: pre || name === 'pre' });
  }
  flush('');
  return { ok: true, text: text.parts.join('').trim(), truncated: text.truncated };
}

/** A parser's failure in words a person can act on. */
function refusal(err: unknown): ExtractionAnswer {
  const name = (err as { name?: string }).name;
  if (err instanceof ArchiveRefused) {
    return {
      ok: false,
      reason: err.reason,
      message:
        err.reason === 'archive_bomb'
          ? `The Word document was refused: ${err.message}`
          : `The Word document is damaged: ${err.message}`,
    };
  }
  if (name === 'PasswordException') {
    return {
      ok: false,
      reason: 'encrypted',
      message: 'The PDF is protected by a password; remove the protection and attach it again',
    };
  }
  if (request.kind === 'pdf') {
    return { ok: false, reason: 'corrupt', message: 'The PDF is damaged and its text could not be read' };
  }
  if (request.kind === 'html') {
    return { ok: false, reason: 'corrupt', message: 'The HTML file could not be read' };
  }
  const detail = err instanceof Error ? err.message.slice(0, 200) : String(err);
  return { ok: false, reason: 'corrupt', message: `The Word document could not be read (${detail})` };
}
