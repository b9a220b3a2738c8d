import { LuminaApiError, readConversationEvents } from '@lumina/sdk';
import { type InfiniteData, type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { conversationEventAction, reconnectDelayMs } from './conversation-events';
import {
  type Branch,
  branchQueryKey,
  CONVERSATIONS_QUERY_KEY,
  type Conversation,
  contextQueryKey,
} from './conversations';
import { isAbort } from './event-stream';
import { useLuminaClient } from './lumina-client';

interface ListPage {
  conversations: Conversation[];
  nextCursor: string | null;
}

/** Answers after which following the conversation is pointless: gone, or signed out. */
const FINAL_STATUSES = new Set([401, 403, 404]);

/**
 * Follows the open conversation's events stream while the page is mounted: applies automatic
 * titles (header, list) and fetches the branch again when a reply it does not show starts (sent
 * from another tab or device), so the page picks it up and follows it. `shown` is what the page
 * shows now and `busy` whether this tab is streaming a reply (lib/conversation-events.ts).
 * Reconnects with back-off after a dropped connection, catching up with one branch fetch; stops
 * for good on 401/403/404; closes on unmount.
 */
export function useConversationEvents(
  conversationId: string,
  view: { shown: readonly { id: string }[]; busy: boolean },
) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const viewRef = useRef(view);
  viewRef.current = view;

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let connectedBefore = false;
    const knows = (messageId: string) =>
      viewRef.current.shown.some((m) => m.id === messageId) ||
      (queryClient
        .getQueryData<Branch>(branchQueryKey(conversationId))
        ?.messages.some((m) => m.id === messageId) ??
        false);
    const refresh = refresher(queryClient, conversationId, knows);
    // The automatic title heard last: a fetch of the branch or the list that left before the
    // title was stored would bring the old one back over it, so it is put again after such a fetch.
    let heardTitle: string | null = null;
    const stale = (c: Pick<Conversation, 'id' | 'title' | 'titleSource'>) =>
      c.id === conversationId && c.titleSource === 'auto' && heardTitle !== null && c.title !== heardTitle;
    const unsubscribe = queryClient.getQueryCache().subscribe((event) => {
      if (heardTitle === null || event.type !== 'updated' || event.action.type !== 'success') return;
      const data = event.query.state.data as Branch | InfiniteData<ListPage> | undefined;
      if (!data || typeof data !== 'object') return;
      const conversations =
        'pages' in data ? data.pages.flatMap((page) => page.conversations ?? []) : [data.conversation];
      if (conversations.some((c) => c && stale(c))) putTitle(queryClient, conversationId, heardTitle);
    });

    const connect = async () => {
      try {
        const { response } = await lumina.GET('/api/conversations/{id}/events', {
          params: { path: { id: conversationId } },
          parseAs: 'stream',
          signal: abort.signal,
        });
        // Replies that started while we were away were not heard: fetch the branch once.
        if (connectedBefore && !viewRef.current.busy) refresh(null);
        connectedBefore = true;
        for await (const event of readConversationEvents(response.body!, abort.signal)) {
          failures = 0;
          const action = conversationEventAction(conversationId, event, {
            busy: viewRef.current.busy,
            knows,
          });
          if (action.kind === 'title') {
            heardTitle = action.title;
            putTitle(queryClient, conversationId, action.title);
          } else if (action.kind === 'refetch') refresh(action.messageId);
        }
      } catch (error) {
        if (abort.signal.aborted || isAbort(error)) return;
        if (error instanceof LuminaApiError && FINAL_STATUSES.has(error.status)) return;
      }
      if (abort.signal.aborted) return;
      timer = setTimeout(() => void connect(), reconnectDelayMs(failures++));
    };
    void connect();
    return () => {
      abort.abort();
      clearTimeout(timer);
      unsubscribe();
    };
  }, [conversationId, lumina, queryClient]);
}

/**
 * Fetches the branch again, one fetch at a time: starts that arrive while a fetch is in flight
 * (a turn's user message and its reply come together) get one more fetch only if that fetch did
 * not bring them. `null` asks for a fetch whatever is shown (after a reconnect).
 */
function refresher(queryClient: QueryClient, conversationId: string, knows: (messageId: string) => boolean) {
  let inFlight = false;
  const waiting = new Set<string | null>();
  const run = () => {
    inFlight = true;
    waiting.clear();
    void Promise.all([
      queryClient.invalidateQueries({ queryKey: branchQueryKey(conversationId) }),
      queryClient.invalidateQueries({ queryKey: contextQueryKey(conversationId) }),
      queryClient.invalidateQueries({ queryKey: CONVERSATIONS_QUERY_KEY }),
    ]).finally(() => {
      inFlight = false;
      if ([...waiting].some((id) => id === null || !knows(id))) run();
      else waiting.clear();
    });
  };
  return (messageId: string | null) => {
    waiting.add(messageId);
    if (!inFlight) run();
  };
}

/** The automatic title into the branch and every cached list page. */
function putTitle(queryClient: QueryClient, conversationId: string, title: string) {
  queryClient.setQueryData<Branch>(branchQueryKey(conversationId), (branch) =>
    branch ? { ...branch, conversation: { ...branch.conversation, title } } : branch,
  );
  queryClient.setQueriesData<InfiniteData<ListPage>>({ queryKey: ['conversations', 'list'] }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            conversations: page.conversations.map((c) => (c.id === conversationId ? { ...c, title } : c)),
          })),
        }
      : data,
  );
}
