import type { components } from '@lumina/sdk';
import { useQuery } from '@tanstack/react-query';
import { contextQueryKey } from './conversations';
import { useLuminaClient } from './lumina-client';

/** What the context indicator needs from GET /api/conversations/:id/context. */
export interface ContextUse {
  /** Tokens the next turn would send. */
  used: number;
  /** The model's context window. */
  window: number;
  /** The window is a default because the model's own is unknown. */
  windowGuessed: boolean;
  /** A running summary stands in for older messages. */
  summary: { coveredMessages: number } | null;
  /** A summary is being written right now. */
  summarizing: boolean;
  /** Older messages left out (not covered by a summary). */
  dropped: number;
}

export type ConversationContext = components['schemas']['ConversationContext'];

/** The preview reduced to what the indicator shows. */
export function toContextUse(context: ConversationContext): ContextUse {
  return {
    used: context.tokens.total,
    window: context.tokens.window,
    windowGuessed: context.tokens.windowSource === 'default',
    summary: context.summary ? { coveredMessages: context.summary.coveredMessages } : null,
    summarizing: context.summarizing,
    dropped: context.dropped.count,
  };
}

/** How full the context window is for the next turn, and whether a summary is in use. */
export function useContextUse(conversationId: string, enabled: boolean) {
  const lumina = useLuminaClient();
  return useQuery({
    queryKey: contextQueryKey(conversationId),
    enabled,
    retry: false,
    staleTime: 30_000,
    queryFn: async ({ signal }) => {
      const { data } = await lumina.GET('/api/conversations/{id}/context', {
        params: { path: { id: conversationId } },
        signal,
      });
      return data ? toContextUse(data) : null;
    },
  });
}
