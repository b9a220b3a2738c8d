import type { components, LuminaClient, paths } from '@lumina/sdk';
import {
  type InfiniteData,
  keepPreviousData,
  type QueryClient,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { useLuminaClient } from './lumina-client';

/** A conversation as the API presents it (presenters/conversation.presenter.ts). */
export type Conversation = components['schemas']['Conversation'];
/** One message of the tree; `siblingIds` in the branch view. */
export type ChatMessage = components['schemas']['Message'];
export type MessageStatus = ChatMessage['status'];

export interface Branch {
  conversation: Conversation;
  messages: ChatMessage[];
}

export type ConversationPatch = NonNullable<
  paths['/api/conversations/{id}']['patch']['requestBody']
>['content']['application/json'];

export interface ConversationFilters {
  avatarId?: string | undefined;
  tag?: string | undefined;
  archived?: boolean | undefined;
}

export const CONVERSATIONS_QUERY_KEY = ['conversations'] as const;
export const conversationListKey = (filters: ConversationFilters) =>
  ['conversations', 'list', filters] as const;
export const branchQueryKey = (id: string) => ['conversation', id, 'branch'] as const;
export const contextQueryKey = (id: string) => ['conversation', id, 'context'] as const;

interface ListPage {
  conversations: Conversation[];
  nextCursor: string | null;
}

/** The person's conversations (pinned first, then by last activity), page by page. */
export function useConversations(filters: ConversationFilters, enabled = true) {
  const lumina = useLuminaClient();
  return useInfiniteQuery({
    queryKey: conversationListKey(filters),
    enabled,
    initialPageParam: null as string | null,
    getNextPageParam: (page: ListPage) => page.nextCursor,
    placeholderData: keepPreviousData,
    queryFn: async ({ pageParam, signal }): Promise<ListPage> => {
      const query: Record<string, string> = { limit: '50' };
      if (filters.avatarId) query.avatarId = filters.avatarId;
      if (filters.tag) query.tag = filters.tag;
      if (filters.archived !== undefined) query.archived = String(filters.archived);
      if (pageParam) query.cursor = pageParam;
      const { data } = await lumina.GET('/api/conversations', { params: { query }, signal });
      return { conversations: data?.conversations ?? [], nextCursor: data?.nextCursor ?? null };
    },
  });
}

/** The visible branch of a conversation, root first, each message with its siblings. */
export function useBranch(id: string) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: branchQueryKey(id),
    queryFn: async ({ signal }): Promise<Branch> => {
      const { data } = await lumina.GET('/api/conversations/{id}/messages', {
        params: { path: { id }, query: { view: 'branch' } },
        signal,
      });
      if (!data) throw new Error('The server answered without the conversation');
      return data;
    },
  });
}

/** Every cached list page and the branch agree on a conversation after a change. */
export function putConversation(queryClient: QueryClient, conversation: Conversation) {
  queryClient.setQueriesData<InfiniteData<ListPage>>({ queryKey: ['conversations', 'list'] }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            conversations: page.conversations.map((c) => (c.id === conversation.id ? conversation : c)),
          })),
        }
      : data,
  );
  queryClient.setQueryData<Branch>(branchQueryKey(conversation.id), (branch) =>
    branch ? { ...branch, conversation } : branch,
  );
}

export function usePatchConversation() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, patch }: { id: string; patch: ConversationPatch }): Promise<Conversation> => {
      const { data } = await lumina.PATCH('/api/conversations/{id}', {
        params: { path: { id } },
        body: patch,
      });
      return data!.conversation;
    },
    onSuccess: (conversation, { patch }) => {
      putConversation(queryClient, conversation);
      if (patch.activeLeafId !== undefined)
        void queryClient.invalidateQueries({ queryKey: branchQueryKey(conversation.id) });
      // What the next reply is sent changes with its prompt or its model.
      if (patch.prompt !== undefined || patch.model !== undefined)
        void queryClient.invalidateQueries({ queryKey: contextQueryKey(conversation.id) });
      // Pinning and archiving move it between groups and filters; the server orders the list.
      if (patch.pinned !== undefined || patch.archived !== undefined || patch.tags !== undefined)
        void queryClient.invalidateQueries({ queryKey: CONVERSATIONS_QUERY_KEY });
    },
  });
}

/** The page of a conversation not stored yet with this avatar (stored on its first message). */
export const newChatPath = (avatarId: string) => `/chat/new?avatar=${encodeURIComponent(avatarId)}`;

export function useCreateConversation() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: {
      avatarId: string;
      model?: string | null;
      /** Not saved, not remembered; fixed for the conversation's life. */
      incognito?: boolean;
    }): Promise<Branch> => {
      const { data } = await lumina.POST('/api/conversations', { body: input });
      return data!;
    },
    onSuccess: (branch) => {
      queryClient.setQueryData(branchQueryKey(branch.conversation.id), branch);
      void queryClient.invalidateQueries({ queryKey: CONVERSATIONS_QUERY_KEY });
    },
  });
}

export function useForkConversation() {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, messageId }: { id: string; messageId: string }): Promise<Conversation> => {
      const { data } = await lumina.POST('/api/conversations/{id}/fork', {
        params: { path: { id } },
        body: { messageId },
      });
      return data!.conversation;
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: CONVERSATIONS_QUERY_KEY }),
  });
}

/** Deletes a message and everything below it (a branch). */
/**
 * Deletes a message: `branch`, it and everything after it; `message`, only it (what followed it
 * moves up to its parent).
 */
export function useDeleteMessage(conversationId: string) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ messageId, scope }: { messageId: string; scope: 'message' | 'branch' }) => {
      await lumina.DELETE('/api/messages/{id}', { params: { path: { id: messageId }, query: { scope } } });
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: branchQueryKey(conversationId) });
      void queryClient.invalidateQueries({ queryKey: CONVERSATIONS_QUERY_KEY });
    },
  });
}

/** Replaces a message's text where it is (PATCH /api/messages/:id): no new alternative, no model call. */
export function useEditMessageInPlace(conversationId: string) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ messageId, content }: { messageId: string; content: string }) => {
      const { data } = await lumina.PATCH('/api/messages/{id}', {
        params: { path: { id: messageId } },
        body: { content },
      });
      return data!.message;
    },
    onSuccess: (message) => {
      // Shown at once; the fetch that follows brings everything else the edit touched.
      queryClient.setQueryData<Branch>(branchQueryKey(conversationId), (branch) =>
        branch
          ? {
              ...branch,
              messages: branch.messages.map((m) =>
                m.id === message.id ? { ...message, siblingIds: m.siblingIds } : m,
              ),
            }
          : branch,
      );
      void queryClient.invalidateQueries({ queryKey: branchQueryKey(conversationId) });
      void queryClient.invalidateQueries({ queryKey: CONVERSATIONS_QUERY_KEY });
    },
  });
}

/** Deletes a conversation now; `keepalive` lets the request outlive a closing page. */
export async function deleteConversation(client: LuminaClient, id: string, keepalive = false) {
  await client.DELETE('/api/conversations/{id}', { params: { path: { id } }, keepalive });
}

export const EXPORT_FORMATS = [
  { format: 'json', label: 'Lumina JSON', hint: 'Every branch; imports back losslessly' },
  { format: 'md', label: 'Markdown', hint: 'The visible branch, for reading' },
  {
    format: 'sillytavern',
    label: 'SillyTavern chat',
    hint: 'The visible branch, other replies as swipes (.jsonl)',
  },
] as const;
export type ConversationExportFormat = (typeof EXPORT_FORMATS)[number]['format'];

export function conversationExportUrl(id: string, format: ConversationExportFormat): string {
  return `/api/conversations/${encodeURIComponent(id)}/export?format=${format}`;
}

/** The title to show: the stored one, or a placeholder while the automatic one is being made. */
export function displayTitle(conversation: Pick<Conversation, 'title'>): string {
  return conversation.title.trim() || 'New conversation';
}
