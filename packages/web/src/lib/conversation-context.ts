import { useQuery } from '@tanstack/react-query';
import { chatRoutes, contextQueryKey } from './conversations';
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

/** Reads the preview loosely: the indicator shows what it finds and nothing when it finds nothing. */
export function toContextUse(raw: unknown): ContextUse | null {
  const data = (raw ?? {}) as Record<string, unknown>;
  const context = (data.context ?? data) as Record<string, unknown>;
  const tokens = (context.tokens ?? {}) as Record<string, unknown>;
  const used = Number(tokens.total ?? tokens.used);
  const window = Number(tokens.window ?? tokens.contextWindow);
  if (!Number.isFinite(used) || !Number.isFinite(window) || window <= 0) return null;
  const summary = context.summary as { coveredMessages?: number } | null | undefined;
  const dropped = context.dropped as { messageIds?: unknown[]; count?: number } | undefined;
  return {
    used,
    window,
    windowGuessed: tokens.windowSource === 'default',
    summary: summary ? { coveredMessages: Number(summary.coveredMessages ?? 0) } : null,
    summarizing: Boolean(context.summarizing ?? data.summarizing),
    dropped: Array.isArray(dropped?.messageIds) ? dropped.messageIds.length : Number(dropped?.count ?? 0),
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
      const { data } = await chatRoutes(lumina).GET('/api/conversations/{id}/context', {
        params: { path: { id: conversationId } },
        signal,
      });
      return toContextUse(data);
    },
  });
}
