import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MessagePart } from '../domain/message-parts.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const fixture = (name: string) =>
  fs.readFileSync(new URL(`../conversation-formats/fixtures/${name}`, import.meta.url));

type FileMessage = {
  id: string;
  parentId: string | null;
  role: string;
  content: string;
  parts?: MessagePart[];
};
type LuminaFile = {
  format: string;
  version: number;
  conversation: Record<string, unknown>;
  activeLeafId: string | null;
  messages: FileMessage[];
};

/** Every kind of part, in the shapes a reply with tools and a picture leaves behind. */
const PARTS: Record<string, MessagePart[]> = {
  question: [{ type: 'text', text: 'Weather in Zürich? 🌦' }],
  calling: [
    { type: 'reasoning', text: 'Look it up first.\nThen answer briefly.' },
    { type: 'text', text: 'Let me check.' },
    { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: { city: 'Zürich', days: [1, 2] } },
    { type: 'tool-call', toolCallId: 'call_2', toolName: 'map', input: {} },
  ],
  results: [
    {
      type: 'tool-result',
      toolCallId: 'call_1',
      toolName: 'weather',
      output: { temperature: -3.5, sky: null },
      isError: false,
    },
    { type: 'tool-result', toolCallId: 'call_2', toolName: 'map', output: 'quota exceeded', isError: true },
  ],
  answer: [
    { type: 'text', text: 'It is −3.5 °C. ' },
    {
      type: 'file',
      url: '/api/images/0190a4c2-0000-7000-8000-000000000001',
      mediaType: 'image/png',
      name: 'sky.png',
    },
    { type: 'text', text: 'Wrap up warm.' },
  ],
};

function luminaFile(messages: FileMessage[]): LuminaFile {
  return {
    format: 'lumina-conversation',
    version: 1,
    conversation: { title: 'Parts', createdAt: '2025-03-01T10:00:00.000Z', avatar: { name: 'Aria' } },
    activeLeafId: messages.at(-1)!.id,
    messages: messages.map((m, i) => ({ ...m, createdAt: `2025-03-01T10:00:0${i}.000Z` })) as FileMessage[],
  };
}

describeStorage('message parts through import and export on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let user: Awaited<ReturnType<typeof signup>>;

  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (await createTestApp(storage)).app;
    user = await signup(app, 'parts-transfer@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  async function upload(name: string, bytes: Buffer | string) {
    const form = new FormData();
    form.append('file', new Blob([bytes]), name);
    const request = new Request('http://x/', { method: 'POST', body: form });
    const res = await app.inject({
      method: 'POST',
      url: '/api/conversations/import',
      headers: { ...CSRF, cookie: user.cookie, 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    return (res.json() as { results: { ok: boolean; conversationId?: string; error?: { code: string } }[] })
      .results[0]!;
  }
  const exportAs = (id: string, format: 'json' | 'md') =>
    app.inject({
      method: 'GET',
      url: `/api/conversations/${id}/export?format=${format}`,
      headers: { cookie: user.cookie },
    });
  const tree = async (id: string) =>
    (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${id}/messages?view=tree`,
        headers: { cookie: user.cookie },
      })
    ).json().messages as { role: string; content: string; parts: MessagePart[] }[];

  it('round-trips every kind of part through Lumina JSON, the text following the parts', async () => {
    const file = luminaFile([
      { id: 'q', parentId: null, role: 'user', content: 'Weather in Zürich? 🌦', parts: PARTS.question! },
      // `content` disagrees with the parts: the parts win, content becomes their text.
      { id: 'c', parentId: 'q', role: 'assistant', content: 'stale text', parts: PARTS.calling! },
      { id: 'r', parentId: 'c', role: 'tool', content: '', parts: PARTS.results! },
      { id: 'a', parentId: 'r', role: 'assistant', content: '', parts: PARTS.answer! },
      // A file from before parts existed: its text becomes one text part.
      { id: 'old', parentId: 'a', role: 'user', content: 'Thanks' },
    ]);
    const imported = await upload('parts.json', JSON.stringify(file));
    expect(imported).toMatchObject({ ok: true });
    const stored = await tree(imported.conversationId!);
    expect(stored.map((m) => [m.role, m.content, m.parts])).toEqual([
      ['user', 'Weather in Zürich? 🌦', PARTS.question],
      ['assistant', 'Let me check.', PARTS.calling],
      ['tool', '', PARTS.results],
      ['assistant', 'It is −3.5 °C. Wrap up warm.', PARTS.answer],
      ['user', 'Thanks', [{ type: 'text', text: 'Thanks' }]],
    ]);

    const first = (await exportAs(imported.conversationId!, 'json')).json() as LuminaFile;
    expect(first.messages.map((m) => m.parts)).toEqual(stored.map((m) => m.parts));
    const again = await upload('again.json', JSON.stringify(first));
    const second = (await exportAs(again.conversationId!, 'json')).json() as LuminaFile;
    const withoutIds = (f: LuminaFile) => f.messages.map(({ id: _id, parentId: _parent, ...rest }) => rest);
    expect(withoutIds(second)).toEqual(withoutIds(first));

    // Markdown names the tools used and leaves the reasoning out.
    const md = (await exportAs(imported.conversationId!, 'md')).body;
    expect(md).toContain('*(called the tool weather)*');
    expect(md).toContain('*(map failed)*');
    expect(md).toContain('### Tool');
    expect(md).not.toContain('Look it up first');
  });

  it('refuses parts that are not ours to store (a remote file address, a call without a name)', async () => {
    for (const parts of [
      [{ type: 'file', url: 'https://example.org/x.png', mediaType: 'image/png' }],
      [{ type: 'tool-call', toolCallId: 'c', toolName: '', input: {} }],
      [{ type: 'thought', text: 'unknown kind' }],
    ]) {
      const file = luminaFile([
        { id: 'q', parentId: null, role: 'assistant', content: '', parts: parts as MessagePart[] },
      ]);
      const result = await upload('bad.json', JSON.stringify(file));
      expect(result).toMatchObject({ ok: false, error: { code: 'conversation_file_invalid' } });
    }
  });

  it("imports SillyTavern's reasoning and ChatGPT's thoughts as reasoning parts before the text", async () => {
    const st = await upload('Seraphina.jsonl', fixture('Seraphina - 2025-09-26@15h04m33s123ms.jsonl'));
    const warded = (await tree(st.conversationId!)).find((m) => m.content.includes('old ward-script'))!;
    expect(warded.parts).toEqual([
      {
        type: 'reasoning',
        text: 'The user shows a ward sign. Seraphina knows the forest lore; answer in character, briefly (OOC request).',
      },
      { type: 'text', text: warded.content },
    ]);

    const form = new FormData();
    form.append('file', new Blob([fixture('chatgpt-conversations.json')]), 'conversations.json');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const res = await app.inject({
      method: 'POST',
      url: '/api/conversations/import',
      headers: { ...CSRF, cookie: user.cookie, 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    const sourdough = (res.json() as { results: { title?: string; conversationId?: string }[] }).results.find(
      (r) => r.title === 'Sourdough Starter Smell',
    )!;
    const answer = (await tree(sourdough.conversationId!)).find((m) =>
      m.content.startsWith('That looks healthy'),
    )!;
    expect(answer.parts).toEqual([
      { type: 'reasoning', text: 'Bubbles throughout, domed top: active.' },
      { type: 'text', text: answer.content },
    ]);
  });
});
