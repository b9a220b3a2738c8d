import { describe, expect, it } from 'vitest';
import { KNOWLEDGE_LIMITS } from '../domain/memory.js';
import { chunkDocument, type DocumentChunk } from './chunk-document.js';

const sentence = (i: number) => `Sentence number ${i} says something about topic ${i % 7}.`;
const paragraph = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => sentence(from + i)).join(' ');

/** Every chunk's text is in the source (after whitespace was collapsed), in order. */
function expectCovered(chunks: DocumentChunk[], source: string) {
  const flat = source.replace(/\s+/g, ' ');
  let from = 0;
  for (const chunk of chunks) {
    const at = flat.indexOf(
      chunk.content.replace(/\s+/g, ' '),
      Math.max(0, from - KNOWLEDGE_LIMITS.chunkChars),
    );
    expect(at, `chunk ${chunk.ord} is not in the text`).toBeGreaterThanOrEqual(0);
    from = at;
  }
}

describe('chunkDocument', () => {
  it('keeps a short text whole, with its page', () => {
    expect(chunkDocument([{ page: null, text: '  Hello\r\n  world.  ' }])).toEqual([
      { ord: 0, page: null, content: 'Hello\nworld.' },
    ]);
  });

  it('cuts at paragraphs, never past the target length, and overlaps neighbours', () => {
    const text = Array.from({ length: 12 }, (_, i) => paragraph(i * 10, 6)).join('\n\n');
    const chunks = chunkDocument([{ page: null, text }]);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.content.length).toBeLessThanOrEqual(KNOWLEDGE_LIMITS.chunkChars);
    expect(chunks.map((c) => c.ord)).toEqual(chunks.map((_, i) => i));
    // Each chunk but the last ends where a paragraph or a sentence ends.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.content).toMatch(/\.$/);
    // Neighbours share text: the start of each chunk appears at the end of the one before.
    for (let i = 1; i < chunks.length; i++) {
      const head = chunks[i]!.content.slice(0, 30);
      expect(chunks[i - 1]!.content).toContain(head);
    }
    expectCovered(chunks, text);
    // Nothing is lost: the last sentence is in the last chunk, the first in the first.
    expect(chunks[0]!.content.startsWith(sentence(0))).toBe(true);
    expect(chunks.at(-1)!.content.endsWith(sentence(115))).toBe(true);
  });

  it('cuts a paragraph-less text at sentence ends', () => {
    const text = paragraph(0, 80);
    const chunks = chunkDocument([{ page: null, text }], { chunkChars: 300, overlapChars: 40 });
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.content.length).toBeLessThanOrEqual(300);
      expect(chunk.content).toMatch(/\.$/);
      // Starts at a word, not inside one.
      expect(chunk.content).toMatch(/^\S/);
    }
    for (const chunk of chunks.slice(1))
      expect(chunk.content).toMatch(/^(?:[A-Z0-9]|number|says|something|about|topic)/);
    expectCovered(chunks, text);
  });

  it('keeps the page each chunk starts on', () => {
    const pages = [1, 2, 3].map((page) => ({
      page,
      text: `Page ${page} begins. ${paragraph(page * 100, 30)}`,
    }));
    const chunks = chunkDocument(pages);
    expect(chunks[0]!.page).toBe(1);
    expect(new Set(chunks.map((c) => c.page))).toEqual(new Set([1, 2, 3]));
    for (const chunk of chunks) {
      // A chunk that opens with a page's first words is on that page.
      const opener = /^Page (\d) begins/.exec(chunk.content);
      if (opener) expect(chunk.page).toBe(Number(opener[1]));
    }
    // Pages never go backwards.
    for (let i = 1; i < chunks.length; i++)
      expect(chunks[i]!.page!).toBeGreaterThanOrEqual(chunks[i - 1]!.page!);
    // The sentence that opens page 3 sits in a chunk starting on page 2 or 3, and the one after
    // the first chunk holding it starts on page 3.
    const firstOnThree = chunks.findIndex((c) => c.page === 3);
    expect(chunks.slice(0, firstOnThree + 1).some((c) => c.content.includes('Page 3 begins.'))).toBe(true);
  });

  it('skips blank pages and numbers pages as given', () => {
    const chunks = chunkDocument([
      { page: 1, text: '   \n\n  ' },
      { page: 2, text: 'Only the second page has words.' },
    ]);
    expect(chunks).toEqual([{ ord: 0, page: 2, content: 'Only the second page has words.' }]);
  });

  it('gives no chunks for text of only whitespace, or none at all', () => {
    expect(chunkDocument([{ page: null, text: ' \n\t\r\n   \u00a0 \n'.repeat(10_000) }])).toEqual([]);
    expect(chunkDocument([])).toEqual([]);
  });

  it('drops U+0000 and lone surrogates', () => {
    const [chunk] = chunkDocument([{ page: null, text: 'a\u0000b \ud800c\u0000' }]);
    // U+0000 goes; a lone surrogate becomes U+FFFD (PostgreSQL stores neither).
    expect(chunk!.content).toBe('ab \ufffdc');
  });

  it('cuts one 2 MB line without spaces by length, quickly, never inside a surrogate pair', () => {
    const line = `${'x'.repeat(1_000)}😀`.repeat(2_000); // ~2 MB, an emoji every 1,002 code units
    const began = performance.now();
    const chunks = chunkDocument([{ page: 1, text: line }]);
    const elapsed = performance.now() - began;
    expect(elapsed).toBeLessThan(5_000); // linear: milliseconds; quadratic would take minutes
    const { chunkChars, chunkOverlapChars } = KNOWLEDGE_LIMITS;
    expect(chunks.length).toBeGreaterThanOrEqual(
      Math.floor(line.length / (chunkChars - chunkOverlapChars)) - 1,
    );
    for (const chunk of chunks) {
      expect(chunk.content.length).toBeLessThanOrEqual(chunkChars);
      expect(chunk.content).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
      expect(chunk.page).toBe(1);
    }
    expect(chunks.map((c) => c.content).join('').length).toBeGreaterThanOrEqual(line.length);
    expect(chunks.at(-1)!.content.endsWith('😀')).toBe(true);
  });

  it('cuts one 2 MB line of words at spaces', () => {
    const line = 'word '.repeat(400_000);
    const chunks = chunkDocument([{ page: null, text: line }]);
    for (const chunk of chunks) {
      expect(chunk.content).toMatch(/^word( word)*$/);
      expect(chunk.content.length).toBeLessThanOrEqual(KNOWLEDGE_LIMITS.chunkChars);
    }
  });

  it('refuses sizes that could not make progress', () => {
    expect(() => chunkDocument([{ page: null, text: 'x' }], { chunkChars: 0, overlapChars: 0 })).toThrow(
      RangeError,
    );
  });
});
