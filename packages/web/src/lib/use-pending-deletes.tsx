import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { CONVERSATIONS_QUERY_KEY, deleteConversation } from './conversations';
import { useLuminaClient } from './lumina-client';

/** How long "Undo" is offered before a deleted conversation is really deleted. */
export const UNDO_MS = 6000;

interface PendingDelete {
  id: string;
  title: string;
  /** When the delete happens, for the toast's countdown. */
  deadline: number;
}

interface PendingDeletes {
  /** Conversations hidden now and deleted when their undo time is up. */
  pending: PendingDelete[];
  isPending: (id: string) => boolean;
  schedule: (id: string, title: string) => void;
  undo: (id: string) => void;
  /** Deletes at once (the toast's close button). */
  commit: (id: string) => void;
  /** A delete that failed on the server: the conversation is back. */
  failed: string | null;
  dismissFailure: () => void;
}

const PendingDeletesContext = createContext<PendingDeletes | null>(null);

/**
 * Deleting a conversation hides it at once and offers Undo for UNDO_MS; only then is the DELETE
 * sent. When the page is closed or hidden for good (pagehide), pending deletes are sent at once
 * with fetch `keepalive`, which outlives the page.
 */
export function PendingDeletesProvider({ children }: { children: ReactNode }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<PendingDelete[]>([]);
  const [failed, setFailed] = useState<string | null>(null);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const pendingRef = useRef(pending);
  pendingRef.current = pending;

  const send = useCallback(
    async (id: string, keepalive = false) => {
      const timer = timers.current.get(id);
      if (timer) clearTimeout(timer);
      timers.current.delete(id);
      const item = pendingRef.current.find((p) => p.id === id);
      try {
        await deleteConversation(lumina, id, keepalive);
      } catch {
        if (!keepalive)
          setFailed(`“${item?.title ?? 'The conversation'}” couldn’t be deleted. It is back in the list.`);
      } finally {
        setPending((list) => list.filter((p) => p.id !== id));
        void queryClient.invalidateQueries({ queryKey: CONVERSATIONS_QUERY_KEY });
      }
    },
    [lumina, queryClient],
  );

  const schedule = useCallback(
    (id: string, title: string) => {
      setFailed(null);
      setPending((list) => [
        ...list.filter((p) => p.id !== id),
        { id, title, deadline: Date.now() + UNDO_MS },
      ]);
      timers.current.set(
        id,
        setTimeout(() => void send(id), UNDO_MS),
      );
    },
    [send],
  );

  const undo = useCallback((id: string) => {
    const timer = timers.current.get(id);
    if (timer) clearTimeout(timer);
    timers.current.delete(id);
    setPending((list) => list.filter((p) => p.id !== id));
  }, []);

  useEffect(() => {
    const flush = () => {
      for (const id of [...timers.current.keys()]) void send(id, true);
    };
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      // Leaving the chat section inside the app: the deletes still happen.
      flush();
    };
  }, [send]);

  const value = useMemo<PendingDeletes>(
    () => ({
      pending,
      isPending: (id) => pending.some((p) => p.id === id),
      schedule,
      undo,
      commit: (id) => void send(id),
      failed,
      dismissFailure: () => setFailed(null),
    }),
    [pending, schedule, undo, send, failed],
  );
  return <PendingDeletesContext.Provider value={value}>{children}</PendingDeletesContext.Provider>;
}

export function usePendingDeletes(): PendingDeletes {
  const value = useContext(PendingDeletesContext);
  if (!value) throw new Error('usePendingDeletes must be used inside <PendingDeletesProvider>');
  return value;
}
