import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { draftKey } from '../../lib/message-drafts';
import { installScriptedAudio } from '../../lib/voice/scripted-audio';
import { ada, avatar } from '../../test/avatar-fixtures';
import { conversationFixture, greetingFixture } from '../../test/conversation-fixtures';
import { model, sseResponse } from '../../test/model-fixtures';
import { apiError, fakeApi, renderApp } from '../../test/render';

// The message box never loses what was typed: every way a send can fail leaves the text in the
// box (and saved as a draft), with a message saying it was not sent; only a message the server
// stored clears it. Near the server's limit a counter appears, and over it Send is off.

const ID = '0199a1b2-0000-7000-8000-00000000c0c0';
const GREETING_ID = '0199a1b2-0000-7000-8000-00000000c0c1';
const LIMIT = 100;
const lumina = avatar({ name: 'Lumina', source: 'template:lumina' });

const conversation = conversationFixture({ id: ID, avatarId: lumina.id, activeLeafId: GREETING_ID });
const greeting = greetingFixture(
  { id: GREETING_ID, conversationId: ID, content: 'Hi Ada! I’m Lumina.' },
  lumina.id,
);

/** The server's answer to a send that it stored: the user message, then a short reply. */
function acceptedStream(content: string) {
  const userId = '0199a1b2-0000-7000-8000-00000000c0d0';
  const replyId = '0199a1b2-0000-7000-8000-00000000c0d1';
  const turn = { turnId: userId, participant: null, createdAt: '2026-01-03T00:00:01.000Z' };
  return sseResponse([
    [
      'message-start',
      { ...turn, messageId: userId, parentId: GREETING_ID, role: 'user', model: null, content },
    ],
    [
      'message-start',
      { ...turn, messageId: replyId, parentId: userId, role: 'assistant', model: 'ollama/llama3.2' },
    ],
    ['text-delta', { delta: 'Sure.' }],
    ['finish', { status: 'complete', finishReason: 'stop', timings: null }],
  ]);
}

type SendHandler = (request: Request) => unknown | Promise<unknown>;

function server(onSend: SendHandler, routes: Parameters<typeof fakeApi>[0] = {}) {
  return fakeApi({
    'GET /api/auth/me': () => ({ user: ada }),
    'GET /api/auth/config': () => ({ signupOpen: true, needsFirstAdmin: false }),
    'GET /api/avatars': () => ({ avatars: [lumina] }),
    'GET /api/conversations': () => ({ conversations: [conversation], nextCursor: null }),
    [`GET /api/conversations/${ID}/messages`]: () => ({ conversation, messages: [greeting] }),
    [`POST /api/conversations/${ID}/messages`]: onSend,
    'GET /api/models': () => ({ models: [model('ollama/llama3.2')] }),
    'GET /api/providers': () => ({ providers: [] }),
    'GET /api/settings': () => ({
      settings: { defaultModel: 'ollama/llama3.2', fallbackModels: [], localOnly: false },
      instance: { localOnly: false, lockedByEnvironment: false },
      limits: { maxMessageChars: LIMIT },
    }),
    'GET /health': () => ({ status: 'ok', version: '0.1.0', uptimeSeconds: 1, checks: {} }),
    ...routes,
  });
}

const box = () => screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement;
const sendButton = () => screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement;
const savedDraft = () => {
  const raw = window.localStorage.getItem(draftKey(ada.id, ID));
  return raw ? (JSON.parse(raw) as { text: string }).text : null;
};

async function openConversation(onSend: SendHandler, routes: Parameters<typeof fakeApi>[0] = {}) {
  const api = server(onSend, routes);
  const view = renderApp({ fetch: api.fetch, path: `/chat/${ID}` });
  await screen.findByText('Hi Ada! I’m Lumina.');
  // The limit comes with the settings; wait for it so the counter tests see it.
  await waitFor(() => expect(api.requests.some((r) => r.path === '/api/settings')).toBe(true));
  return { api, ...view };
}

async function type(text: string) {
  fireEvent.change(box(), { target: { value: text } });
}

describe('the message box keeps what was typed', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(cleanup);

  const failures: [string, SendHandler, RegExp][] = [
    [
      '400 message_too_long',
      () => apiError(400, 'message_too_long', 'The message is longer than 100 characters', { maxChars: 100 }),
      /The message is longer than 100 characters\. Shorten it and send again\./,
    ],
    [
      '409 no_model_configured',
      () => apiError(409, 'no_model_configured', 'No model is set up yet.'),
      /No model is set up yet, so there is no one to answer/,
    ],
    [
      '429 rate_limited',
      () => apiError(429, 'rate_limited', 'Too many requests.', { retryAfterSeconds: 12 }),
      /You are sending too fast\. Try again in 12 seconds\./,
    ],
    [
      '503 service_busy',
      () => apiError(503, 'service_busy', 'Busy.', { retryAfterSeconds: 5 }),
      /The server is busy right now\. Try again in 5 seconds\./,
    ],
    [
      '503 database_unavailable',
      () => apiError(503, 'database_unavailable', 'The database is unavailable.'),
      /The server is busy right now\. Try again in a moment\./,
    ],
    [
      '500 internal_error',
      () => apiError(500, 'internal_error', 'Something went wrong on our side.'),
      /Something went wrong on the server/,
    ],
    [
      'a network error (fetch throws)',
      () => {
        throw new TypeError('Failed to fetch');
      },
      /Can’t reach the Lumina server/,
    ],
    [
      'an error as the stream’s first part, before the message is stored',
      () =>
        sseResponse([
          ['error', { code: 'service_busy', message: 'The database is busy.' }],
          ['finish', { status: 'error', finishReason: null, timings: null }],
        ]),
      /The server is busy right now/,
    ],
    [
      'a stream that ends before naming the stored message',
      () => sseResponse([]),
      /The connection ended before the server took the message\./,
    ],
  ];

  it.each(failures)(
    'after %s: the text stays, the pending message goes, the error says so',
    async (_, onSend, says) => {
      await openConversation(onSend);
      await type('Tell me about the Analytical Engine');
      fireEvent.click(sendButton());

      const alert = await screen.findByRole('alert');
      expect(alert.textContent).toMatch(/Not sent\./);
      expect(alert.textContent).toMatch(says);
      expect(box().value).toBe('Tell me about the Analytical Engine');
      expect(savedDraft()).toBe('Tell me about the Analytical Engine');
      // The optimistic copy of the message is gone from the conversation.
      await waitFor(() =>
        expect(document.querySelectorAll('article[data-message-id^="pending:"]').length).toBe(0),
      );
    },
  );

  it('Try again sends the text in the box again, and a stored message clears box and draft', async () => {
    let calls = 0;
    const { api } = await openConversation(async (request) => {
      calls++;
      if (calls === 1) return apiError(503, 'service_busy', 'Busy.', { retryAfterSeconds: 1 });
      const { content } = (await request.json()) as { content: string };
      return acceptedStream(content);
    });
    await type('  Hello there  ');
    fireEvent.click(sendButton());
    fireEvent.click(await screen.findByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(box().value).toBe(''));
    expect(savedDraft()).toBeNull();
    const sends = api.requests.filter((r) => r.method === 'POST');
    expect(sends.map((r) => (r.body as { content: string }).content)).toEqual(['Hello there', 'Hello there']);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('keeps what was typed while the send was on its way', async () => {
    let answer: ((response: Response) => void) | undefined;
    await openConversation(() => new Promise<Response>((resolve) => (answer = resolve)));
    await type('First question');
    fireEvent.click(sendButton());
    await waitFor(() => expect(answer).toBeDefined());
    // The person keeps typing at the end while the server has not answered yet.
    await type('First question\nAnd a second thought');
    await act(async () => answer?.(acceptedStream('First question')));
    await waitFor(() => expect(box().value).toBe('And a second thought'));
    expect(savedDraft()).toBe('And a second thought');
  });

  it('after 401 session_expired the draft waits in storage for the next sign-in', async () => {
    const first = await openConversation(() => apiError(401, 'session_expired', 'Your session has ended.'));
    await type('Do not lose me');
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toMatch(/Your session ended\. Sign in again/);
    expect(savedDraft()).toBe('Do not lose me');
    first.unmount();

    await openConversation(() => acceptedStream('Do not lose me'));
    expect(box().value).toBe('Do not lose me');
  });

  it('a draft survives a reload, per conversation and person', async () => {
    const first = await openConversation(() => acceptedStream(''));
    await type('Half a thought');
    first.unmount();
    await openConversation(() => acceptedStream(''));
    expect(box().value).toBe('Half a thought');
    expect(window.localStorage.getItem(draftKey('someone-else', ID))).toBeNull();
  });
});

describe('the character counter', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(cleanup);

  it('appears at 90% of the server’s limit, and over it turns Send off with the reason', async () => {
    const { api } = await openConversation(() => acceptedStream(''));
    await type('x'.repeat(89));
    expect(screen.queryByText(`89 / ${LIMIT}`)).toBeNull();
    await type('x'.repeat(90));
    const counter = await screen.findByText(`90 / ${LIMIT}`);
    expect(box().getAttribute('aria-describedby')).toBe(counter.id);
    expect(sendButton().disabled).toBe(false);

    // Counted as the server counts: an emoji is two UTF-16 code units; outer spaces are not sent.
    await type(`  ${'😀'.repeat(50)}  `);
    expect(screen.getByText(`100 / ${LIMIT}`)).toBeTruthy();
    expect(sendButton().disabled).toBe(false);
    await type(`${'😀'.repeat(50)}x`);
    expect(screen.getByText(/101 \/ 100 · 1 too many, shorten it to send/)).toBeTruthy();
    expect(sendButton().disabled).toBe(true);
    expect(sendButton().title).toBe('Too long to send: shorten it to 100 characters');
    expect(box().getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/over the limit of 100 characters/)).toBeTruthy(); // the polite announcement

    fireEvent.keyDown(box(), { key: 'Enter' });
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(box().value).toBe(`${'😀'.repeat(50)}x`);
  });
});

describe('choosing a model', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(cleanup);

  it('with no model at all, Send is off and says why, and typing still works', async () => {
    await openConversation(() => acceptedStream(''), {
      'GET /api/models': () => ({ models: [], defaultModel: null }),
    });
    await type('Anyone there?');
    await waitFor(() => expect(sendButton().disabled).toBe(true));
    expect(sendButton().title).toBe('No model is set up yet, so there is no one to answer');
    expect(box().value).toBe('Anyone there?');
    expect(screen.getByText(/No model is set up yet, so there is no one to answer/)).toBeTruthy();
  });

  it('names the model “your default” stands for, and who chose it', async () => {
    await openConversation(() => acceptedStream(''), {
      'GET /api/models': () => ({
        models: [model('ollama/llama3.2')],
        defaultModel: { id: 'ollama/llama3.2', source: 'automatic' },
      }),
    });
    fireEvent.click(await screen.findByRole('button', { name: /Model for this conversation/ }));
    expect(await screen.findByText('llama3.2 · the only model available')).toBeTruthy();
  });

  it('a “no model” refusal goes away once a model is picked', async () => {
    const { api } = await openConversation(
      () => apiError(409, 'no_model_configured', 'No model is set up yet.'),
      {
        [`PATCH /api/conversations/${ID}`]: () => ({
          conversation: { ...conversation, model: 'ollama/llama3.2' },
        }),
      },
    );
    await type('Hello?');
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toMatch(/No model is set up yet/);
    fireEvent.click(screen.getByRole('button', { name: /Model for this conversation/ }));
    fireEvent.click(await screen.findByRole('option', { name: /llama3\.2/ }));
    await waitFor(() => expect(api.requests.some((r) => r.method === 'PATCH')).toBe(true));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(box().value).toBe('Hello?');
  });
});

describe('the conversation’s own prompt', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(cleanup);

  const contextAnswer = (note: boolean) => ({
    conversationId: ID,
    model: null,
    modelError: null,
    messages: [],
    parts: [
      {
        kind: 'system',
        title: 'System prompt',
        role: 'system',
        text: 'You are Lumina.',
        tokens: 4,
        messageIndex: 0,
      },
      ...(note
        ? [
            {
              kind: 'authors_note',
              title: 'Author’s note',
              role: 'system',
              text: '[Be brief.]',
              tokens: 3,
              messageIndex: 1,
            },
          ]
        : []),
      {
        kind: 'message',
        title: 'Lumina',
        role: 'assistant',
        text: 'Hi Ada! I’m Lumina.',
        tokens: 5,
        messageId: GREETING_ID,
        messageIndex: note ? 2 : 1,
      },
    ],
    tokens: {
      total: 20,
      window: 8192,
      windowSource: 'default',
      replyBudget: 512,
      available: 7680,
      overBudget: false,
    },
    summary: null,
    dropped: { count: 0, messageIds: [] },
    memories: { given: 0, included: 0 },
    lore: { activated: 0, tokens: 0, entries: [], dropped: [], warnings: [], budgetExhausted: false },
    needsSummary: false,
    summarizing: false,
  });

  it('sets a system prompt and an author’s note at a depth, and shows where the note goes', async () => {
    let saved = false;
    const { api } = await openConversation(() => acceptedStream(''), {
      [`GET /api/conversations/${ID}/context`]: () => contextAnswer(saved),
      [`PATCH /api/conversations/${ID}`]: async (request) => {
        saved = true;
        const { prompt } = (await request.json()) as { prompt: object };
        return { conversation: { ...conversation, prompt } };
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Prompt for this conversation' }));
    const dialog = await screen.findByRole('dialog', { name: 'Prompt for this conversation' });
    fireEvent.change(screen.getByLabelText('System prompt'), {
      target: { value: '{{original}} Speak like a pirate.' },
    });
    fireEvent.change(screen.getByLabelText('Author’s note'), { target: { value: '[Be brief.]' } });
    fireEvent.change(screen.getByLabelText('Depth'), { target: { value: '101' } });
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
    expect(dialog.textContent).toMatch(/Depth is a whole number from 0 to 100/);
    fireEvent.change(screen.getByLabelText('Depth'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Sent as'), { target: { value: 'user' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() =>
      expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
        prompt: {
          systemPrompt: '{{original}} Speak like a pirate.',
          authorsNote: { text: '[Be brief.]', depth: 2, role: 'user' },
        },
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // The header says a prompt is set; opened again, the inspector shows where the note goes.
    fireEvent.click(screen.getByRole('button', { name: 'Prompt for this conversation' }));
    await waitFor(() => expect(screen.getAllByText('Author’s note', { selector: 'li span' }).length).toBe(2));
    expect((screen.getByLabelText('Author’s note') as HTMLTextAreaElement).value).toBe('[Be brief.]');
  });

  it('sets generation settings for this conversation only, and sends them only when changed', async () => {
    const { api } = await openConversation(() => acceptedStream(''), {
      [`GET /api/conversations/${ID}/context`]: () => contextAnswer(false),
      [`PATCH /api/conversations/${ID}`]: async (request) => {
        const { generation } = (await request.json()) as { generation: object };
        return { conversation: { ...conversation, generation } };
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Prompt for this conversation' }));
    await screen.findByRole('dialog', { name: 'Prompt for this conversation' });
    fireEvent.change(screen.getByLabelText('Seed'), { target: { value: '7' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(api.requests.find((r) => r.method === 'PATCH')?.body).toMatchObject({ generation: { seed: 7 } }),
    );
  });
});

describe('the voice call button', () => {
  const saved = {
    mediaDevices: Object.getOwnPropertyDescriptor(navigator, 'mediaDevices'),
    worklet: globalThis.AudioWorkletNode,
    socket: globalThis.WebSocket,
  };
  let audio: ReturnType<typeof installScriptedAudio>;
  const sockets: string[] = [];
  beforeEach(() => {
    audio = installScriptedAudio();
    // The browser's mic refuses (the person said no); no socket may be opened then.
    Object.defineProperty(navigator, 'mediaDevices', {
      configurable: true,
      value: { getUserMedia: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) },
    });
    globalThis.AudioWorkletNode = class {} as unknown as typeof AudioWorkletNode;
    globalThis.WebSocket = class {
      constructor(url: string) {
        sockets.push(url);
      }
    } as unknown as typeof WebSocket;
  });
  afterEach(() => {
    audio.uninstall();
    if (saved.mediaDevices) Object.defineProperty(navigator, 'mediaDevices', saved.mediaDevices);
    else Reflect.deleteProperty(navigator, 'mediaDevices');
    globalThis.AudioWorkletNode = saved.worklet;
    globalThis.WebSocket = saved.socket;
  });

  it('opens the call screen; a refused microphone says what to do, and closing reads the conversation again', async () => {
    const { api } = await openConversation(() => acceptedStream('hi'));
    const reads = () => api.requests.filter((r) => r.path === `/api/conversations/${ID}/messages`).length;
    fireEvent.click(screen.getByRole('button', { name: 'Call Lumina' }));
    const dialog = await screen.findByRole('dialog', { name: 'Call with Lumina' });
    expect((await screen.findByRole('alert')).textContent).toContain('Microphone access is blocked');
    expect(sockets).toEqual([]);
    expect(dialog.textContent).toContain('The call ended');
    const before = reads();
    fireEvent.click(screen.getByRole('button', { name: 'Back to the chat' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(reads()).toBeGreaterThan(before));
    // Its audio output is let go too.
    expect(audio.closed).toBe(audio.contexts);
  });
});
