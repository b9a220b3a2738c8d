import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ada, avatar } from '../../test/avatar-fixtures';
import { conversationFixture, greetingFixture } from '../../test/conversation-fixtures';
import { model, sseResponse } from '../../test/model-fixtures';
import { apiError, fakeApi, renderApp } from '../../test/render';

// Starting a chat stores nothing: the conversation is created by its first message, so opening
// "New chat" and leaving leaves no empty conversation behind.

const ID = '0199a1b2-0000-7000-8000-00000000e0e0';
const GREETING_ID = '0199a1b2-0000-7000-8000-00000000e0e1';
const aria = avatar({ name: 'Aria', greeting: 'Hello **{{user}}**, I am {{char}}.' });

const conversation = conversationFixture({
  id: ID,
  avatarId: aria.id,
  title: '',
  titleSource: 'auto',
  activeLeafId: GREETING_ID,
});
const greeting = greetingFixture(
  { id: GREETING_ID, conversationId: ID, content: 'Hello Ada, I am Aria.' },
  aria.id,
);

function accepted(content: string) {
  const userId = '0199a1b2-0000-7000-8000-00000000e0f0';
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
        messageId: '0199a1b2-0000-7000-8000-00000000e0f1',
        parentId: userId,
        role: 'assistant',
        model: 'ollama/llama3.2',
      },
    ],
    ['text-delta', { delta: 'Nice to meet you.' }],
    ['finish', { status: 'complete', finishReason: 'stop', timings: null }],
  ]);
}

function server(
  create: (request: Request) => unknown = () => ({ conversation, messages: [greeting] }),
  routes: Parameters<typeof fakeApi>[0] = {},
) {
  return fakeApi({
    'GET /api/auth/me': () => ({ user: ada }),
    'GET /api/avatars': () => ({ avatars: [avatar({ name: 'Lumina' }), aria] }),
    'GET /api/conversations': () => ({ conversations: [], nextCursor: null }),
    'POST /api/conversations': async (request) => {
      const result = await create(request);
      return result instanceof Response ? result : new Response(JSON.stringify(result), { status: 201 });
    },
    [`GET /api/conversations/${ID}/messages`]: () => ({ conversation, messages: [greeting] }),
    [`POST /api/conversations/${ID}/messages`]: async (request) =>
      accepted(((await request.json()) as { content: string }).content),
    'GET /api/models': () => ({
      models: [model('ollama/llama3.2'), model('ollama/qwen3')],
      defaultModel: { id: 'ollama/llama3.2', source: 'automatic' },
    }),
    'GET /api/providers': () => ({ providers: [] }),
    'GET /api/settings': () => ({
      settings: { defaultModel: null, fallbackModels: [], localOnly: false },
      instance: { localOnly: false, lockedByEnvironment: false },
      limits: { maxMessageChars: 1000 },
    }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    ...routes,
  });
}

const box = () => screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement;

describe('a new conversation', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(cleanup);

  it('shows the avatar’s greeting as Markdown and stores nothing until the first message', async () => {
    const api = server();
    renderApp({ fetch: api.fetch, path: `/chat/new?avatar=${aria.id}` });
    const bold = await screen.findByText('Ada', { selector: 'strong' });
    expect(bold.closest('article')?.getAttribute('aria-label')).toBe('Aria’s greeting');
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('fills the greeting with the default persona’s name, as the server will', async () => {
    const persona = { id: '0199a1b2-0000-7000-8000-00000000e0a1', name: 'Captain Ada', description: '' };
    const api = server(undefined, {
      'GET /api/settings': () => ({
        settings: {
          defaultModel: null,
          fallbackModels: [],
          localOnly: false,
          personas: [persona],
          defaultPersonaId: persona.id,
        },
        instance: { localOnly: false, lockedByEnvironment: false },
        limits: { maxMessageChars: 1000 },
      }),
    });
    renderApp({ fetch: api.fetch, path: `/chat/new?avatar=${aria.id}` });
    expect(await screen.findByText('Captain Ada', { selector: 'strong' })).toBeTruthy();
  });

  it('the first send creates the conversation with the chosen model, then sends the message there', async () => {
    const api = server();
    const { router } = renderApp({ fetch: api.fetch, path: `/chat/new?avatar=${aria.id}` });
    fireEvent.click(await screen.findByRole('button', { name: /Model for this conversation/ }));
    fireEvent.click(await screen.findByRole('option', { name: /qwen3/ }));
    fireEvent.change(box(), { target: { value: 'Hi Aria!' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));

    await waitFor(() => expect(router.state.location.pathname).toBe(`/chat/${ID}`));
    await waitFor(() => expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(2));
    const posts = api.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.path, r.body])).toEqual([
      ['/api/conversations', { avatarId: aria.id, model: 'ollama/qwen3' }],
      [`/api/conversations/${ID}/messages`, { content: 'Hi Aria!', parentId: GREETING_ID }],
    ]);
    await waitFor(() => expect(box().value).toBe(''));
    // Back does not send it again.
    expect(router.state.location.state).toBeNull();
  });

  it('when the conversation cannot be created, the text stays in the box and says so', async () => {
    const api = server(() => apiError(503, 'service_busy', 'Busy.', { retryAfterSeconds: 5 }));
    renderApp({ fetch: api.fetch, path: `/chat/new?avatar=${aria.id}` });
    await screen.findByText('Ada', { selector: 'strong' });
    fireEvent.change(box(), { target: { value: 'Hello?' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/Not sent\./);
    expect(alert.textContent).toMatch(/busy/i);
    expect(box().value).toBe('Hello?');
  });
});
