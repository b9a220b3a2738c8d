import { describe, expect, it } from 'vitest';
import { messageRow } from '../db/message-row.js';
import type { MessagePart } from '../domain/message-parts.js';
import type { ModelInfo } from '../providers/types.js';
import { avatarRow } from '../test-support/avatar-rows.js';
import { assembleContext } from './assemble-context.js';
import { TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from './context-budget.js';
import { countingDocumentsOnce } from './document-token-count.js';
import { chatMessagesOf } from './history-messages.js';
import {
  attachmentContents,
  documentBlock,
  IMAGE_TOKENS,
  imagesToSend,
  type LoadedAttachment,
  MAX_IMAGES_IN_CONTEXT,
} from './message-attachments.js';

const created = new Date('2025-03-01T10:00:00Z');
const uuid = (n: number) => `0190a4c2-0000-7000-8000-${String(n).padStart(12, '0')}`;
const url = (n: number) => `/api/attachments/${uuid(n)}`;
const idOfUrl = (u: string) =>
  u.startsWith('/api/attachments/') ? u.slice('/api/attachments/'.length) : null;
const image = (n: number): MessagePart => ({
  type: 'file',
  url: url(n),
  mediaType: 'image/png',
  name: `p${n}.png`,
});
const doc = (n: number): MessagePart => ({
  type: 'file',
  url: url(n),
  mediaType: 'application/pdf',
  name: `d${n}.pdf`,
});
const bytes = (n: number) => new Uint8Array([0x89, 0x50, n]);

function message(index: number, role: 'user' | 'assistant', parts: MessagePart[]) {
  return messageRow({
    id: `m${index}`,
    conversationId: 'c1',
    ownerId: 'u1',
    parentId: index === 0 ? null : `m${index - 1}`,
    role,
    parts,
    content: parts.map((p) => (p.type === 'text' ? p.text : '')).join(''),
    createdAt: created,
    updatedAt: created,
  });
}

const loadedImage = (n: number, withBytes = true): LoadedAttachment => ({
  id: uuid(n),
  kind: 'image',
  mediaType: 'image/png',
  name: `p${n}.png`,
  bytes: withBytes ? bytes(n) : null,
  text: null,
});
const loadedDoc = (n: number, text: string): LoadedAttachment => ({
  id: uuid(n),
  kind: 'document',
  mediaType: 'application/pdf',
  name: `d${n}.pdf`,
  bytes: null,
  text,
});

describe('which pictures a turn sends', () => {
  it('picks the most recent pictures of the person’s messages, none for a model that cannot see', () => {
    const branch = Array.from({ length: 10 }, (_, i) => message(i, 'user', [image(i)]));
    branch.push(message(10, 'assistant', [image(10)]));
    const chosen = imagesToSend(branch, true);
    expect(chosen.size).toBe(MAX_IMAGES_IN_CONTEXT);
    expect([...chosen].sort()).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map(url).sort());
    expect(imagesToSend(branch, false).size).toBe(0);
  });

  it('sends chosen pictures as images and the rest as notes saying why; documents as their text', () => {
    const branch = [
      message(0, 'user', [{ type: 'text', text: 'old' }, image(1)]),
      message(1, 'assistant', [{ type: 'text', text: 'ok' }, image(2)]),
      message(2, 'user', [{ type: 'text', text: 'Look' }, image(3), doc(4), image(5)]),
    ];
    const loaded = new Map(
      [loadedImage(1, false), loadedImage(2, false), loadedImage(3), loadedDoc(4, 'Page one')].map((a) => [
        a.id,
        a,
      ]),
    );
    const contents = attachmentContents(branch, loaded, new Set([url(3), url(5)]), idOfUrl, true);
    expect(contents.get(url(3))).toEqual({
      kind: 'image',
      image: { mediaType: 'image/png', data: bytes(3) },
    });
    expect(contents.get(url(4))).toEqual({
      kind: 'document',
      text: '<document name="d4.pdf">\nPage one\n</document>',
    });
    expect(contents.get(url(1))).toMatchObject({
      kind: 'note',
      text: expect.stringContaining('most recent'),
    });
    expect(contents.get(url(2))).toMatchObject({
      kind: 'note',
      text: expect.stringContaining('person’s messages'),
    });
    // Chosen but gone (deleted, another owner's): a note, never an empty picture.
    expect(contents.get(url(5))).toMatchObject({
      kind: 'note',
      text: expect.stringContaining('no longer available'),
    });

    const blind = attachmentContents(branch, loaded, new Set(), idOfUrl, false);
    expect(blind.get(url(3))).toMatchObject({
      kind: 'note',
      text: expect.stringContaining('cannot see pictures'),
    });

    const sent = chatMessagesOf(branch[2]!, contents);
    expect(sent).toEqual([
      {
        role: 'user',
        content: `Look\n\n${documentBlock('d4.pdf', 'Page one')}\n\n${contents.get(url(5))!.kind === 'note' ? (contents.get(url(5)) as { text: string }).text : ''}`,
        images: [{ mediaType: 'image/png', data: bytes(3) }],
      },
    ]);
    // A message of pictures only is still sent; without contents, file parts are not.
    expect(chatMessagesOf(message(3, 'user', [image(3)]), contents)).toEqual([
      { role: 'user', content: '', images: [{ mediaType: 'image/png', data: bytes(3) }] },
    ]);
    expect(chatMessagesOf(message(3, 'user', [image(3)]))).toEqual([]);
  });

  it('escapes the document name in its element', () => {
    expect(documentBlock('a "b" <c> & d.txt', 'x')).toBe(
      '<document name="a &quot;b&quot; &lt;c> &amp; d.txt">\nx\n</document>',
    );
  });
});

describe('context assembly with attachments', () => {
  const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;
  const model: ModelInfo = {
    id: 'ollama/llava',
    provider: 'ollama',
    name: 'llava',
    contextWindow: 100_000,
    capabilities: { tools: false, vision: true, json: true, embeddings: false },
    local: true,
  };

  it('counts each picture at the fixed estimate and document text as words, and trims by them', async () => {
    const words = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    const branch = [
      message(0, 'user', [{ type: 'text', text: 'first' }, doc(1)]),
      message(1, 'assistant', [{ type: 'text', text: 'read it' }]),
      message(2, 'user', [{ type: 'text', text: 'and this' }, image(2)]),
    ];
    const loaded = new Map([loadedDoc(1, words), loadedImage(2)].map((a) => [a.id, a]));
    const attachments = attachmentContents(branch, loaded, new Set([url(2)]), idOfUrl, true);
    const base = {
      avatar: avatarRow({ createdAt: created, updatedAt: created }),
      user: { name: 'Sam' },
      branch,
      model,
      replyBudget: 0,
      countTokens: countWords,
      attachments,
    };
    const roomy = await assembleContext(base);
    const last = roomy.parts.at(-1)!;
    expect(last).toMatchObject({ kind: 'message', images: 1, tokens: 2 + IMAGE_TOKENS });
    expect(roomy.messages.at(-1)).toMatchObject({
      role: 'user',
      content: 'and this',
      images: [{ mediaType: 'image/png' }],
    });
    const first = roomy.parts.find((part) => part.messageId === 'm0')!;
    expect(first.tokens).toBe(countWords(`first\n\n${documentBlock('d1.pdf', words)}`));
    const sent = roomy.messages.reduce(
      (sum, m) => sum + countWords(m.content) + (m.images?.length ?? 0) * IMAGE_TOKENS + TOKENS_PER_MESSAGE,
      TOKENS_PER_REPLY,
    );
    expect(roomy.tokens.total).toBe(sent);

    // A window that holds the picture but not the document drops the document's message.
    const tight = await assembleContext({
      ...base,
      model: { ...model, contextWindow: roomy.tokens.total - 10 },
    });
    expect(tight.dropped.messageIds).toEqual(['m0']);
    expect(tight.messages.at(-1)?.images).toHaveLength(1);
  });

  it('tokenizes a long document once per model, however often the history is counted', async () => {
    const text = 'word '.repeat(2000);
    const contents = new Map([
      [url(9), { kind: 'document' as const, text: documentBlock('long.txt', text) }],
    ]);
    const counted: number[] = [];
    const count = (t: string) => {
      counted.push(t.length);
      return countWords(t);
    };
    const counter = countingDocumentsOnce(count, contents, `test-model-${Math.random()}`);
    const message = `Summarize\n\n${documentBlock('long.txt', text)}`;
    expect(await counter(message)).toBe(countWords(message));
    expect(await counter(message)).toBe(countWords(message));
    const long = counted.filter((length) => length > 1000);
    expect(long).toHaveLength(1);
    // Text without the document is counted as it is.
    expect(await counter('just words here')).toBe(3);
  });
});
