import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ATTACHMENT_LIMITS, attachmentUrl } from '../domain/attachment.js';
import type { MessagePart } from '../domain/message-parts.js';
import { createFileRepository } from '../repositories/file.repository.js';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { OllamaServer } from '../test-support/protocol-servers/ollama-server.js';
import { parseSse, waitUntil } from '../test-support/sse.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

const SEEING = 'ollama/llava:latest';
const BLIND = 'ollama/llama3.2:latest';
/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

describeStorage('attachments in messages (%s)', (mode) => {
  let storage: TestStorage;
  let ollama: OllamaServer;
  let app: FastifyInstance;
  let owner: Awaited<ReturnType<typeof signup>> & { headers: Record<string, string> };
  let other: Awaited<ReturnType<typeof signup>>;
  let avatarId: string;

  beforeAll(async () => {
    ollama = await new OllamaServer().listen();
    ollama.models.push({
      name: 'llava:latest',
      family: 'llama',
      contextLength: 32_768,
      capabilities: ['completion', 'vision'],
    });
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        OLLAMA_BASE_URL: ollama.origin,
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        CHAT_FLUSH_INTERVAL_MS: '50',
      })
    ).app;
    const account = await signup(app, 'pictures@example.org');
    owner = { ...account, headers: { ...CSRF, cookie: account.cookie } };
    other = await signup(app, 'someone-else@example.org');
    await app.inject({
      method: 'PUT',
      url: '/api/settings',
      payload: { defaultModel: SEEING },
      headers: owner.headers,
    });
    avatarId = (await app.inject({ method: 'GET', url: '/api/avatars', headers: owner.headers })).json()
      .avatars[0].id;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
    await ollama?.close();
  });

  const files = () => createFileRepository(storage.db);
  /** Stores an attachment as the upload route leaves it. */
  async function attach(
    ownerId: string,
    file: { name: string; mimeType: string; bytes: Buffer; text?: string },
  ): Promise<string> {
    const { id } = await files().create({
      ownerId,
      kind: 'attachment',
      mimeType: file.mimeType,
      bytes: file.bytes,
      sizeBytes: file.bytes.length,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      name: file.name,
      ...(file.text !== undefined ? { extractedText: file.text } : {}),
    });
    return id;
  }
  const picture = () => attach(owner.user.id, { name: 'sky.png', mimeType: 'image/png', bytes: PNG });
  const document = (text = '# Plan\nBuy milk.') =>
    attach(owner.user.id, { name: 'notes.md', mimeType: 'text/markdown', bytes: Buffer.from(text), text });

  async function conversation(model?: string) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: owner.headers,
      payload: { avatarId, ...(model ? { model } : {}) },
    });
    return res.json().conversation.id as string;
  }
  const send = (conversationId: string, payload: object) =>
    app.inject({
      method: 'POST',
      url: `/api/conversations/${conversationId}/messages`,
      headers: owner.headers,
      payload,
    });
  const branch = async (conversationId: string) =>
    (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}/messages`,
        headers: owner.headers,
      })
    ).json().messages as { id: string; role: string; content: string; parts: MessagePart[] }[];
  const chatRequests = () => ollama.requests.filter((r) => r.path === '/api/chat');

  it('stores the text, then each attachment in order, and sends the picture and the document text', async () => {
    const id = await conversation();
    const [image, notes] = [await picture(), await document()];
    ollama.script({ kind: 'text', tokens: ['A', ' sky.'] }, { kind: 'text', tokens: ['Sky'] });
    const res = await send(id, { content: 'What is this?', attachments: [image, notes] });
    expect(res.statusCode).toBe(200);
    expect(parseSse(res.body).find((e) => e.event === 'finish')?.data).toMatchObject({ status: 'complete' });

    const question = (await branch(id)).find((m) => m.role === 'user')!;
    expect(question.content).toBe('What is this?');
    expect(question.parts).toEqual([
      { type: 'text', text: 'What is this?' },
      {
        type: 'file',
        url: attachmentUrl(image),
        mediaType: 'image/png',
        name: 'sky.png',
        sizeBytes: PNG.length,
      },
      {
        type: 'file',
        url: attachmentUrl(notes),
        mediaType: 'text/markdown',
        name: 'notes.md',
        sizeBytes: 16,
      },
    ]);
    const request = chatRequests().find((r) => r.body.messages.at(-1).content.startsWith('What is this?'))!;
    // The context inspector shows the picture (type and size, never the bytes) and its cost.
    const preview = (
      await app.inject({ method: 'GET', url: `/api/conversations/${id}/context`, headers: owner.headers })
    ).json();
    const shown = preview.messages.find((m: { content: string }) => m.content.startsWith('What is this?'));
    expect(shown.images).toEqual([{ mediaType: 'image/png', sizeBytes: PNG.length }]);
    expect(preview.parts.find((p: { text: string }) => p.text.startsWith('What is this?'))).toMatchObject({
      images: 1,
      tokens: expect.any(Number),
    });
    expect(ollama.receivedImages(request)).toEqual([{ role: 'user', mediaType: 'image/png', data: PNG }]);
    expect(request.body.messages.at(-1).content).toBe(
      'What is this?\n\n<document name="notes.md">\n# Plan\nBuy milk.\n</document>',
    );
  });

  it('sends a message of attachments only; an empty message without any is still refused', async () => {
    const id = await conversation();
    const res = await send(id, { content: '', attachments: [await picture()] });
    expect(res.statusCode).toBe(200);
    const question = (await branch(id)).find((m) => m.role === 'user')!;
    expect(question.content).toBe('');
    expect(question.parts).toEqual([expect.objectContaining({ type: 'file', mediaType: 'image/png' })]);
    expect((await send(id, { content: '  ', attachments: [] })).json().error.code).toBe('message_empty');
  });

  it('answers 404 for an attachment that is not the sender’s, 422 past the limits, storing nothing', async () => {
    const id = await conversation();
    const before = await branch(id);
    const foreign = await attach(other.user.id, { name: 'theirs.png', mimeType: 'image/png', bytes: PNG });
    const notFound = await send(id, { content: 'Look', attachments: [await picture(), foreign] });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json().error).toMatchObject({
      code: 'attachment_not_found',
      details: { attachmentId: foreign },
    });
    // An avatar picture of the sender's own is a file, but not an attachment.
    const avatarPicture = await files().create({
      ownerId: owner.user.id,
      kind: 'avatar-image',
      mimeType: 'image/png',
      bytes: PNG,
      sizeBytes: PNG.length,
      sha256: 'x',
    });
    expect((await send(id, { content: 'Look', attachments: [avatarPicture.id] })).statusCode).toBe(404);

    const many = await Promise.all(
      Array.from({ length: ATTACHMENT_LIMITS.maxPerMessage + 1 }, () => picture()),
    );
    const tooMany = await send(id, { content: 'Look', attachments: many });
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json().error.code).toBe('attachment_limit');

    const half = 'x'.repeat(ATTACHMENT_LIMITS.maxTextCharsPerMessage / 2 + 1);
    const tooMuchText = await send(id, {
      content: 'Read',
      attachments: [await document(half), await document(half)],
    });
    expect(tooMuchText.statusCode).toBe(422);
    expect(tooMuchText.json().error).toMatchObject({
      code: 'attachment_limit',
      details: { textChars: half.length * 2 },
    });

    const twice = await picture();
    expect((await send(id, { content: 'Look', attachments: [twice, twice] })).json().error.code).toBe(
      'invalid_request',
    );
    expect(await branch(id)).toEqual(before);
  });

  it('refuses pictures for a model that cannot see, naming it, before anything is stored or sent', async () => {
    const id = await conversation(BLIND);
    const before = await branch(id);
    const calls = chatRequests().length;
    const res = await send(id, { content: 'What is this?', attachments: [await picture()] });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'model_cannot_see_images', details: { model: BLIND } });
    expect(res.json().error.message).toContain('llama3.2:latest');
    expect(await branch(id)).toEqual(before);
    expect(chatRequests().length).toBe(calls);
    // Documents are text: any model reads them.
    expect((await send(id, { content: 'Read this', attachments: [await document()] })).statusCode).toBe(200);
  });

  it('replaces pictures in the history with a note once the conversation’s model cannot see', async () => {
    const id = await conversation();
    await send(id, { content: 'Remember this', attachments: [await picture()] });
    const patched = await app.inject({
      method: 'PATCH',
      url: `/api/conversations/${id}`,
      headers: owner.headers,
      payload: { model: BLIND },
    });
    expect(patched.statusCode).toBe(200);
    ollama.script({ kind: 'text', tokens: ['It was a sky.'] });
    expect((await send(id, { content: 'What did I show you?' })).statusCode).toBe(200);
    const request = chatRequests().at(-1)!;
    expect(request.body.model).toBe('llama3.2:latest');
    expect(ollama.receivedImages(request)).toEqual([]);
    const remembered = request.body.messages.find((m: { content: string }) =>
      m.content.startsWith('Remember this'),
    );
    expect(remembered.content).toContain(
      '[Picture "sky.png" attached here; not shown: this model cannot see pictures]',
    );

    // The context preview says the same, and counts no picture.
    const preview = (
      await app.inject({ method: 'GET', url: `/api/conversations/${id}/context`, headers: owner.headers })
    ).json();
    expect(JSON.stringify(preview.messages)).toContain('this model cannot see pictures');
  });

  it('keeps a user message’s attachments on an edit that names none, and replaces them when named', async () => {
    const id = await conversation();
    const [image, notes] = [await picture(), await document()];
    await send(id, { content: 'First version', attachments: [image, notes] });
    const original = (await branch(id)).find((m) => m.role === 'user')!;
    const edit = (payload: object) =>
      app.inject({
        method: 'POST',
        url: `/api/messages/${original.id}/edit`,
        headers: owner.headers,
        payload,
      });

    expect((await edit({ content: 'Second version' })).statusCode).toBe(200);
    let edited = (await branch(id)).find((m) => m.role === 'user')!;
    expect(edited.id).not.toBe(original.id);
    expect(edited.parts).toEqual([{ type: 'text', text: 'Second version' }, ...original.parts.slice(1)]);
    const request = chatRequests().at(-1)!;
    expect(ollama.receivedImages(request)).toHaveLength(1);
    expect(request.body.messages.at(-1).content).toContain('<document name="notes.md">');

    expect((await edit({ content: 'Third version', attachments: [notes] })).statusCode).toBe(200);
    edited = (await branch(id)).find((m) => m.role === 'user')!;
    expect(edited.parts).toEqual([{ type: 'text', text: 'Third version' }, original.parts[2]]);
    // Only attachments and no text is a message; no text and no attachments is not.
    expect((await edit({ content: '', attachments: [] })).json().error.code).toBe('message_empty');
    const foreign = await attach(other.user.id, {
      name: 'theirs.md',
      mimeType: 'text/plain',
      bytes: Buffer.from('x'),
      text: 'x',
    });
    expect((await edit({ content: 'x', attachments: [foreign] })).json().error.code).toBe(
      'attachment_not_found',
    );
  });

  async function importAs(account: { cookie: string }, name: string, body: string) {
    const form = new FormData();
    form.append('file', new Blob([body]), name);
    const request = new Request('http://x/', { method: 'POST', body: form });
    const res = await app.inject({
      method: 'POST',
      url: '/api/conversations/import',
      headers: { ...CSRF, cookie: account.cookie, 'content-type': request.headers.get('content-type')! },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    return res.json().results[0] as { ok: boolean; conversation?: { id: string } };
  }
  const exportAs = (id: string, format: 'json' | 'md' | 'sillytavern', cookie = owner.cookie) =>
    app.inject({
      method: 'GET',
      url: `/api/conversations/${id}/export?format=${format}`,
      headers: { cookie },
    });

  it('exports attachments: JSON embeds them and an import elsewhere restores them as the importer’s own', async () => {
    const id = await conversation();
    const [image, notes] = [await picture(), await document()];
    await send(id, { content: 'Keep these', attachments: [image, notes] });

    const file = (await exportAs(id, 'json')).json();
    const question = file.messages.find(
      (m: { role: string }) => m.role === 'user' && m.content === 'Keep these',
    );
    expect(question.parts.slice(1).map((p: MessagePart) => p.type === 'file' && p.url)).toEqual([
      attachmentUrl(image),
      attachmentUrl(notes),
    ]);
    expect(file.attachments).toEqual([
      {
        url: attachmentUrl(image),
        name: 'sky.png',
        mediaType: 'image/png',
        data: PNG.toString('base64'),
        text: null,
      },
      {
        url: attachmentUrl(notes),
        name: 'notes.md',
        mediaType: 'text/markdown',
        data: Buffer.from('# Plan\nBuy milk.').toString('base64'),
        text: '# Plan\nBuy milk.',
      },
    ]);
    // A picture that is not one (bytes lie about their type) is left out of the import.
    const tampered = structuredClone(file);
    tampered.attachments[0].data = Buffer.from('<svg onload=alert(1)>').toString('base64');

    const importer = { ...other, headers: { ...CSRF, cookie: other.cookie } };
    for (const [body, pictureKept] of [
      [file, true],
      [tampered, false],
    ] as const) {
      const imported = await importAs(importer, 'keep.json', JSON.stringify(body));
      expect(imported.ok).toBe(true);
      const messages = (
        await app.inject({
          method: 'GET',
          url: `/api/conversations/${imported.conversation!.id}/messages?view=tree`,
          headers: importer.headers,
        })
      ).json().messages as { content: string; parts: MessagePart[] }[];
      const [, pictureRef, notesRef] = messages.find((m) => m.content === 'Keep these')!.parts as Extract<
        MessagePart,
        { type: 'file' }
      >[];
      // The document is stored anew for the importer, under a new id, with its text.
      expect(notesRef!.url).not.toBe(attachmentUrl(notes));
      const restored = await files().findForOwner(other.user.id, notesRef!.url.split('/').at(-1)!);
      expect(restored).toMatchObject({
        kind: 'attachment',
        name: 'notes.md',
        extractedText: '# Plan\nBuy milk.',
      });
      if (pictureKept) {
        expect(pictureRef).toMatchObject({ mediaType: 'image/png', name: 'sky.png', sizeBytes: PNG.length });
        const bytes = (await files().findForOwner(other.user.id, pictureRef!.url.split('/').at(-1)!))?.bytes;
        expect(Buffer.from(bytes!)).toEqual(PNG);
      } else {
        expect(pictureRef!.url).toBe(attachmentUrl(image));
      }
    }
    // The exporter's own files are untouched and still theirs alone.
    expect(await files().findForOwner(other.user.id, image)).toBeUndefined();
  });

  it('lists attachments in Markdown and writes them as SillyTavern’s extra.image and extra.file', async () => {
    const id = await conversation();
    await send(id, { content: 'Files', attachments: [await picture(), await document('line 1\nline 2')] });
    const md = (await exportAs(id, 'md')).body;
    expect(md).toContain('📎 *Attached picture:* **sky\\.png** (picture, image/png, 70 B)');
    expect(md).toContain(
      '📎 *Attached document:* **notes\\.md** (document, text/markdown, 13 B), beginning:\n\n```text\nline 1\nline 2\n```',
    );
    expect(md).not.toContain('/api/attachments/');

    const lines = (await exportAs(id, 'sillytavern')).body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const question = lines.find((line) => line.mes === 'Files');
    expect(question.extra).toMatchObject({
      image: `data:image/png;base64,${PNG.toString('base64')}`,
      inline_image: true,
      file: { name: 'notes.md', size: 13, text: 'line 1\nline 2' },
    });

    // Imported back (as SillyTavern users share chats): the picture and the document come along
    // as the importer's own attachments; the base64 is not also kept in the metadata.
    const jsonl = `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;
    const imported = await importAs({ ...other }, 'Aria - chat.jsonl', jsonl);
    expect(imported.ok).toBe(true);
    const messages = (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${imported.conversation!.id}/messages?view=tree`,
        headers: { cookie: other.cookie },
      })
    ).json().messages as { content: string; parts: MessagePart[]; metadata: Record<string, unknown> }[];
    const back = messages.find((m) => m.content === 'Files')!;
    const [text, pictureRef, notesRef] = back.parts as Extract<MessagePart, { type: 'file' }>[];
    expect(text).toEqual({ type: 'text', text: 'Files' });
    expect(pictureRef).toMatchObject({ type: 'file', mediaType: 'image/png', sizeBytes: PNG.length });
    expect(notesRef).toMatchObject({ type: 'file', mediaType: 'text/markdown', name: 'notes.md' });
    const picturePart = await files().findForOwner(other.user.id, pictureRef!.url.split('/').at(-1)!);
    expect(Buffer.from(picturePart!.bytes)).toEqual(PNG);
    const notesPart = await files().findForOwner(other.user.id, notesRef!.url.split('/').at(-1)!);
    expect(notesPart).toMatchObject({ kind: 'attachment', extractedText: 'line 1\nline 2' });
    expect(JSON.stringify(back.metadata)).not.toContain('base64');

    // A picture that is not one, or a path on a SillyTavern server, is not stored.
    const hostile = structuredClone(lines);
    const hostileQuestion = hostile.find((line) => line.mes === 'Files');
    hostileQuestion.extra = { image: `data:image/png;base64,${Buffer.from('<svg/>').toString('base64')}` };
    const other2 = await importAs(
      { ...other },
      'x.jsonl',
      `${hostile.map((l) => JSON.stringify(l)).join('\n')}\n`,
    );
    expect(other2.ok).toBe(true);
    hostileQuestion.extra = { image: 'user/images/Aria/picture.png' };
    const pathOnly = await importAs(
      { ...other },
      'y.jsonl',
      `${hostile.map((l) => JSON.stringify(l)).join('\n')}\n`,
    );
    const pathMessages = (
      await app.inject({
        method: 'GET',
        url: `/api/conversations/${pathOnly.conversation!.id}/messages?view=tree`,
        headers: { cookie: other.cookie },
      })
    ).json().messages as {
      content: string;
      parts: MessagePart[];
      metadata: { sillyTavern?: { extra?: unknown } };
    }[];
    const pathQuestion = pathMessages.find((m) => m.content === 'Files')!;
    expect(pathQuestion.parts.filter((p) => p.type === 'file')).toEqual([]);
    expect(pathQuestion.metadata.sillyTavern?.extra).toEqual({ image: 'user/images/Aria/picture.png' });
  });

  it('takes attachments in the WebSocket send frame, with the same refusals as error frames', async () => {
    if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const id = await conversation();
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/conversations`, {
      headers: { cookie: owner.cookie, origin: `http://127.0.0.1:${port}` },
    });
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.on('open', resolve));
    const foreign = await attach(other.user.id, { name: 'x.png', mimeType: 'image/png', bytes: PNG });
    socket.send(
      JSON.stringify({ type: 'send', ref: 'no', conversationId: id, content: 'x', attachments: [foreign] }),
    );
    const image = await picture();
    socket.send(
      JSON.stringify({ type: 'send', ref: 'yes', conversationId: id, content: '', attachments: [image] }),
    );
    await waitUntil(async () => frames.some((f) => f.ref === 'yes' && f.type === 'finish'));
    socket.close();
    expect(frames.find((f) => f.ref === 'no')).toMatchObject({ type: 'error', code: 'attachment_not_found' });
    const question = (await branch(id)).find((m) => m.role === 'user')!;
    expect(question.parts).toEqual([
      {
        type: 'file',
        url: attachmentUrl(image),
        mediaType: 'image/png',
        name: 'sky.png',
        sizeBytes: PNG.length,
      },
    ]);
  });
});
