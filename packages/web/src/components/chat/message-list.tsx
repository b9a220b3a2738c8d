import { ArrowDown, ChevronUp } from 'lucide-react';
import { type ReactNode, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ChatMessage } from '../../lib/conversations';
import { type MessageActions, MessageItem } from './message-item';

/** Messages rendered at first; scrolling near the top reveals this many more each time. */
export const MESSAGE_WINDOW = 60;
/** Within this many pixels of the bottom counts as "at the latest message". */
const BOTTOM_SLACK = 80;

interface MessageListProps {
  messages: ChatMessage[];
  avatar: { id?: string; name: string; imageUrl: string } | null;
  busy: boolean;
  actions: MessageActions;
  /** Scroll to this message and mark it (a search hit). */
  highlightId: string | null;
  /** Changes when the person sends: the list follows the newest message again. */
  followKey: number;
  /** Shown under the last message (e.g. the connection-lost notice). */
  footer?: ReactNode;
  /** Changes when the person asks to edit their last message (↑ in the empty box). */
  editLastKey?: number;
  /** Who the person speaks as (their persona): its picture shows by their messages. */
  you?: { name: string; pictureUrl: string | null } | null;
  /** Shown in place of a message when it answers (non-null): a compare's answers side by side. */
  renderInstead?: (message: ChatMessage) => ReactNode | null;
}

/**
 * The visible branch, efficient for long chats: only the newest MESSAGE_WINDOW messages are
 * rendered until the person scrolls up (each reveal keeps the view where it was), and messages
 * are memoised, so a streamed token re-renders only the reply it belongs to. It follows a
 * reply as it is written unless the person has scrolled up, then offers "Jump to latest".
 */
export function MessageList({
  messages,
  avatar,
  busy,
  actions,
  highlightId,
  followKey,
  footer,
  editLastKey = 0,
  you = null,
  renderInstead,
}: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const [atBottom, setAtBottom] = useState(true);
  const [shown, setShown] = useState(MESSAGE_WINDOW);
  const heightBeforeReveal = useRef<number | null>(null);

  const first = Math.max(0, messages.length - shown);
  const visible = messages.slice(first);
  const lastMineId = messages.findLast((m) => m.role === 'user')?.id;

  const scrollToBottom = useCallback((smooth = false) => {
    const element = scroller.current;
    if (!element) return;
    pinned.current = true;
    setAtBottom(true);
    element.scrollTo({ top: element.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
  }, []);

  // Follow the content while pinned: new messages, streamed text, a picture or KaTeX loading.
  useEffect(() => {
    const element = content.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      if (pinned.current && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: followKey is the trigger
  useLayoutEffect(() => {
    if (!highlightId) scrollToBottom();
  }, [followKey, scrollToBottom]);

  // A search hit: make sure it is rendered, then bring it to the middle of the screen.
  useEffect(() => {
    if (!highlightId) return;
    const index = messages.findIndex((m) => m.id === highlightId);
    if (index < 0) return;
    if (index < first) {
      setShown(messages.length - index + 10);
      return;
    }
    pinned.current = false;
    setAtBottom(false);
    const element = document.getElementById(`message-${highlightId}`);
    element?.scrollIntoView({ block: 'center' });
    // Messages above it may change height as they render for the first time; aim again.
    const timer = setTimeout(() => element?.scrollIntoView({ block: 'center' }), 150);
    return () => clearTimeout(timer);
  }, [highlightId, messages, first]);

  // Revealing older messages keeps the one the person was looking at in place.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each reveal (shown changes)
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element || heightBeforeReveal.current === null) return;
    element.scrollTop += element.scrollHeight - heightBeforeReveal.current;
    heightBeforeReveal.current = null;
  }, [shown]);

  const revealOlder = useCallback(() => {
    if (!scroller.current) return;
    heightBeforeReveal.current = scroller.current.scrollHeight;
    setShown((count) => count + MESSAGE_WINDOW);
  }, []);

  function onScroll() {
    const element = scroller.current;
    if (!element) return;
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
    pinned.current = distance <= BOTTOM_SLACK;
    setAtBottom(pinned.current);
    if (element.scrollTop < 300 && first > 0 && heightBeforeReveal.current === null) revealOlder();
  }

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={scroller}
        onScroll={onScroll}
        className="@container h-full overflow-y-auto overscroll-contain"
        data-testid="message-scroller"
      >
        <div
          ref={content}
          className="relative mx-auto flex w-full max-w-3xl flex-col gap-1 px-3 pt-4 pb-6 sm:px-6"
        >
          {first > 0 ? (
            <button type="button" className="btn-ghost mx-auto mb-2 h-8 text-xs" onClick={revealOlder}>
              <ChevronUp className="size-3.5" aria-hidden="true" />
              Show {Math.min(first, MESSAGE_WINDOW)} earlier messages
            </button>
          ) : null}
          {visible.map(
            (message, index) =>
              renderInstead?.(message) ?? (
                <MessageItem
                  key={message.id}
                  message={message}
                  avatar={avatar}
                  busy={busy}
                  highlighted={message.id === highlightId}
                  last={first + index === messages.length - 1}
                  actions={actions}
                  editKey={message.id === lastMineId ? editLastKey : 0}
                  you={you}
                />
              ),
          )}
          {footer}
        </div>
      </div>
      {atBottom ? null : (
        <button
          type="button"
          onClick={() => scrollToBottom(true)}
          className="btn-secondary absolute bottom-3 left-1/2 h-8 -translate-x-1/2 rounded-full px-3 text-xs shadow-pop"
        >
          <ArrowDown className="size-3.5" aria-hidden="true" />
          Jump to latest
        </button>
      )}
    </div>
  );
}
