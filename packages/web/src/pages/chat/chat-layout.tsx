import * as RadixDialog from '@radix-ui/react-dialog';
import {
  Maximize2,
  MessagesSquare,
  Minimize2,
  PanelLeftClose,
  PanelLeftOpen,
  Search,
  SquarePen,
  X,
} from 'lucide-react';
import { useCallback, useRef, useState } from 'react';
import { Outlet, useLocation, useNavigate, useOutletContext } from 'react-router';
import { ConversationSidebar } from '../../components/chat/conversation-sidebar';
import { UndoToast } from '../../components/chat/undo-toast';
import { resolveActiveAvatar, useActiveAvatarId } from '../../lib/active-avatar';
import { type Avatar, useAvatars } from '../../lib/avatars';
import { ariaKeyShortcuts, type ShortcutId, shortcutLabel, useShortcuts } from '../../lib/chat-shortcuts';
import { newChatPath } from '../../lib/conversations';
import { useCollapsed, useFocusMode } from '../../lib/layout-prefs';
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
  /** Focus mode: both sidebars hidden, only the conversation shows. */
  focusMode: boolean;
  setFocusMode: (on: boolean) => void;
}

export function useChatContext(): ChatOutletContext {
  return useOutletContext<ChatOutletContext>();
}

/** "Search messages (Ctrl+K)": a tooltip with the shortcut. */
const withKeys = (label: string, id: ShortcutId) => `${label} (${shortcutLabel(id)})`;

/**
 * The chat section: the conversation list beside the open conversation on wide screens
 * (collapsible to a rail, remembered per browser); on phones the list is the /chat page itself
 * and a drawer inside a conversation. Focus mode hides the list and the app's sidebar.
 */
export function ChatLayout() {
  const user = useSession().data;
  const avatars = useAvatars({});
  const [storedId] = useActiveAvatarId(user?.id);
  const activeAvatar = avatars.data ? resolveActiveAvatar(avatars.data, storedId) : null;
  const wide = useMediaQuery('(min-width: 768px)');
  // On phones /chat itself is the list; every page under it (a conversation, a new chat) has
  // the list in a drawer instead.
  const listIsPage = useLocation().pathname.replace(/\/+$/, '') === '/chat';
  const inPage = !listIsPage;
  const navigate = useNavigate();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [collapsed, setCollapsed] = useCollapsed('chats');
  const [focusMode, setFocusMode] = useFocusMode();
  const search = useRef<HTMLInputElement>(null);

  const openList = useCallback(() => setDrawerOpen(true), []);
  const focusSearch = useCallback(() => {
    if (!wide && inPage) {
      setDrawerOpen(true);
      // The drawer mounts the list first.
      setTimeout(() => search.current?.focus(), 50);
    } else if (wide && (collapsed || focusMode)) {
      setFocusMode(false);
      setCollapsed(false);
      setTimeout(() => search.current?.focus(), 0);
    } else {
      search.current?.focus();
      search.current?.select();
    }
  }, [wide, inPage, collapsed, focusMode, setFocusMode, setCollapsed]);
  const startChat = useCallback(() => {
    if (activeAvatar) navigate(newChatPath(activeAvatar.id));
  }, [activeAvatar, navigate]);
  const toggleList = useCallback(() => {
    if (focusMode) setFocusMode(false);
    else if (wide) setCollapsed(!collapsed);
    else if (inPage) setDrawerOpen((open) => !open);
  }, [focusMode, setFocusMode, wide, collapsed, setCollapsed, inPage]);
  useShortcuts({
    search: focusSearch,
    'new-chat': startChat,
    'toggle-chats': toggleList,
    'focus-mode': () => setFocusMode(!focusMode),
    ...(focusMode ? { escape: () => setFocusMode(false) } : {}),
  });

  const listButtons = wide ? (
    <>
      <button
        type="button"
        className="icon-btn shrink-0"
        aria-label="Focus mode"
        title={withKeys('Focus mode: hide both sidebars', 'focus-mode')}
        aria-keyshortcuts={ariaKeyShortcuts('focus-mode')}
        onClick={() => setFocusMode(true)}
      >
        <Maximize2 className="size-4" aria-hidden="true" />
      </button>
      <button
        type="button"
        className="icon-btn shrink-0"
        aria-label="Collapse chat list"
        title={withKeys('Collapse chat list', 'toggle-chats')}
        aria-keyshortcuts={ariaKeyShortcuts('toggle-chats')}
        aria-expanded="true"
        aria-controls="chat-list"
        onClick={() => setCollapsed(true)}
      >
        <PanelLeftClose className="size-4" aria-hidden="true" />
      </button>
    </>
  ) : null;

  const sidebar = (
    <ConversationSidebar
      ref={search}
      avatars={avatars.data ?? []}
      activeAvatar={activeAvatar}
      onNavigate={() => setDrawerOpen(false)}
      headerActions={listButtons}
    />
  );
  const context: ChatOutletContext = {
    avatars: avatars.data ?? [],
    avatarsLoaded: avatars.data !== undefined,
    activeAvatar,
    openList,
    wide,
    focusMode,
    setFocusMode,
  };

  return (
    <PendingDeletesProvider>
      <div className="flex h-full min-h-0">
        {wide && focusMode ? null : wide && collapsed ? (
          <aside
            aria-label="Chats"
            className="flex w-14 shrink-0 flex-col items-center gap-1 border-r border-line bg-surface py-3"
          >
            <button
              type="button"
              className="icon-btn"
              aria-label="Expand chat list"
              title={withKeys('Expand chat list', 'toggle-chats')}
              aria-keyshortcuts={ariaKeyShortcuts('toggle-chats')}
              aria-expanded="false"
              onClick={() => setCollapsed(false)}
            >
              <PanelLeftOpen className="size-[18px]" aria-hidden="true" />
            </button>
            <button
              type="button"
              className="icon-btn"
              aria-label={activeAvatar ? `New chat with ${activeAvatar.name}` : 'New chat'}
              title={withKeys(activeAvatar ? `New chat with ${activeAvatar.name}` : 'New chat', 'new-chat')}
              aria-keyshortcuts={ariaKeyShortcuts('new-chat')}
              disabled={!activeAvatar}
              onClick={startChat}
            >
              <SquarePen className="size-[18px]" aria-hidden="true" />
            </button>
            <button
              type="button"
              className="icon-btn"
              aria-label="Search messages"
              title={withKeys('Search messages', 'search')}
              aria-keyshortcuts={ariaKeyShortcuts('search')}
              onClick={focusSearch}
            >
              <Search className="size-[18px]" aria-hidden="true" />
            </button>
          </aside>
        ) : wide ? (
          <aside
            id="chat-list"
            aria-label="Chats"
            className="flex w-72 shrink-0 flex-col border-r border-line bg-surface lg:w-80"
          >
            {sidebar}
          </aside>
        ) : null}
        <div className="flex min-w-0 flex-1 flex-col">
          {!wide && listIsPage ? (
            <div className="flex min-h-0 flex-1 flex-col">
              <h1 className="sr-only">Chat</h1>
              {sidebar}
              <Outlet context={context} />
            </div>
          ) : (
            <Outlet context={context} />
          )}
        </div>
        {!wide && inPage && !focusMode ? (
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

/**
 * The first button of a chat page's header: on phones it opens the chat list (a drawer); in
 * focus mode it leaves focus mode (as Esc does).
 */
export function ChatListToggle() {
  const { openList, wide, focusMode, setFocusMode } = useChatContext();
  if (focusMode)
    return (
      <button
        type="button"
        className="icon-btn -ml-1 size-9 shrink-0"
        aria-label="Leave focus mode"
        title={`Leave focus mode (Esc or ${shortcutLabel('focus-mode')})`}
        aria-keyshortcuts={`Escape ${ariaKeyShortcuts('focus-mode')}`}
        onClick={() => setFocusMode(false)}
      >
        <Minimize2 className="size-[18px]" aria-hidden="true" />
      </button>
    );
  if (wide) return null;
  return (
    <button
      type="button"
      className="icon-btn -ml-1 size-9 shrink-0"
      aria-label="Open chats"
      onClick={openList}
    >
      <MessagesSquare className="size-5" aria-hidden="true" />
    </button>
  );
}
