import type { components, LuminaClient, paths } from '@lumina/sdk';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useLuminaClient } from './lumina-client';

/** A piece of a snippet: plain text, `match` when the search found it there. Rendered as text only. */
export type SnippetSegment = components['schemas']['SnippetSegment'];
export type SearchHit = components['schemas']['SearchHit'];
export type SearchJump = components['schemas']['SearchJump'];
type SearchQuery = NonNullable<paths['/api/search']['get']['parameters']['query']>;

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
      const params: SearchQuery = { q, limit: 30 };
      if (filters.avatarId) params.avatarId = filters.avatarId;
      if (filters.tag) params.tag = filters.tag;
      const { data } = await lumina.GET('/api/search', { params: { query: params }, signal });
      return { hits: data?.hits ?? [], truncated: data?.truncated ?? false };
    },
  });
}

/**
 * Where a hit is and which leaf shows it (GET /api/search/jump/:id); when it is on another
 * branch, the conversation is switched to that branch (PATCH activeLeafId).
 */
export async function prepareJump(client: LuminaClient, messageId: string): Promise<SearchJump> {
  const { data } = await client.GET('/api/search/jump/{id}', { params: { path: { id: messageId } } });
  const jump = data!;
  if (!jump.onActiveBranch)
    await client.PATCH('/api/conversations/{id}', {
      params: { path: { id: jump.conversationId } },
      body: { activeLeafId: jump.activeLeafId },
    });
  return jump;
}
