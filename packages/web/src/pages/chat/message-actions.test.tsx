import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../lib/conversations';
import { ada, avatar } from '../../test/avatar-fixtures';
import { conversationFixture, greetingFixture } from '../../test/conversation-fixtures';
import { model, sseResponse } from '../../test/model-fixtures';
import { fakeApi, renderApp } from '../../test/render';

// Message actions on the conversation page (issue 12 point 10): ← / → flip the last reply's
// alternatives, → past the last writes a new one.

const ID = '0199a1b2-0000-7000-8000-00000000d0d0';
const GREETING_ID = '0199a1b2-0000-7000-8000-00000000d0d1';
const QUESTION_ID = '0199a1b2-0000-7000-8000-00000000d0d2';
const FIRST_ID = '0199a1b2-0000-7000-8000-00000000d0d3';
const SECOND_ID = '0199a1b2-0000-7000-8000-00000000d0d4';
const lumina = avatar({ name: 'Lumina', source: 'template:lumina' });

const greeting = greetingFixture({ id: GREETING_ID, conversationId: ID, content: 'Hi Ada!' }, lumina.id);
const question: ChatMessage = {
  ...greeting,
  id: QUESTION_ID,
  parentId: GREETING_ID,
  role: 'user',
  content: 'Tell me a story',
  parts: [{ type: 'text', text: 'Tell me a story' }],
  speaker: null,
  siblingIds: [QUESTION_ID],
};
const answer = (id: string, content: string): ChatMessage => ({
  ...greeting,
  id,
  parentId: QUESTION_ID,
  content,
  parts: [{ type: 'text', text: content }],
  siblingIds: [FIRST_ID, SECOND_ID],
});

function server(leaf: ChatMessage, routes: Parameters<typeof fakeApi>[0] = {}) {
  const conversation = conversationFixture({ id: ID, avatarId: lumina.id, activeLeafId: leaf.id });
  return fakeApi({
    'GET /api/auth/me': () => ({ user: ada }),
    'GET /api/auth/config': () => ({ signupOpen: true, needsFirstAdmin: false }),
    'GET /api/avatars': () => ({ avatars: [lumina] }),
    'GET /api/conversations': () => ({ conversations: [conversation], nextCursor: null }),
    [`GET /api/conversations/${ID}/messages`]: () => ({
      conversation,
      messages: leaf === question ? [greeting, question] : [greeting, question, leaf],
    }),
    [`PATCH /api/conversations/${ID}`]: () => ({ conversation }),
    [`POST /api/messages/${SECOND_ID}/regenerate`]: () => sseResponse([]),
    'GET /api/models': () => ({ models: [model('ollama/llama3.2')] }),
    'GET /api/providers': () => ({ providers: [] }),
    'GET /api/settings': () => ({
      settings: { defaultModel: 'ollama/llama3.2', fallbackModels: [], localOnly: false },
      instance: { localOnly: false, lockedByEnvironment: false },
      limits: { maxMessageChars: 1000 },
    }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    ...routes,
  });
}

const box = () => screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement;
const changes = (api: ReturnType<typeof fakeApi>) =>
  api.requests
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`);

describe('← / → on the conversation', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(cleanup);

  it('← shows the previous alternative of the last reply, from a message or the empty box', async () => {
    const api = server(answer(SECOND_ID, 'The second story'));
    renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
    await screen.findByText('The second story');
    const edit = screen.getByRole('button', { name: 'Edit message' });
    edit.focus();
    fireEvent.keyDown(edit, { key: 'ArrowLeft' });
    await waitFor(() =>
      expect(changes(api)).toEqual([`PATCH /api/conversations/${ID} {"activeLeafId":"${FIRST_ID}"}`]),
    );
  });

  it('does nothing while the message box has text, or with a modifier', async () => {
    const api = server(answer(SECOND_ID, 'The second story'));
    renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
    await screen.findByText('The second story');
    fireEvent.change(box(), { target: { value: 'Hello' } });
    fireEvent.keyDown(box(), { key: 'ArrowLeft' });
    fireEvent.keyDown(document.body, { key: 'ArrowLeft', altKey: true });
    fireEvent.keyDown(document.body, { key: 'ArrowLeft', shiftKey: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(changes(api)).toEqual([]);
    // Emptied, the box lets the arrows through.
    fireEvent.change(box(), { target: { value: '' } });
    fireEvent.keyDown(box(), { key: 'ArrowLeft' });
    await waitFor(() => expect(changes(api)).toHaveLength(1));
  });

  it('→ shows the next alternative, and past the last one writes a new reply', async () => {
    const first = server(answer(FIRST_ID, 'The first story'));
    renderApp({ fetch: first.fetch, path: `/chat/${ID}` });
    await screen.findByText('The first story');
    fireEvent.keyDown(document.body, { key: 'ArrowRight' });
    await waitFor(() =>
      expect(changes(first)).toEqual([`PATCH /api/conversations/${ID} {"activeLeafId":"${SECOND_ID}"}`]),
    );
    cleanup();

    const last = server(answer(SECOND_ID, 'The second story'));
    renderApp({ fetch: last.fetch, path: `/chat/${ID}` });
    await screen.findByText('The second story');
    fireEvent.keyDown(document.body, { key: 'ArrowRight' });
    await waitFor(() =>
      expect(changes(last)).toEqual([`POST /api/messages/${SECOND_ID}/regenerate undefined`]),
    );
  });
});

describe('Get a reply', () => {
  afterEach(cleanup);

  it('answers a message of the person’s that has no reply, through the regenerate endpoint', async () => {
    const REPLY_ID = '0199a1b2-0000-7000-8000-00000000d0d9';
    const stored = { ...answer(REPLY_ID, 'Here I am.'), siblingIds: [REPLY_ID] };
    let answered = false;
    const conversation = conversationFixture({ id: ID, avatarId: lumina.id, activeLeafId: QUESTION_ID });
    const api = server(question, {
      // What the server holds once the reply is written.
      [`GET /api/conversations/${ID}/messages`]: () => ({
        conversation: { ...conversation, activeLeafId: answered ? REPLY_ID : QUESTION_ID },
        messages: answered ? [greeting, question, stored] : [greeting, question],
      }),
      [`POST /api/messages/${QUESTION_ID}/regenerate`]: () => {
        answered = true;
        return sseResponse([
          [
            'message-start',
            {
              turnId: QUESTION_ID,
              participant: null,
              createdAt: '2026-01-03T00:00:01.000Z',
              messageId: REPLY_ID,
              parentId: QUESTION_ID,
              role: 'assistant',
              model: 'ollama/llama3.2',
            },
          ],
          ['text-delta', { delta: 'Here I am.' }],
          ['finish', { status: 'complete', finishReason: 'stop', timings: null }],
        ]);
      },
    });
    renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
    fireEvent.click(await screen.findByRole('button', { name: 'Get a reply' }));
    expect(await screen.findByText('Here I am.')).toBeTruthy();
    expect(changes(api)).toEqual([`POST /api/messages/${QUESTION_ID}/regenerate undefined`]);
    // Answered, it is no longer offered.
    expect(screen.queryByRole('button', { name: 'Get a reply' })).toBeNull();
  });
});

describe('Fork from here', () => {
  afterEach(cleanup);

  it('opens the new conversation and says it is a branch, with a way back', async () => {
    const FORK_ID = '0199a1b2-0000-7000-8000-00000000e0e0';
    const forked = conversationFixture({
      id: FORK_ID,
      avatarId: lumina.id,
      title: 'A chat (branch)',
      activeLeafId: QUESTION_ID,
    });
    const api = server(answer(SECOND_ID, 'The second story'), {
      [`POST /api/conversations/${ID}/fork`]: () =>
        new Response(JSON.stringify({ conversation: forked }), {
          status: 201,
          headers: { 'content-type': 'application/json' },
        }),
      [`GET /api/conversations/${FORK_ID}/messages`]: () => ({
        conversation: forked,
        messages: [greeting, { ...question, conversationId: FORK_ID }],
      }),
    });
    const { router } = renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
    await screen.findByText('The second story');
    fireEvent.click(screen.getAllByRole('button', { name: 'Fork from here' })[1]!);
    const toast = await screen.findByText(/Branched into a new conversation/);
    expect(router.state.location.pathname).toBe(`/chat/${FORK_ID}`);
    expect(changes(api)).toEqual([`POST /api/conversations/${ID}/fork {"messageId":"${QUESTION_ID}"}`]);
    expect(toast.closest('[role="status"]')).toBeTruthy();
    const back = screen.getByRole('link', { name: 'Back to “A chat”' });
    expect(back.getAttribute('href')).toBe(`/chat/${ID}`);
    // Said once: the history entry no longer carries it (a reload does not say it again).
    expect(router.state.location.state).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByText(/Branched into a new conversation/)).toBeNull();
  });
});

describe('Edit a reply in place', () => {
  afterEach(cleanup);

  const edited = (content: string) => ({ message: { ...answer(SECOND_ID, content), siblingIds: undefined } });

  it('saves the new text where it is (Ctrl+Enter), with no new alternative', async () => {
    // What the server holds: the text as stored, before and after the edit.
    let stored = 'The secnd story';
    const conversation = conversationFixture({ id: ID, avatarId: lumina.id, activeLeafId: SECOND_ID });
    const api = server(answer(SECOND_ID, stored), {
      [`GET /api/conversations/${ID}/messages`]: () => ({
        conversation,
        messages: [greeting, question, answer(SECOND_ID, stored)],
      }),
      [`PATCH /api/messages/${SECOND_ID}`]: () => {
        stored = 'The second story';
        return edited(stored);
      },
    });
    renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
    await screen.findByText('The secnd story');
    fireEvent.click(screen.getAllByRole('button', { name: 'Edit reply' }).at(-1)!);
    const field = screen.getByRole('textbox', { name: 'Edit the reply' });
    expect(document.activeElement).toBe(field);
    fireEvent.change(field, { target: { value: 'The second story' } });
    // Enter is a new line in a reply; Ctrl+Enter saves.
    fireEvent.keyDown(field, { key: 'Enter' });
    expect(changes(api)).toEqual([]);
    fireEvent.keyDown(field, { key: 'Enter', ctrlKey: true });
    await waitFor(() =>
      expect(changes(api)).toEqual([`PATCH /api/messages/${SECOND_ID} {"content":"The second story"}`]),
    );
    expect(await screen.findByText('The second story')).toBeTruthy();
    expect(screen.queryByRole('textbox', { name: 'Edit the reply' })).toBeNull();
  });

  it('Esc and Cancel leave it as it was; "Save as a new alternative" keeps the original', async () => {
    const api = server(answer(SECOND_ID, 'The second story'), {
      [`POST /api/messages/${SECOND_ID}/edit`]: () => sseResponse([]),
    });
    renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
    await screen.findByText('The second story');
    fireEvent.click(screen.getAllByRole('button', { name: 'Edit reply' }).at(-1)!);
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Edit the reply' }), { key: 'Escape' });
    fireEvent.click(screen.getAllByRole('button', { name: 'Edit reply' }).at(-1)!);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(changes(api)).toEqual([]);

    fireEvent.click(screen.getAllByRole('button', { name: 'Edit reply' }).at(-1)!);
    fireEvent.change(screen.getByRole('textbox', { name: 'Edit the reply' }), {
      target: { value: 'Another telling' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save as a new alternative' }));
    await waitFor(() =>
      expect(changes(api)).toEqual([`POST /api/messages/${SECOND_ID}/edit {"content":"Another telling"}`]),
    );
  });
});

describe('Delete message / Delete from here', () => {
  afterEach(cleanup);

  it.each([
    ['Delete message', 'message', 'Delete this message?', /Only this message will be deleted/],
    ['Delete from here', 'branch', 'Delete from here?', /everything after it/],
  ] as const)(
    '"%s" asks first, saying what goes, then deletes with scope=%s',
    async (item, scope, title, says) => {
      const scopes: (string | null)[] = [];
      const api = server(answer(SECOND_ID, 'The second story'), {
        [`DELETE /api/messages/${QUESTION_ID}`]: (request: Request) => {
          scopes.push(new URL(request.url).searchParams.get('scope'));
          return {
            conversation: conversationFixture({ id: ID, avatarId: lumina.id, activeLeafId: SECOND_ID }),
          };
        },
      });
      const user = userEvent.setup();
      renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
      await screen.findByText('The second story');
      // The question's menu (the second message of the branch).
      await user.click(screen.getAllByRole('button', { name: 'Delete…' })[1]!);
      await user.click(await screen.findByRole('menuitem', { name: new RegExp(item) }));
      const dialog = await screen.findByRole('dialog');
      expect(within(dialog).getByText(title)).toBeTruthy();
      expect(within(dialog).getByText(says)).toBeTruthy();
      expect(scopes).toEqual([]);
      await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
      await waitFor(() => expect(scopes).toEqual([scope]));
      await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    },
  );
});

describe('Impersonate', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(cleanup);

  it('streams the model’s words into the message box, after what was typed, to edit and send', async () => {
    const api = server(answer(SECOND_ID, 'The second story'), {
      [`POST /api/conversations/${ID}/impersonate`]: () =>
        sseResponse([
          ['text-delta', { delta: 'Tell me ' }],
          ['text-delta', { delta: 'another one.' }],
          ['usage', { inputTokens: 10, outputTokens: 3, costUsd: 0 }],
          ['finish', { status: 'complete', finishReason: 'stop', timings: null }],
        ]),
    });
    renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
    await screen.findByText('The second story');
    fireEvent.change(box(), { target: { value: 'Wow.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Impersonate' }));
    await waitFor(() => expect(box().value).toBe('Wow.\nTell me another one.'));
    expect(changes(api)).toEqual([`POST /api/conversations/${ID}/impersonate {}`]);
    // Nothing was sent: the text waits in the box.
    await waitFor(() => expect(box().disabled).toBe(false));
    expect(screen.getByRole('button', { name: 'Impersonate' })).toBeTruthy();
  });

  it('has a shortcut, and tells a model failure as the app tells model errors', async () => {
    const api = server(answer(SECOND_ID, 'The second story'), {
      [`POST /api/conversations/${ID}/impersonate`]: () =>
        sseResponse([
          ['error', { code: 'provider_unavailable', message: 'connect ECONNREFUSED' }],
          ['finish', { status: 'error', finishReason: 'error', timings: null }],
        ]),
    });
    renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
    await screen.findByText('The second story');
    fireEvent.keyDown(box(), { key: 'Y', ctrlKey: true, shiftKey: true });
    expect(
      await screen.findByText(/Lumina couldn’t reach the model provider\. Check that it is running/),
    ).toBeTruthy();
    expect(screen.queryByText(/ECONNREFUSED/)).toBeNull();
    expect(box().value).toBe('');
    expect(changes(api)).toEqual([`POST /api/conversations/${ID}/impersonate {}`]);
  });
});
