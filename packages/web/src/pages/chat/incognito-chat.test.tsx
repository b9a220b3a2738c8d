import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { draftKey } from '../../lib/message-drafts';
import { ada, avatar } from '../../test/avatar-fixtures';
import { conversationFixture, greetingFixture } from '../../test/conversation-fixtures';
import { model, sseResponse } from '../../test/model-fixtures';
import { fakeApi, renderApp, reply } from '../../test/render';

// Incognito chats (docs/memory.md, "Incognito"): chosen on the new-chat page, marked by a banner
// in the chat, their unsent text kept nowhere, and ended (deleted) on request.

const ID = '0199a1b2-0000-7000-8000-00000000f0e0';
const PLAIN_ID = '0199a1b2-0000-7000-8000-00000000f0e9';
const GREETING_ID = '0199a1b2-0000-7000-8000-00000000f0e1';
const aria = avatar({ name: 'Aria', greeting: 'Hello {{user}}.' });
const HEADLINE = 'Incognito — not saved, not remembered';

const secret = conversationFixture({
  id: ID,
  avatarId: aria.id,
  title: '',
  titleSource: 'auto',
  activeLeafId: GREETING_ID,
  incognito: true,
});
const plain = conversationFixture({ id: PLAIN_ID, avatarId: aria.id, activeLeafId: GREETING_ID });
const greeting = (conversationId: string) =>
  greetingFixture({ id: GREETING_ID, conversationId, content: 'Hello Ada.' }, aria.id);

function accepted(content: string) {
  const userId = '0199a1b2-0000-7000-8000-00000000f0f0';
  const turn = { turnId: userId, participant: null, createdAt: '2026-01-03T00:00:01.000Z' };
  return sseResponse([
    [
      'message-start',
      { ...turn, messageId: userId, parentId: GREETING_ID, role: 'user', model: null, content },
    ],
    [
      'message-start',
      {
        ...turn,
        messageId: '0199a1b2-0000-7000-8000-00000000f0f1',
        parentId: userId,
        role: 'assistant',
        model: 'ollama/llama3.2',
      },
    ],
    ['text-delta', { delta: 'Your secret is safe.' }],
    ['finish', { status: 'complete', finishReason: 'stop', timings: null }],
  ]);
}

function server() {
  let deleted = false;
  const api = fakeApi({
    'GET /api/auth/me': () => ({ user: ada }),
    'GET /api/avatars': () => ({ avatars: [avatar({ name: 'Lumina' }), aria] }),
    // The server never lists an incognito conversation.
    'GET /api/conversations': () => ({ conversations: [plain], nextCursor: null }),
    'POST /api/conversations': async (request) => {
      const body = (await request.json()) as { incognito?: boolean };
      const conversation = body.incognito ? secret : plain;
      return reply(201, { conversation, messages: [greeting(conversation.id)] });
    },
    [`GET /api/conversations/${ID}/messages`]: () =>
      deleted
        ? reply(404, { error: { code: 'conversation_not_found', message: 'Conversation not found' } })
        : { conversation: secret, messages: [greeting(ID)] },
    [`GET /api/conversations/${PLAIN_ID}/messages`]: () => ({
      conversation: plain,
      messages: [greeting(PLAIN_ID)],
    }),
    [`POST /api/conversations/${ID}/messages`]: async (request) =>
      accepted(((await request.json()) as { content: string }).content),
    [`DELETE /api/conversations/${ID}`]: () => {
      deleted = true;
      return new Response(null, { status: 204 });
    },
    'GET /api/models': () => ({
      models: [model('ollama/llama3.2')],
      defaultModel: { id: 'ollama/llama3.2', source: 'automatic' },
    }),
    'GET /api/providers': () => ({ providers: [] }),
    'GET /api/settings': () => ({
      settings: { defaultModel: null, fallbackModels: [], localOnly: false },
      instance: { localOnly: false, lockedByEnvironment: false },
      limits: { maxMessageChars: 1000 },
    }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
  });
  return api;
}

const box = () => screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement;
const incognitoSwitch = () => screen.getByRole('switch', { name: /Incognito/ });

describe('incognito chats', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(cleanup);

  it('a new chat starts incognito when the switch is on: banner, then created with incognito', async () => {
    const api = server();
    const { router } = renderApp({ fetch: api.fetch, path: `/chat/new?avatar=${aria.id}` });
    await screen.findByRole('heading', { name: 'New chat' });
    expect(incognitoSwitch().getAttribute('aria-checked')).toBe('false');
    expect(screen.queryByText(HEADLINE)).toBeNull();

    fireEvent.click(incognitoSwitch());
    expect(incognitoSwitch().getAttribute('aria-checked')).toBe('true');
    expect(screen.getByRole('heading', { name: 'New incognito chat' })).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Incognito' })).getByText(HEADLINE)).toBeTruthy();

    fireEvent.change(box(), { target: { value: 'Keep this between us' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/chat/${ID}`));
    await waitFor(() => expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(2));
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({
      avatarId: aria.id,
      model: null,
      incognito: true,
    });
    expect(api.requests.filter((r) => r.method === 'POST')[1]?.path).toBe(
      `/api/conversations/${ID}/messages`,
    );
    // The chat itself says so.
    expect(await screen.findByText(HEADLINE)).toBeTruthy();
  });

  it('an ordinary chat has no banner and is created without incognito', async () => {
    const api = server();
    const { router } = renderApp({ fetch: api.fetch, path: `/chat/new?avatar=${aria.id}` });
    fireEvent.change(await screen.findByRole('textbox', { name: 'Message' }), { target: { value: 'Hi' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/chat/${PLAIN_ID}`));
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ avatarId: aria.id, model: null });
    await screen.findByText('Hello Ada.');
    expect(screen.queryByText(HEADLINE)).toBeNull();
  });

  it('keeps the new chat’s text nowhere once the switch is on', async () => {
    const api = server();
    renderApp({ fetch: api.fetch, path: `/chat/new?avatar=${aria.id}` });
    const key = draftKey(ada.id, `new:${aria.id}`);
    fireEvent.change(await screen.findByRole('textbox', { name: 'Message' }), { target: { value: 'kept' } });
    await waitFor(() => expect(window.localStorage.getItem(key)).toContain('kept'));
    fireEvent.click(incognitoSwitch());
    expect(window.localStorage.getItem(key)).toBeNull();
    fireEvent.change(box(), { target: { value: 'kept, then a secret' } });
    expect(box().value).toBe('kept, then a secret');
    expect(window.localStorage.getItem(key)).toBeNull();
  });

  it('keeps an incognito chat’s unsent text nowhere, unlike an ordinary chat’s', async () => {
    const api = server();
    renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
    await screen.findByText(HEADLINE);
    fireEvent.change(box(), { target: { value: 'half a secret' } });
    expect(window.localStorage.getItem(draftKey(ada.id, ID))).toBeNull();
    cleanup();

    renderApp({ fetch: api.fetch, path: `/chat/${PLAIN_ID}` });
    await screen.findByText('Hello Ada.');
    fireEvent.change(box(), { target: { value: 'a kept draft' } });
    await waitFor(() =>
      expect(window.localStorage.getItem(draftKey(ada.id, PLAIN_ID))).toContain('a kept draft'),
    );
  });

  it('“End now” deletes the chat after a confirm and opens a new incognito chat', async () => {
    const api = server();
    const { router } = renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
    fireEvent.click(await screen.findByRole('button', { name: 'End now' }));
    const dialog = await screen.findByRole('dialog', { name: 'End this incognito chat?' });
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'End and delete' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/chat/new'));
    expect(router.state.location.search).toBe(`?avatar=${aria.id}&incognito=1`);
    expect(api.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      `/api/conversations/${ID}`,
    ]);
    await screen.findByRole('heading', { name: 'New incognito chat' });
    expect(incognitoSwitch().getAttribute('aria-checked')).toBe('true');
  });
});
