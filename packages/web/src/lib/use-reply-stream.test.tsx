import { createLuminaClient } from '@lumina/sdk';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { type Branch, branchQueryKey, type ChatMessage } from './conversations';
import { LuminaClientProvider } from './lumina-client';
import { useReplyStream } from './use-reply-stream';

afterEach(cleanup);

const CONVERSATION = '0190a4c2-0000-7000-8000-000000000001';
const QUESTION = '0190a4c2-0000-7000-8000-000000000003';
const ORIGINAL = '0190a4c2-0000-7000-8000-000000000004';
const CONTINUED = '0190a4c2-0000-7000-8000-000000000005';

const message = (fields: Partial<ChatMessage>): ChatMessage =>
  ({
    conversationId: CONVERSATION,
    parts: [{ type: 'text', text: fields.content ?? '' }],
    turnId: QUESTION,
    speaker: null,
    status: 'complete',
    error: null,
    model: null,
    finishReason: null,
    usage: null,
    timings: null,
    hasSummary: false,
    metadata: {},
    createdAt: '2025-03-01T10:00:00.000Z',
    updatedAt: '2025-03-01T10:00:00.000Z',
    ...fields,
  }) as ChatMessage;

const branch = {
  conversation: { id: CONVERSATION, title: 'Stories' },
  messages: [
    message({
      id: QUESTION,
      parentId: null,
      role: 'user',
      content: 'Tell me a story',
      siblingIds: [QUESTION],
    }),
    message({
      id: ORIGINAL,
      parentId: QUESTION,
      role: 'assistant',
      content: 'Once upon a time',
      status: 'cancelled',
      siblingIds: [ORIGINAL],
    }),
  ],
} as unknown as Branch;

/** The server's answer to a continue: the new sibling starts with the reply's text, then goes on. */
const continueStream = [
  {
    type: 'message-start',
    messageId: CONTINUED,
    parentId: QUESTION,
    turnId: QUESTION,
    role: 'assistant',
    participant: null,
    model: 'test/model',
    content: 'Once upon a time',
    createdAt: '2025-03-01T10:01:00.000Z',
  },
  { type: 'text-delta', delta: ', there was' },
  { type: 'text-delta', delta: ' a fox.' },
  { type: 'finish', status: 'complete', finishReason: 'stop', timings: null },
]
  .map((part, index) => `id: ${index + 1}\nevent: ${part.type}\ndata: ${JSON.stringify(part)}\n\n`)
  .join('');

describe('useReplyStream: continue', () => {
  it('posts to the continue route and shows the continued reply as the original’s new sibling', async () => {
    const requests: { method: string; url: string }[] = [];
    const client = createLuminaClient({
      baseUrl: 'http://lumina.test',
      fetch: async (input, init) => {
        const request = input instanceof Request ? input : new Request(input, init);
        requests.push({ method: request.method, url: request.url });
        return new Response(continueStream, { headers: { 'content-type': 'text/event-stream' } });
      },
    });
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    queryClient.setQueryData(branchQueryKey(CONVERSATION), branch);
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={queryClient}>
        <LuminaClientProvider client={client}>{children}</LuminaClientProvider>
      </QueryClientProvider>
    );
    const { result } = renderHook(() => useReplyStream(CONVERSATION, branch), { wrapper });

    await act(() => result.current.continueReply(ORIGINAL));

    expect(requests[0]).toEqual({
      method: 'POST',
      url: `http://lumina.test/api/messages/${ORIGINAL}/continue`,
    });
    expect(result.current.requestError).toBeNull();
    expect(result.current.streaming).toBe(false);
    // The finished stream is put into the branch cache: the continued reply replaces the
    // original in the visible branch, with the original one step back among its siblings.
    const shown = queryClient.getQueryData<Branch>(branchQueryKey(CONVERSATION))!.messages;
    expect(shown.map((m) => m.id)).toEqual([QUESTION, CONTINUED]);
    expect(shown[1]).toMatchObject({
      parentId: QUESTION,
      content: 'Once upon a time, there was a fox.',
      status: 'complete',
      siblingIds: [ORIGINAL, CONTINUED],
    });
  });
});
