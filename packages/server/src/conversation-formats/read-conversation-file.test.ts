import { describe, expect, it } from 'vitest';
import { MAX_CONVERSATION_FILE_BYTES } from './imported-conversation.js';
import { readConversationFile } from './read-conversation-file.js';
import { readFixture } from './test-helpers.js';

const ST_FIXTURE = 'Seraphina - 2025-09-26@15h04m33s123ms.jsonl';
const luminaFile = {
  format: 'lumina-conversation',
  version: 1,
  conversation: { title: 'x', createdAt: '2025-01-01T00:00:00Z', avatar: { name: 'Bob' } },
  activeLeafId: null,
  messages: [{ id: 'a', parentId: null, role: 'user', content: 'hi', createdAt: '2025-01-01T00:00:00Z' }],
};
const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('readConversationFile', () => {
  it('recognises each format by its content, whatever the file is called', () => {
    expect(readConversationFile(readFixture(ST_FIXTURE), 'chat.json').format).toBe('sillytavern-jsonl');
    expect(readConversationFile(readFixture('chatgpt-conversations.json'), 'chat.jsonl').format).toBe(
      'chatgpt-json',
    );
    expect(readConversationFile(bytes(JSON.stringify(luminaFile, null, 2)), 'export.txt').format).toBe(
      'lumina-json',
    );
  });

  it('reads a ChatGPT export into one entry per conversation', () => {
    const file = readConversationFile(readFixture('chatgpt-conversations.json'), 'conversations.json');
    expect(file.conversations.map((c) => c.ok)).toEqual([true, true]);
  });

  it('reads a single ChatGPT conversation object and a one-line SillyTavern chat', () => {
    const one = JSON.parse(readFixture('chatgpt-conversations.json').toString())[0];
    expect(readConversationFile(bytes(JSON.stringify(one)), 'c.json').format).toBe('chatgpt-json');
    expect(readConversationFile(bytes('{"name":"A","is_user":false,"mes":"hi"}'), 'c.json').format).toBe(
      'sillytavern-jsonl',
    );
  });

  it('accepts a byte order mark and leading blank lines', () => {
    const text = `\uFEFF\n\n${readFixture(ST_FIXTURE).toString('utf8')}`;
    const file = readConversationFile(bytes(text), ST_FIXTURE);
    expect(file.conversations[0]).toMatchObject({
      ok: true,
      conversation: { avatar: { name: 'Seraphina' } },
    });
  });

  it('names the line and column of broken JSON', () => {
    expect(() =>
      readConversationFile(bytes('{\n  "format": "lumina-conversation",\n  "version": 1,,\n}'), 'x.json'),
    ).toThrow(
      expect.objectContaining({ code: 'conversation_file_not_json', details: { line: 3, column: 16 } }),
    );
    expect(() => readConversationFile(bytes('[{"title": "a", "mapping": {}]'), 'conversations.json')).toThrow(
      expect.objectContaining({ code: 'conversation_file_not_json', details: { line: 1, column: 30 } }),
    );
  });

  it('names the line of a broken line in a JSONL chat', () => {
    const text = '{"user_name":"U","character_name":"C"}\n{"name":"C","mes":"ok"}\n{"name":"C","mes":"cut';
    expect(() => readConversationFile(bytes(text), 'chat.jsonl')).toThrow(
      expect.objectContaining({ code: 'conversation_file_bad_line', details: { line: 3 } }),
    );
  });

  it.each([
    ['an empty file', '', 'conversation_file_empty', 422],
    ['only whitespace', ' \n\t\n', 'conversation_file_empty', 422],
    ['an empty list', '[]', 'conversation_file_empty', 422],
    ['plain text', 'Hello, this is a diary.', 'conversation_file_unsupported', 415],
    ['a list of something else', '[{"role":"user","content":"hi"}]', 'conversation_file_unsupported', 415],
    [
      'an object of something else',
      '{"spec":"chara_card_v2","data":{}}',
      'conversation_file_unsupported',
      415,
    ],
  ])('refuses %s', (_what, text, code, status) => {
    expect(() => readConversationFile(bytes(text), 'x.json')).toThrow(
      expect.objectContaining({ code, status }),
    );
  });

  it('refuses a file that is not UTF-8 (a PNG card, say)', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe]);
    expect(() => readConversationFile(png, 'card.png')).toThrow(
      expect.objectContaining({ code: 'conversation_file_unsupported' }),
    );
  });

  it('refuses a file over the size limit before reading it', () => {
    const big = Buffer.alloc(MAX_CONVERSATION_FILE_BYTES + 1, 0x20);
    expect(() => readConversationFile(big, 'big.json')).toThrow(
      expect.objectContaining({ code: 'conversation_file_too_large', status: 413 }),
    );
  });
});
