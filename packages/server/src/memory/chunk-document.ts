import { KNOWLEDGE_LIMITS } from '../domain/memory.js';
import { stripUnstorableText } from '../unstorable-text.js';

/** Text of one page of a document (a PDF page), or of a whole document without pages (`page` null). */
export interface DocumentSection {
  /** 1-based page number; null for formats without pages (DOCX, Markdown, text, HTML). */
  page: number | null;
  text: string;
}

/** A piece of a document's text as it is stored and recalled (knowledge_chunks). */
export interface DocumentChunk {
  /** 0-based position in the document. */
  ord: number;
  /** The page its first character is on; null when the document has no pages. */
  page: number | null;
  content: string;
}

export interface ChunkSizes {
  /** Target length of a chunk in characters: a chunk is never longer. */
  chunkChars: number;
  /** Characters a chunk repeats from the end of the one before, so a fact cut in two is whole in one. */
  overlapChars: number;
}

const DEFAULT_SIZES: ChunkSizes = {
  chunkChars: KNOWLEDGE_LIMITS.chunkChars,
  overlapChars: KNOWLEDGE_LIMITS.chunkOverlapChars,
};

/** Where pages meet in the joined text: a paragraph break, so no chunk glues two pages' words. */
const PAGE_JOIN = '\n\n';

/**
 * Cuts a document's text into chunks of at most `chunkChars` characters that overlap by about
 * `overlapChars`, ending each at the best boundary in its second half: a paragraph, else a
 * sentence, else a line, else a space; a text without any (one 2 MB word) is cut by length, never
 * inside a surrogate pair. Pages are joined first, so a chunk may run across a page break; it
 * keeps the page its first character is on, which is what a citation points at. Blank pages,
 * U+0000 and runs of spaces are dropped; text of only whitespace gives no chunks. Linear in the
 * text's length (each boundary search looks at one chunk's worth of text).
 *
 * @example chunkDocument([{ page: 1, text: 'First page.' }, { page: 2, text: 'Second.' }])
 * // [{ ord: 0, page: 1, content: 'First page.\n\nSecond.' }]
 */
export function chunkDocument(
  sections: readonly DocumentSection[],
  sizes: ChunkSizes = DEFAULT_SIZES,
): DocumentChunk[] {
  const { chunkChars } = sizes;
  if (!(chunkChars >= 8)) throw new RangeError('chunkChars must be at least 8');
  const overlapChars = Math.max(0, Math.min(sizes.overlapChars, Math.floor(chunkChars / 2)));

  // The pages as one text, and where each page starts in it.
  const parts: string[] = [];
  const starts: { offset: number; page: number | null }[] = [];
  let length = 0;
  for (const section of sections) {
    const text = normalize(section.text);
    if (text === '') continue;
    if (parts.length > 0) {
      parts.push(PAGE_JOIN);
      length += PAGE_JOIN.length;
    }
    starts.push({ offset: length, page: section.page });
    parts.push(text);
    length += text.length;
  }
  const text = parts.join('');
  const chunks: DocumentChunk[] = [];
  let start = 0;
  while (start < text.length) {
    const end = text.length - start <= chunkChars ? text.length : breakBefore(text, start, chunkChars);
    const raw = text.slice(start, end);
    const content = raw.trim();
    if (content !== '') {
      const first = start + (raw.length - raw.trimStart().length);
      chunks.push({ ord: chunks.length, page: pageAt(starts, first), content });
    }
    if (end >= text.length) break;
    start = nextStart(text, start, end, overlapChars);
  }
  return chunks;
}

/** U+0000 and lone surrogates out, line ends as `\n`, spaces and blank lines collapsed, trimmed. */
function normalize(raw: string): string {
  return stripUnstorableText(raw)
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// Ellipsis, CJK full stop, fullwidth ! and ?, closing curly quotes: written as escapes so the
// bundle stays one-byte text (scripts/bundle-server.mjs explains why).
const SENTENCE_END = /[.!?\u2026\u3002\uff01\uff1f][)"'\u201d\u2019\]]*\s/g;
/** The end of a sentence or a line, after which the next one starts. */
const SENTENCE_START = /[.!?\u2026\u3002\uff01\uff1f][)"'\u201d\u2019\]]*\s+|\n+/;

/** The end of a chunk starting at `start`: the best boundary between half and all of `chunkChars`. */
function breakBefore(text: string, start: number, chunkChars: number): number {
  const limit = start + chunkChars;
  const from = start + Math.floor(chunkChars / 2);
  const window = text.slice(from, limit);
  const paragraph = window.lastIndexOf('\n\n');
  if (paragraph >= 0) return from + paragraph + 2;
  let sentence = -1;
  for (const match of window.matchAll(SENTENCE_END)) sentence = match.index + match[0].length;
  if (sentence > 0) return from + sentence;
  const line = window.lastIndexOf('\n');
  if (line >= 0) return from + line + 1;
  const space = window.lastIndexOf(' ');
  if (space >= 0) return from + space + 1;
  return avoidSplitPair(text, limit);
}

/**
 * Where the next chunk starts: `overlapChars` back from `end`, moved on to the first sentence or
 * line that starts in the overlap, else to the first word's start (a chunk opening with half a
 * sentence, or half a word, reads worse to the model and to the person shown the citation).
 */
function nextStart(text: string, start: number, end: number, overlapChars: number): number {
  let next = Math.max(end - overlapChars, start + 1);
  if (next < end && next > 0 && text[next - 1] !== '\n') {
    const overlap = text.slice(next, end);
    const sentence = SENTENCE_START.exec(overlap);
    const space = overlap.search(/\s/);
    if (sentence && sentence.index + sentence[0].length < overlap.length)
      next += sentence.index + sentence[0].length;
    else if (space >= 0 && !/\s/.test(text[next - 1]!)) next += space + 1;
  }
  const at = avoidSplitPair(text, Math.min(next, end));
  return at > start ? at : Math.min(start + 2, end); // always forward, even between a pair's halves
}

/** `at`, or one before when `at` would fall between the two halves of a surrogate pair. */
function avoidSplitPair(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff && at > 0 ? at - 1 : at;
}

/** The page the character at `offset` is on (the last page starting at or before it). */
function pageAt(starts: readonly { offset: number; page: number | null }[], offset: number): number | null {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]!.offset <= offset) low = mid;
    else high = mid - 1;
  }
  return starts[low]?.page ?? null;
}
