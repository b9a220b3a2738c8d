import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { chatRoutes } from './conversations';
import { useLuminaClient } from './lumina-client';

/** A piece of a snippet: plain text, `match` when the search found it there. Rendered as text only. */
export interface SnippetSegment {
  text: string;
  match: boolean;
}

export interface SearchHit {
  messageId: string;
  conversationId: string;
  conversationTitle: string;
  avatarId: string;
  role: 'user' | 'assistant' | 'system';
  model: string | null;
  createdAt: string;
  snippet: SnippetSegment[];
  rank: number;
}

export interface SearchJump {
  conversationId: string;
  messageId: string;
  activeLeafId: string;
  onActiveBranch: boolean;
}

/** `value` once typing has paused for `delayMs`. */
export function useSettledValue<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/** Full-text search over the person's messages (GET /api/search), best matches first. */
export function useMessageSearch(
  query: string,
  filters: { avatarId?: string | undefined; tag?: string | undefined },
) {
  const lumina = useLuminaClient();
  const q = query.trim();
  return useQuery({
    queryKey: ['search', q, filters],
    enabled: q.length > 0,
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) => {
      const params: Record<string, string> = { q, limit: '30' };
      if (filters.avatarId) params.avatarId = filters.avatarId;
      if (filters.tag) params.tag = filters.tag;
      const { data } = await chatRoutes(lumina).GET('/api/search', { params: { query: params }, signal });
      const answer = data as { hits?: SearchHit[]; truncated?: boolean } | undefined;
      return { hits: answer?.hits ?? [], truncated: answer?.truncated ?? false };
    },
  });
}

/**
 * Where a hit is and which leaf shows it (GET /api/search/jump/:id); when it is on another
 * branch, the conversation is switched to that branch (PATCH activeLeafId).
 */
export async function prepareJump(
  client: Parameters<typeof chatRoutes>[0],
  messageId: string,
): Promise<SearchJump> {
  const routes = chatRoutes(client);
  const { data } = await routes.GET('/api/search/jump/{id}', { params: { path: { id: messageId } } });
  const jump = data as SearchJump;
  if (!jump.onActiveBranch)
    await routes.PATCH('/api/conversations/{id}', {
      params: { path: { id: jump.conversationId } },
      body: { activeLeafId: jump.activeLeafId },
    });
  return jump;
}
