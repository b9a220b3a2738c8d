import { readConversationEvents, readStreamParts } from '@lumina/sdk';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Attachment } from './attachments';
import { applyCompareEvent, type LiveCompare } from './compare';
import { branchQueryKey, type ChatMessage, CONVERSATIONS_QUERY_KEY, contextQueryKey } from './conversations';
import { isAbort } from './event-stream';
import { useLuminaClient } from './lumina-client';

export const treeQueryKey = (id: string) => ['conversation', id, 'tree'] as const;

/**
 * Every message of a conversation (`?view=tree`), read only while the branch shows a compare:
 * its columns are the siblings the branch does not carry. Read again every second while one of
 * them is still being written by another tab or after a reload.
 */
export function useConversationTree(conversationId: string, enabled: boolean) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: treeQueryKey(conversationId),
    enabled,
    queryFn: async ({ signal }): Promise<ChatMessage[]> => {
      const { data } = await lumina.GET('/api/conversations/{id}/messages', {
        params: { path: { id: conversationId }, query: { view: 'tree' } },
        signal,
      });
      return data?.messages ?? [];
    },
    refetchInterval: (query) =>
      query.state.data?.some((m) => m.status === 'streaming' && m.role === 'assistant') ? 1000 : false,
  });
}

/**
 * Runs compares and merges of one conversation from this tab: streams every column at once into
 * `live`, stops them together, and once they end reads the branch and the tree again (the
 * server's copy then wins). One at a time; `error` is a request the server refused.
 */
export function useCompare(conversationId: string) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [live, setLive] = useState<LiveCompare | null>(null);
  const [error, setError] = useState<unknown>(null);
  const liveRef = useRef<LiveCompare | null>(null);
  const controller = useRef<AbortController | null>(null);
  const mergeReply = useRef<string | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const refresh = useCallback(async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: branchQueryKey(conversationId) }),
      queryClient.invalidateQueries({ queryKey: treeQueryKey(conversationId) }),
      queryClient.invalidateQueries({ queryKey: contextQueryKey(conversationId) }),
      queryClient.invalidateQueries({ queryKey: CONVERSATIONS_QUERY_KEY }),
    ]);
  }, [conversationId, queryClient]);

  /** Opens a stream, folds its parts into `live` once a frame, and settles when it ends. */
  const run = useCallback(
    async (
      initial: LiveCompare,
      open: (signal: AbortSignal) => Promise<Response>,
      read: (
        response: Response,
        signal: AbortSignal,
        apply: (
          event: Parameters<typeof applyCompareEvent>[1],
          mark?: Parameters<typeof applyCompareEvent>[2],
        ) => void,
      ) => Promise<void>,
      onAccepted?: () => void,
    ) => {
      if (controller.current) return;
      const abort = new AbortController();
      controller.current = abort;
      setError(null);
      liveRef.current = initial;
      setLive(initial);
      let frame = 0;
      const flush = () => {
        frame = 0;
        setLive(liveRef.current);
      };
      try {
        const response = await open(abort.signal);
        onAccepted?.();
        // The question and the first column are stored: the branch shows them, the board fills in.
        void refresh();
        await read(response, abort.signal, (event, mark) => {
          liveRef.current = applyCompareEvent(liveRef.current!, event, mark);
          frame ||= requestAnimationFrame(flush);
        });
      } catch (err) {
        if (!(abort.signal.aborted || isAbort(err))) setError(err);
      } finally {
        if (frame) cancelAnimationFrame(frame);
        flush();
        controller.current = null;
        mergeReply.current = null;
        await refresh();
        liveRef.current = null;
        setLive(null);
      }
    },
    [refresh],
  );

  const compare = useCallback(
    (
      content: string,
      models: readonly string[],
      options: { attachments?: readonly Attachment[]; onAccepted?: () => void } = {},
    ) =>
      run(
        { questionId: null, columns: [] },
        async (signal) => {
          const { response } = await lumina.POST('/api/conversations/{id}/compare', {
            params: { path: { id: conversationId } },
            body: {
              content,
              models: [...models],
              ...(options.attachments?.length ? { attachments: options.attachments.map((a) => a.id) } : {}),
            },
            parseAs: 'stream',
            signal,
          });
          return response;
        },
        async (response, signal, apply) => {
          // Columns keep the order the models were chosen in, whichever starts streaming first.
          const order = response.headers.get('x-lumina-reply-ids')?.split(',') ?? [];
          for await (const event of readConversationEvents(response.body!, signal))
            apply(event, { index: order.indexOf(event.messageId) });
        },
        options.onAccepted,
      ),
    [lumina, conversationId, run],
  );

  /** A merge or a consensus: one more column, written by `model` from `replyIds`. */
  const judged = useCallback(
    (kind: 'merge' | 'consensus', questionId: string, model: string, replyIds: readonly string[]) =>
      run(
        { questionId, columns: [] },
        async (signal) => {
          const { response } = await lumina.POST(
            kind === 'merge' ? '/api/messages/{id}/merge' : '/api/messages/{id}/consensus',
            {
              params: { path: { id: questionId } },
              body: { model, replyIds: [...replyIds] },
              parseAs: 'stream',
              signal,
            },
          );
          return response;
        },
        async (response, signal, apply) => {
          let messageId = '';
          for await (const { id: _id, ...part } of readStreamParts(response.body!, signal)) {
            if (part.type === 'message-start') {
              messageId = part.messageId;
              mergeReply.current = messageId;
              // Marked at once, so the column sorts after the compared ones.
              apply({ messageId, part }, { [kind]: { model, from: [...replyIds] } });
            } else apply({ messageId, part });
          }
        },
      ),
    [lumina, run],
  );
  const merge = useCallback(
    (questionId: string, model: string, replyIds: readonly string[]) =>
      judged('merge', questionId, model, replyIds),
    [judged],
  );
  const consensus = useCallback(
    (questionId: string, model: string, replyIds: readonly string[]) =>
      judged('consensus', questionId, model, replyIds),
    [judged],
  );

  /** Stops every column on the server (the text so far is kept); the stream then ends by itself. */
  const stop = useCallback(async () => {
    const state = liveRef.current;
    const merging = mergeReply.current;
    if (merging) {
      await lumina
        .POST('/api/messages/{id}/cancel', { params: { path: { id: merging } } })
        .catch(() => undefined);
    } else if (state?.questionId) {
      await lumina
        .POST('/api/messages/{id}/cancel-replies', { params: { path: { id: state.questionId } } })
        .catch(() => undefined);
    } else controller.current?.abort();
  }, [lumina]);

  return {
    live,
    streaming: live !== null,
    error,
    clearError: () => setError(null),
    compare,
    merge,
    consensus,
    stop,
  };
}
