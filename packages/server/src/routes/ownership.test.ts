import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CSRF, createTestApp, signup } from '../test-support/app.js';
import { createTestStorage, describeStorage, type TestStorage } from '../test-support/storage.js';

/**
 * Walks every route in openapi.json that takes an id and checks that user B cannot reach
 * user A's resource (404, never 200/204). A new id-taking route fails this test until it is
 * listed below with a way to create A's resource, so no route can skip the check.
 */
const spec = JSON.parse(
  fs.readFileSync(fileURLToPath(new URL('../../../../openapi.json', import.meta.url)), 'utf8'),
) as {
  paths: Record<string, Record<string, unknown>>;
};

type Owner = { cookie: string; user: { id: string; email: string }; password: string };
type Factory = (app: FastifyInstance, owner: Owner) => Promise<string>;
/** A's resource on a path with more than one id: the value of each placeholder. */
type PathFactory = (app: FastifyInstance, owner: Owner) => Promise<Record<string, string>>;

/** How to create user A's resource for each id-taking path, and what B must get. */
const createProvider: Factory = async (app, owner) => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/providers',
    headers: { ...CSRF, cookie: owner.cookie },
    // Nothing listens on port 1: the probe fails at once, the provider is still created.
    payload: { kind: 'openai-compatible', name: 'A local server', baseUrl: 'http://127.0.0.1:1/v1' },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().provider.id;
};

const createAvatar: Factory = async (app, owner) => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/avatars',
    headers: { ...CSRF, cookie: owner.cookie },
    payload: { name: 'Private friend' },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().avatar.id;
};

/** A conversation of A's (with the avatar's greeting as its first message). */
const createConversation = async (app: FastifyInstance, owner: Owner) => {
  const avatarId = await createAvatar(app, owner);
  await app.inject({
    method: 'PATCH',
    url: `/api/avatars/${avatarId}`,
    headers: { ...CSRF, cookie: owner.cookie },
    payload: { greeting: 'Hello!' },
  });
  const res = await app.inject({
    method: 'POST',
    url: '/api/conversations',
    headers: { ...CSRF, cookie: owner.cookie },
    payload: { avatarId },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json() as { conversation: { id: string }; messages: { id: string }[] };
};
const conversationId: Factory = async (app, owner) => (await createConversation(app, owner)).conversation.id;
const messageId: Factory = async (app, owner) => (await createConversation(app, owner)).messages[0]!.id;

/** A conversation of A's, imported from a small Lumina JSON file. */
const importedConversationId: Factory = async (app, owner) => {
  const file = {
    format: 'lumina-conversation',
    version: 1,
    conversation: {
      title: 'Private chat',
      createdAt: '2025-01-01T00:00:00Z',
      avatar: { name: 'Private friend' },
    },
    activeLeafId: null,
    messages: [{ id: '1', parentId: null, role: 'user', content: 'hi', createdAt: '2025-01-01T00:00:00Z' }],
  };
  const form = new FormData();
  form.append('file', new Blob([JSON.stringify(file)]), 'chat.json');
  const request = new Request('http://x/', { method: 'POST', body: form });
  const res = await app.inject({
    method: 'POST',
    url: '/api/conversations/import',
    headers: { ...CSRF, cookie: owner.cookie, 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  });
  const id = res.json().results?.[0]?.conversationId;
  if (res.statusCode !== 201 || !id) throw new Error(res.body);
  return id;
};

/** An attachment of A's: a small Markdown file. */
const createAttachment: Factory = async (app, owner) => {
  const form = new FormData();
  form.append('file', new Blob(['# Private notes\n'], { type: 'text/markdown' }), 'notes.md');
  const request = new Request('http://x/', { method: 'POST', body: form });
  const res = await app.inject({
    method: 'POST',
    url: '/api/attachments',
    headers: { ...CSRF, cookie: owner.cookie, 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().attachment.id;
};

/** A memory of A's, written by hand. */
const createMemory: Factory = async (app, owner) => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/memories',
    headers: { ...CSRF, cookie: owner.cookie },
    payload: { content: 'A is allergic to peanuts', kind: 'fact' },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().memory.id;
};

/** A knowledge document of A's: a small text file given to a new avatar. */
const createDocument: PathFactory = async (app, owner) => {
  const id = await createAvatar(app, owner);
  const form = new FormData();
  form.append('file', new Blob(['Private notes.'], { type: 'text/plain' }), 'notes.txt');
  const request = new Request('http://x/', { method: 'POST', body: form });
  const res = await app.inject({
    method: 'POST',
    url: `/api/avatars/${id}/documents`,
    headers: { ...CSRF, cookie: owner.cookie, 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return { id, docId: res.json().documents[0].id };
};

/** A conversation of A's with a second avatar taking part (removable, unlike the first). */
const extraParticipant: PathFactory = async (app, owner) => {
  const { conversation } = await createConversation(app, owner);
  const avatarId = await createAvatar(app, owner);
  const res = await app.inject({
    method: 'POST',
    url: `/api/conversations/${conversation.id}/participants`,
    headers: { ...CSRF, cookie: owner.cookie },
    payload: { avatarId },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return { id: conversation.id, participantId: res.json().participant.id };
};

const resources: Record<
  string,
  { create: Factory | PathFactory; expect: number; why?: string; body?: object }
> = {
  '/api/avatars/{id}': { create: createAvatar, expect: 404 },
  '/api/avatars/{id}/image': { create: createAvatar, expect: 404 },
  '/api/avatars/{id}/export': { create: createAvatar, expect: 404 },
  '/api/avatars/{id}/prompt-preview': { create: createAvatar, expect: 404 },
  '/api/conversations/{id}/export': { create: importedConversationId, expect: 404 },
  '/api/conversations/{id}/context': { create: importedConversationId, expect: 404 },
  '/api/avatars/{id}/lorebook': { create: createAvatar, expect: 404, body: { entries: {} } },
  '/api/avatars/{id}/image/generate': { create: createAvatar, expect: 404 },
  '/api/avatars/{id}/image/url': {
    create: createAvatar,
    expect: 404,
    body: { url: 'http://127.0.0.1:9/picture.png' },
  },
  '/api/avatars/{id}/lorebook/document': {
    create: createAvatar,
    expect: 404,
    body: {
      lorebook: {
        scanDepth: null,
        tokenBudget: null,
        recursiveScanning: null,
        extensions: {},
        extra: {},
        entries: [],
      },
    },
  },
  '/api/conversations/{id}': { create: conversationId, expect: 404 },
  '/api/conversations/{id}/messages': { create: conversationId, expect: 404, body: { content: 'hi' } },
  '/api/conversations/{id}/impersonate': { create: conversationId, expect: 404 },
  '/api/conversations/{id}/fork': {
    create: conversationId,
    expect: 404,
    body: { messageId: '01900000-0000-7000-8000-000000000000' },
  },
  // PATCH edits in place (its body must be valid to reach the lookup); DELETE takes none.
  '/api/messages/{id}': { create: messageId, expect: 404, body: { content: 'edited' } },
  '/api/messages/{id}/regenerate': { create: messageId, expect: 404 },
  '/api/messages/{id}/edit': { create: messageId, expect: 404, body: { content: 'edited' } },
  '/api/messages/{id}/continue': { create: messageId, expect: 404 },
  '/api/messages/{id}/cancel': { create: messageId, expect: 404 },
  '/api/conversations/{id}/compare': {
    create: conversationId,
    expect: 404,
    body: { content: 'hi', models: ['ollama/a', 'ollama/b'] },
  },
  '/api/conversations/{id}/compare/estimate': {
    create: conversationId,
    expect: 404,
    body: { content: 'hi', models: ['ollama/a', 'ollama/b'] },
  },
  '/api/messages/{id}/merge': { create: messageId, expect: 404, body: { model: 'ollama/a', replyIds: [] } },
  '/api/messages/{id}/consensus': {
    create: messageId,
    expect: 404,
    body: { model: 'ollama/a', replyIds: [] },
  },
  '/api/messages/{id}/cancel-replies': { create: messageId, expect: 404 },
  '/api/conversations/{id}/participants': {
    create: conversationId,
    expect: 404,
    body: { avatarId: '01900000-0000-7000-8000-000000000000' },
  },
  '/api/conversations/{id}/participants/{participantId}': { create: extraParticipant, expect: 404 },
  '/api/conversations/{id}/events': { create: conversationId, expect: 404 },
  '/api/messages/{id}/stream': { create: messageId, expect: 404 },
  '/api/search/jump/{id}': { create: messageId, expect: 404 },
  '/api/providers/{id}': { create: createProvider, expect: 404 },
  '/api/providers/{id}/check': { create: createProvider, expect: 404 },
  '/api/providers/{id}/pull': { create: createProvider, expect: 404, body: { model: 'llama3.2:1b' } },
  '/api/auth/sessions/{id}': {
    create: async (app, owner) => {
      // A second session, so deleting it does not sign A out of the one the walk uses.
      await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: CSRF,
        payload: { email: owner.user.email, password: owner.password },
      });
      const res = await app.inject({
        method: 'GET',
        url: '/api/auth/sessions',
        headers: { cookie: owner.cookie },
      });
      return res.json().sessions.find((s: { current: boolean }) => !s.current).id;
    },
    expect: 404,
  },
  '/api/auth/tokens/{id}': {
    create: async (app, owner) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/auth/tokens',
        headers: { ...CSRF, cookie: owner.cookie },
        payload: { name: 'a', scopes: ['read'] },
      });
      if (res.statusCode !== 201) throw new Error(res.body);
      return res.json().token.id;
    },
    expect: 404,
  },
  '/api/admin/users/{id}': {
    create: async (_app, owner) => owner.user.id,
    expect: 403,
    why: 'administration routes are closed to non-admins as a whole',
  },
  '/api/admin/users/{id}/password-reset': {
    create: async (_app, owner) => owner.user.id,
    expect: 403,
    why: 'administration routes are closed to non-admins as a whole',
  },
  '/api/presets/{id}': {
    create: async (app, owner) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/presets',
        headers: { ...CSRF, cookie: owner.cookie },
        payload: { name: 'Private preset', settings: { temperature: 0.5 } },
      });
      if (res.statusCode !== 201) throw new Error(res.body);
      return res.json().preset.id;
    },
    expect: 404,
    body: { name: 'Taken' },
  },
  '/api/settings/personas/{id}/picture': {
    create: async (app, owner) => {
      const res = await app.inject({
        method: 'PUT',
        url: '/api/settings',
        headers: { ...CSRF, cookie: owner.cookie },
        payload: { personas: [{ name: 'Private persona' }] },
      });
      if (res.statusCode !== 200) throw new Error(res.body);
      return res.json().settings.personas[0].id;
    },
    expect: 404,
  },
  '/api/avatars/{id}/documents': { create: createAvatar, expect: 404 },
  '/api/avatars/{id}/documents/{docId}': { create: createDocument, expect: 404 },
  '/api/avatars/{id}/documents/{docId}/file': { create: createDocument, expect: 404 },
  '/api/attachments/{id}': { create: createAttachment, expect: 404 },
  '/api/attachments/{id}/text': { create: createAttachment, expect: 404 },
  '/api/attachments/{id}/meta': { create: createAttachment, expect: 404 },
  '/api/memories/{id}': { create: createMemory, expect: 404, body: { pinned: true } },
  '/api/memories/{id}/history': { create: createMemory, expect: 404 },
  '/api/admin/jobs/{id}/retry': {
    create: async () => '01900000-0000-7000-8000-000000000000',
    expect: 403,
    why: 'administration routes are closed to non-admins as a whole',
  },
  '/api/admin/jobs/{id}/discard': {
    create: async () => '01900000-0000-7000-8000-000000000000',
    expect: 403,
    why: 'administration routes are closed to non-admins as a whole',
  },
  '/api/voice/engines/{id}/voices': {
    create: async () => 'espeak-ng',
    expect: 200,
    why: "an engine id names one of the instance's voice engines, which every user may use: nobody's resource",
  },
  '/api/admin/voice/models/{id}': {
    create: async () => 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
    expect: 403,
    why: 'administration routes are closed to non-admins as a whole',
  },
  '/api/admin/voice/network-engines/{id}': {
    create: async () => '01900000-0000-7000-8000-000000000000',
    expect: 403,
    why: 'administration routes are closed to non-admins as a whole',
  },
  '/api/admin/voice/network-engines/{id}/check': {
    create: async () => '01900000-0000-7000-8000-000000000000',
    expect: 403,
    why: 'administration routes are closed to non-admins as a whole',
  },
};

const idRoutes = Object.entries(spec.paths)
  .filter(([path]) => path.includes('{id}'))
  .flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })),
  );

describeStorage('ownership on %s', (mode) => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let a: Owner;
  let b: Owner;
  beforeAll(async () => {
    storage = await createTestStorage(mode);
    app = (
      await createTestApp(storage, {
        LUMINA_LOGIN_LIMIT_PER_MINUTE: '1000',
        // A's provider points at loopback, which ordinary users may reach only when allowed.
        LUMINA_OUTBOUND_ALLOW: '127.0.0.1',
      })
    ).app;
    await signup(app, 'first-admin@example.org'); // A and B are ordinary users
    a = await signup(app, 'a@example.org');
    b = await signup(app, 'b@example.org');
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  it('knows how to test every id-taking route in the API', () => {
    expect(idRoutes.length).toBeGreaterThan(0);
    const missing = [...new Set(idRoutes.map((r) => r.path))].filter((path) => !resources[path]);
    expect(missing, 'add these paths to `resources` in ownership.test.ts').toEqual([]);
  });

  it.each(idRoutes)("user B cannot reach user A's resource: $method $path", async ({ path, method }) => {
    const resource = resources[path]!;
    const created = await resource.create(app, a);
    const values = typeof created === 'string' ? { id: created } : created;
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => values[name]!);
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...CSRF, cookie: b.cookie },
      payload: method === 'GET' || method === 'DELETE' ? undefined : (resource.body ?? {}),
    });
    expect(res.statusCode, res.body).toBe(resource.expect);
    // And A's resource is still there for A.
    if (resource.expect === 404 && method === 'DELETE') {
      const again = await app.inject({
        method: 'DELETE',
        url,
        headers: { ...CSRF, cookie: a.cookie },
      });
      expect(again.statusCode).toBeLessThan(300);
    }
  });
});
