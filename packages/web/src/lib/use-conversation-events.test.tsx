import { createLuminaClient } from '@lumina/sdk';
import { type InfiniteData, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Branch, type ChatMessage, type Conversation, useBranch } from './conversations';
import { LuminaClientProvider } from './lumina-client';
import { useConversationEvents } from './use-conversation-events';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const CONVERSATION = '0190a4c2-0000-7000-8000-000000000001';
const GREETING = '0190a4c2-0000-7000-8000-000000000002';
const QUESTION = '0190a4c2-0000-7000-8000-000000000003';
const REPLY = '0190a4c2-0000-7000-8000-000000000004';
const EVENTS_PATH = `/api/conversations/${CONVERSATION}/events`;
const BRANCH_PATH = `/api/conversations/${CONVERSATION}/messages`;

const message = (id: string, parentId: string | null, role: 'user' | 'assistant'): ChatMessage =>
  ({
    id,
    conversationId: CONVERSATION,
    parentId,
    role,
    content: '',
    parts: [],
    siblingIds: [id],
  }) as unknown as ChatMessage;

const conversation = { id: CONVERSATION, title: '', titleSource: 'auto' } as Conversation;
const greetingOnly: Branch = { conversation, messages: [message(GREETING, null, 'assistant')] };
const withReply: Branch = {
  conversation,
  messages: [
    ...greetingOnly.messages,
    message(QUESTION, GREETING, 'user'),
    message(REPLY, QUESTION, 'assistant'),
  ],
};

/** An events response the test writes into, event by event, and can end. */
function eventStream() {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    response: new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    send(messageId: string, seq: number, part: { type: string } & Record<string, unknown>) {
      controller.enqueue(
        encoder.encode(`event: ${part.type}\ndata: ${JSON.stringify({ messageId, seq, part })}\n\n`),
      );
    },
    end() {
      controller.close();
    },
  };
}

const startOf = (messageId: string, parentId: string, role: 'user' | 'assistant') => ({
  type: 'message-start',
  messageId,
  parentId,
  turnId: QUESTION,
  role,
  participant: null,
  model: null,
  createdAt: '2026-01-03T00:00:00.000Z',
});

/**
 * A fake server: each events request takes the next of `streams` (or answers `eventsStatus`), the
 * branch answers `branch()`. Requests are recorded with their abort signals.
 */
function setup(options: {
  streams: ReturnType<typeof eventStream>[];
  branch: () => Branch;
  busy?: () => boolean;
  eventsStatus?: number;
}) {
  const requests: { path: string; signal: AbortSignal }[] = [];
  const client = createLuminaClient({
    baseUrl: 'http://lumina.test',
    fetch: async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const path = new URL(request.url).pathname;
      requests.push({ path, signal: request.signal });
      if (path === EVENTS_PATH) {
        const next = options.streams.shift();
        if (options.eventsStatus || !next)
          return new Response(
            JSON.stringify({ error: { code: 'conversation_not_found', message: 'gone' } }),
            {
              status: options.eventsStatus ?? 404,
              headers: { 'content-type': 'application/json' },
            },
          );
        return next.response;
      }
      if (path === BRANCH_PATH)
        return new Response(JSON.stringify(options.branch()), {
          headers: { 'content-type': 'application/json' },
        });
      return new Response(null, { status: 404 });
    },
  });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  queryClient.setQueryData(['conversations', 'list', {}], {
    pages: [{ conversations: [conversation], nextCursor: null }],
    pageParams: [null],
  });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>
      <LuminaClientProvider client={client}>{children}</LuminaClientProvider>
    </QueryClientProvider>
  );
  const hook = renderHook(
    () => {
      const branch = useBranch(CONVERSATION);
      useConversationEvents(CONVERSATION, {
        shown: branch.data?.messages ?? [],
        busy: options.busy?.() ?? false,
      });
      return branch;
    },
    { wrapper },
  );
  const count = (path: string) => requests.filter((r) => r.path === path).length;
  return { hook, queryClient, requests, count };
}

describe('useConversationEvents', () => {
  it('puts a title from the events stream into the header’s branch and the conversation list', async () => {
    const stream = eventStream();
    const { hook, queryClient } = setup({ streams: [stream], branch: () => greetingOnly });
    await waitFor(() => expect(hook.result.current.data).toBeDefined());

    act(() => stream.send(REPLY, 0, { type: 'title', conversationId: CONVERSATION, title: 'Tide times' }));

    await waitFor(() => expect(hook.result.current.data?.conversation.title).toBe('Tide times'));
    const list = queryClient.getQueryData<InfiniteData<{ conversations: Conversation[] }>>([
      'conversations',
      'list',
      {},
    ]);
    expect(list?.pages[0]?.conversations[0]?.title).toBe('Tide times');
  });

  it('keeps the title when a fetch that left before it was stored comes back with the old one', async () => {
    const stream = eventStream();
    const { hook, queryClient } = setup({ streams: [stream], branch: () => greetingOnly });
    await waitFor(() => expect(hook.result.current.data).toBeDefined());
    act(() => stream.send(REPLY, 0, { type: 'title', conversationId: CONVERSATION, title: 'Tide times' }));
    await waitFor(() => expect(hook.result.current.data?.conversation.title).toBe('Tide times'));
    // The branch as a fetch that started before the title brings it: the old (automatic) title.
    act(() => {
      queryClient.setQueryData(['conversation', CONVERSATION, 'branch'], greetingOnly);
    });
    await waitFor(() => expect(hook.result.current.data?.conversation.title).toBe('Tide times'));
  });

  it('fetches the branch once when a reply started in another tab, and not for what it shows', async () => {
    const stream = eventStream();
    let branch = greetingOnly;
    const { hook, count } = setup({ streams: [stream], branch: () => branch });
    await waitFor(() => expect(hook.result.current.data).toBeDefined());
    expect(count(BRANCH_PATH)).toBe(1);

    // A shown message starting again (the stream follows replies already running): nothing to fetch.
    act(() => stream.send(GREETING, 1, startOf(GREETING, GREETING, 'assistant')));
    branch = withReply;
    // Another tab sent: the user message and the reply start together.
    act(() => {
      stream.send(REPLY, 1, startOf(QUESTION, GREETING, 'user'));
      stream.send(REPLY, 2, startOf(REPLY, QUESTION, 'assistant'));
      stream.send(REPLY, 3, { type: 'text-delta', delta: 'Hello' });
    });

    await waitFor(() => expect(hook.result.current.data?.messages.map((m) => m.id)).toContain(REPLY));
    expect(count(BRANCH_PATH)).toBe(2);
    // Its later parts and a repeated start change nothing: the page follows the reply itself.
    act(() => stream.send(REPLY, 2, startOf(REPLY, QUESTION, 'assistant')));
    await act(async () => {});
    expect(count(BRANCH_PATH)).toBe(2);
  });

  it('does not fetch while this tab streams a reply of its own', async () => {
    const stream = eventStream();
    const { hook, count } = setup({ streams: [stream], branch: () => greetingOnly, busy: () => true });
    await waitFor(() => expect(hook.result.current.data).toBeDefined());
    act(() => {
      stream.send(REPLY, 1, startOf(QUESTION, GREETING, 'user'));
      stream.send(REPLY, 2, startOf(REPLY, QUESTION, 'assistant'));
      stream.send(REPLY, 0, { type: 'title', conversationId: CONVERSATION, title: 'Mine' });
    });
    // The title is the last event: once it is applied, the starts before it were seen.
    await waitFor(() => expect(hook.result.current.data?.conversation.title).toBe('Mine'));
    expect(count(BRANCH_PATH)).toBe(1);
  });

  it('reconnects with back-off after the stream drops, catching up with one fetch; closes on unmount', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const first = eventStream();
    const second = eventStream();
    const { hook, count, requests } = setup({ streams: [first, second], branch: () => greetingOnly });
    await vi.waitFor(() => expect(hook.result.current.data).toBeDefined());
    expect(count(EVENTS_PATH)).toBe(1);

    await act(async () => first.end());
    await act(() => vi.advanceTimersByTimeAsync(999));
    expect(count(EVENTS_PATH)).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(1));
    await vi.waitFor(() => expect(count(EVENTS_PATH)).toBe(2));
    // What started while it was away is found by fetching the branch again.
    await vi.waitFor(() => expect(count(BRANCH_PATH)).toBe(2));

    hook.unmount();
    expect(requests.filter((r) => r.path === EVENTS_PATH).at(-1)?.signal.aborted).toBe(true);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(count(EVENTS_PATH)).toBe(2);
  });

  it('stops for good when the conversation is gone', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { hook, count } = setup({ streams: [], branch: () => greetingOnly, eventsStatus: 404 });
    await vi.waitFor(() => expect(hook.result.current.data).toBeDefined());
    await vi.waitFor(() => expect(count(EVENTS_PATH)).toBe(1));
    await act(() => vi.advanceTimersByTimeAsync(120_000));
    expect(count(EVENTS_PATH)).toBe(1);
  });
});
