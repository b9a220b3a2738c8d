import * as RadixDialog from '@radix-ui/react-dialog';
import { X } from 'lucide-react';
import { useCallback, useRef, useState } from 'react';
import { Outlet, useOutletContext, useParams } from 'react-router';
import { ConversationSidebar } from '../../components/chat/conversation-sidebar';
import { UndoToast } from '../../components/chat/undo-toast';
import { resolveActiveAvatar, useActiveAvatarId } from '../../lib/active-avatar';
import { type Avatar, useAvatars } from '../../lib/avatars';
import { useChatShortcuts } from '../../lib/chat-shortcuts';
import { useSession } from '../../lib/session';
import { useMediaQuery } from '../../lib/use-media-query';
import { PendingDeletesProvider } from '../../lib/use-pending-deletes';

export interface ChatOutletContext {
  avatars: readonly Avatar[];
  avatarsLoaded: boolean;
  activeAvatar: Avatar | null;
  /** Opens the conversation list (a drawer on phones). */
  openList: () => void;
  /** Whether the list is shown beside the conversation (wide screens). */
  wide: boolean;
}

export function useChatContext(): ChatOutletContext {
  return useOutletContext<ChatOutletContext>();
}

/**
 * The chat section: the conversation list beside the open conversation on wide screens; on
 * phones the list is the /chat page itself and a drawer inside a conversation.
 */
export function ChatLayout() {
  const user = useSession().data;
  const avatars = useAvatars({});
  const [storedId] = useActiveAvatarId(user?.id);
  const activeAvatar = avatars.data ? resolveActiveAvatar(avatars.data, storedId) : null;
  const wide = useMediaQuery('(min-width: 768px)');
  const { conversationId } = useParams();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const search = useRef<HTMLInputElement>(null);

  const openList = useCallback(() => setDrawerOpen(true), []);
  const focusSearch = useCallback(() => {
    if (!wide && conversationId) {
      setDrawerOpen(true);
      // The drawer mounts the list first.
      setTimeout(() => search.current?.focus(), 50);
    } else {
      search.current?.focus();
      search.current?.select();
    }
  }, [wide, conversationId]);
  useChatShortcuts({ onSearch: focusSearch, streaming: false });

  const sidebar = (
    <ConversationSidebar
      ref={search}
      avatars={avatars.data ?? []}
      activeAvatar={activeAvatar}
      onNavigate={() => setDrawerOpen(false)}
    />
  );
  const context: ChatOutletContext = {
    avatars: avatars.data ?? [],
    avatarsLoaded: avatars.data !== undefined,
    activeAvatar,
    openList,
    wide,
  };

  return (
    <PendingDeletesProvider>
      <div className="flex h-full min-h-0">
        {wide ? (
          <aside
            aria-label="Chats"
            className="flex w-72 shrink-0 flex-col border-r border-line bg-surface lg:w-80"
          >
            {sidebar}
          </aside>
        ) : null}
        <div className="flex min-w-0 flex-1 flex-col">
          {!wide && !conversationId ? (
            <div className="flex min-h-0 flex-1 flex-col">
              <h1 className="sr-only">Chat</h1>
              {sidebar}
              <Outlet context={context} />
            </div>
          ) : (
            <Outlet context={context} />
          )}
        </div>
        {!wide && conversationId ? (
          <RadixDialog.Root open={drawerOpen} onOpenChange={setDrawerOpen}>
            <RadixDialog.Portal>
              <RadixDialog.Overlay className="fixed inset-0 z-50 animate-fade-in bg-black/40 dark:bg-black/60" />
              <RadixDialog.Content
                aria-describedby={undefined}
                className="fixed inset-y-0 left-0 z-50 flex w-[min(20rem,88vw)] animate-fade-in flex-col border-r border-line bg-surface shadow-pop outline-none"
              >
                <div className="flex h-12 shrink-0 items-center justify-between border-b border-line pr-2 pl-4">
                  <RadixDialog.Title className="font-semibold text-ink">Chats</RadixDialog.Title>
                  <RadixDialog.Close className="icon-btn size-8" aria-label="Close chats">
                    <X className="size-4" aria-hidden="true" />
                  </RadixDialog.Close>
                </div>
                <div className="min-h-0 flex-1">{sidebar}</div>
              </RadixDialog.Content>
            </RadixDialog.Portal>
          </RadixDialog.Root>
        ) : null}
        <UndoToast />
      </div>
    </PendingDeletesProvider>
  );
}
