import { useEffect, useRef } from 'react';

type KeyLike = Pick<KeyboardEvent, 'key' | 'shiftKey' | 'ctrlKey' | 'metaKey' | 'altKey' | 'isComposing'>;

/**
 * What a key in the message box does: Enter sends, Shift+Enter (and Enter while an input method
 * is composing a character) makes a new line, Escape stops a reply being written.
 */
export function composerKeyAction(event: KeyLike, streaming: boolean): 'send' | 'stop' | null {
  if (event.isComposing) return null;
  if (event.key === 'Enter' && !event.shiftKey && !event.altKey) return 'send';
  if (event.key === 'Escape' && streaming) return 'stop';
  return null;
}

/** Ctrl+K (Cmd+K on a Mac) anywhere in the chat: go to the search box. Escape: stop the reply. */
export function chatShortcut(event: KeyLike, streaming: boolean): 'search' | 'stop' | null {
  if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'k')
    return 'search';
  if (event.key === 'Escape' && streaming && !event.ctrlKey && !event.metaKey) return 'stop';
  return null;
}

/**
 * Listens for the chat's page-wide shortcuts. Escape is left to dialogs and menus that handle
 * it (they stop it before it reaches the document, or mark it handled).
 */
export function useChatShortcuts(handlers: {
  onSearch?: () => void;
  onStop?: () => void;
  streaming: boolean;
}) {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const { onSearch, onStop, streaming } = latest.current;
      const action = chatShortcut(event, streaming);
      if (action === 'search' && onSearch) {
        event.preventDefault();
        onSearch();
      } else if (action === 'stop' && onStop) {
        if ((event.target as Element | null)?.closest?.('[role="dialog"],[role="menu"],[role="listbox"]'))
          return;
        event.preventDefault();
        onStop();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
