import { useEffect, useRef } from 'react';

type KeyLike = Pick<KeyboardEvent, 'key' | 'shiftKey' | 'ctrlKey' | 'metaKey' | 'altKey' | 'isComposing'>;

/** A key and its modifiers. `mod` is Ctrl, or Cmd on a Mac (either is accepted everywhere). */
export interface KeyCombo {
  key: string;
  mod?: boolean;
  shift?: boolean;
}

export type ShortcutId =
  | 'shortcuts'
  | 'search'
  | 'new-chat'
  | 'toggle-chats'
  | 'focus-mode'
  | 'send'
  | 'new-line'
  | 'stop'
  | 'edit-last'
  | 'impersonate'
  | 'previous-alternative'
  | 'next-alternative';

export interface Shortcut {
  id: ShortcutId;
  /** What it does, as the shortcut sheet says it. */
  label: string;
  group: 'General' | 'Chat' | 'Message box';
  combo: KeyCombo;
  /** When it applies, if not always. */
  when?: string;
}

/**
 * Every keyboard shortcut of the app, in the order the shortcut sheet lists them. The handlers
 * match keys through `matchesShortcut`, and the sheet shows these same entries, so a shortcut
 * cannot work without being listed, or be listed with keys that do something else.
 */
export const SHORTCUTS: readonly Shortcut[] = [
  { id: 'shortcuts', label: 'Show keyboard shortcuts', group: 'General', combo: { key: '/', mod: true } },
  { id: 'search', label: 'Search messages', group: 'Chat', combo: { key: 'k', mod: true } },
  { id: 'new-chat', label: 'New chat', group: 'Chat', combo: { key: 'o', mod: true, shift: true } },
  {
    id: 'toggle-chats',
    label: 'Show or hide the chat list',
    group: 'Chat',
    combo: { key: 's', mod: true, shift: true },
  },
  {
    id: 'focus-mode',
    label: 'Focus mode: hide both sidebars',
    group: 'Chat',
    combo: { key: 'f', mod: true, shift: true },
    when: 'Esc leaves it too',
  },
  {
    id: 'previous-alternative',
    label: 'Previous alternative of the last reply',
    group: 'Chat',
    combo: { key: 'ArrowLeft' },
    when: 'outside text fields, or in the empty message box',
  },
  {
    id: 'next-alternative',
    label: 'Next alternative of the last reply',
    group: 'Chat',
    combo: { key: 'ArrowRight' },
    when: 'past the last one, a new reply is written',
  },
  { id: 'send', label: 'Send the message', group: 'Message box', combo: { key: 'Enter' } },
  { id: 'new-line', label: 'New line', group: 'Message box', combo: { key: 'Enter', shift: true } },
  {
    id: 'stop',
    label: 'Stop the reply',
    group: 'Message box',
    combo: { key: 'Escape' },
    when: 'while a reply is being written',
  },
  {
    id: 'edit-last',
    label: 'Edit your last message',
    group: 'Message box',
    combo: { key: 'ArrowUp' },
    when: 'when the box is empty',
  },
  {
    id: 'impersonate',
    label: 'Impersonate: the model writes your next message',
    group: 'Message box',
    combo: { key: 'y', mod: true, shift: true },
    when: 'it goes in the box, to edit and send',
  },
];

export function shortcut(id: ShortcutId): Shortcut {
  return SHORTCUTS.find((s) => s.id === id)!;
}

/** True on a Mac or an iPhone/iPad, where the modifier is shown as ⌘. */
export function isApple(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.userAgent);
}

const KEY_NAMES: Record<string, string> = {
  Enter: 'Enter',
  Escape: 'Esc',
  ArrowUp: '↑',
  ArrowLeft: '←',
  ArrowRight: '→',
  '/': '/',
};

/**
 * The keys of a shortcut as shown to a person, one string per key cap.
 * @example shortcutKeys('new-chat', false) // ['Ctrl', 'Shift', 'O']
 */
export function shortcutKeys(id: ShortcutId, apple = isApple()): string[] {
  const { combo } = shortcut(id);
  const keys: string[] = [];
  if (combo.mod) keys.push(apple ? '⌘' : 'Ctrl');
  if (combo.shift) keys.push(apple ? '⇧' : 'Shift');
  keys.push(KEY_NAMES[combo.key] ?? combo.key.toUpperCase());
  return keys;
}

/** The shortcut in one short string for a tooltip: "Ctrl+Shift+O", or "⌘⇧O" on a Mac. */
export function shortcutLabel(id: ShortcutId, apple = isApple()): string {
  return shortcutKeys(id, apple).join(apple ? '' : '+');
}

/** The value of `aria-keyshortcuts` for a shortcut ("Control+Shift+O Meta+Shift+O"). */
export function ariaKeyShortcuts(id: ShortcutId): string {
  const { combo } = shortcut(id);
  const key = combo.key.length === 1 ? combo.key.toUpperCase() : combo.key;
  const rest = [...(combo.shift ? ['Shift'] : []), key].join('+');
  return combo.mod ? `Control+${rest} Meta+${rest}` : rest;
}

/**
 * Whether a key press is this shortcut. Ctrl and Cmd both count as the modifier; letters match
 * in either case. Ctrl+/ also matches with Shift, for keyboards where "/" needs it.
 * @example matchesShortcut(event, 'search') // Ctrl+K or Cmd+K
 */
export function matchesShortcut(event: KeyLike, id: ShortcutId): boolean {
  if (event.isComposing) return false;
  const { combo } = shortcut(id);
  const mod = event.ctrlKey || event.metaKey;
  if (event.altKey) return false;
  // Ctrl/Cmd+Enter sends as well (a habit from other apps); a new line is Shift+Enter only.
  if (mod !== Boolean(combo.mod) && combo.key !== 'Enter') return false;
  if (combo.key === '/') return event.key === '/' || (event.key === '?' && mod);
  if (event.shiftKey !== Boolean(combo.shift)) return false;
  return event.key.length === 1 ? event.key.toLowerCase() === combo.key : event.key === combo.key;
}

/**
 * What a key in the message box does: Enter sends, Shift+Enter (and Enter while an input method
 * is composing a character) makes a new line, Escape stops a reply being written, ↑ in an empty
 * box edits the last message sent.
 */
export function composerKeyAction(
  event: KeyLike,
  streaming: boolean,
  empty = false,
): 'send' | 'stop' | 'edit-last' | null {
  if (event.isComposing) return null;
  if (matchesShortcut(event, 'send')) return 'send';
  if (streaming && matchesShortcut(event, 'stop')) return 'stop';
  if (empty && !streaming && matchesShortcut(event, 'edit-last')) return 'edit-last';
  return null;
}

/** Ctrl+K (Cmd+K on a Mac) anywhere in the chat: go to the search box. Escape: stop the reply. */
export function chatShortcut(event: KeyLike, streaming: boolean): 'search' | 'stop' | null {
  if (matchesShortcut(event, 'search')) return 'search';
  if (streaming && matchesShortcut(event, 'stop')) return 'stop';
  return null;
}

/** Fields and widgets where ← and → already mean something (moving the caret, a slider, tabs…). */
const OWNS_ARROWS =
  'input,textarea,select,[contenteditable]:not([contenteditable="false"]),[role="dialog"],[role="menu"],[role="listbox"],[role="combobox"],[role="slider"],[role="tablist"],[role="radiogroup"],[role="grid"],[role="tree"],[role="toolbar"]';

/**
 * Whether ← / → flip the last reply's alternatives: -1 (previous), 1 (next) or null. They do
 * when focus is in the conversation (`area`; or nowhere, on the page's body) and not in a text
 * field or a widget that uses arrows, or in the message box (`messageBox`) while it is empty.
 * @example swipeDirection(event, main, composer) // -1 on ← with focus on a message's button
 */
export function swipeDirection(
  event: KeyLike & { target: EventTarget | null; defaultPrevented?: boolean },
  area: Element | null,
  messageBox: HTMLTextAreaElement | null,
): -1 | 1 | null {
  if (event.defaultPrevented) return null;
  const direction = matchesShortcut(event, 'previous-alternative')
    ? -1
    : matchesShortcut(event, 'next-alternative')
      ? 1
      : null;
  if (direction === null) return null;
  const target = event.target instanceof Element ? event.target : null;
  if (!target || !area) return null;
  if (messageBox && target === messageBox) return messageBox.value === '' ? direction : null;
  // The page's body, or the <main> the layout focuses when a chat opens, holds the conversation.
  if (target.contains(area)) return direction;
  if (!area.contains(target) || target.closest(OWNS_ARROWS)) return null;
  return direction;
}

/**
 * ← / → on the conversation (see `swipeDirection`): `onSwipe` says whether it did something, and
 * only then is the key kept from the page (it does not scroll sideways).
 */
export function useSwipeKeys(
  area: { current: Element | null },
  messageBox: { current: HTMLTextAreaElement | null },
  onSwipe: (direction: -1 | 1) => boolean,
) {
  const latest = useRef(onSwipe);
  latest.current = onSwipe;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const direction = swipeDirection(event, area.current, messageBox.current);
      if (direction !== null && latest.current(direction)) event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [area, messageBox]);
}

/** Menus, dialogs and lists handle their own Escape (and keep the keys typed in them). */
function insidePopup(event: KeyboardEvent): boolean {
  return Boolean(
    (event.target as Element | null)?.closest?.('[role="dialog"],[role="menu"],[role="listbox"]'),
  );
}

/**
 * Listens for page-wide shortcuts and runs the handler of the one pressed.
 * A key already handled (defaultPrevented) is left alone; Escape is left to dialogs and menus.
 * @example useShortcuts({ 'new-chat': () => navigate(newChatPath(id)) });
 */
export function useShortcuts(handlers: Partial<Record<ShortcutId | 'escape', () => void>>) {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      for (const [id, handler] of Object.entries(latest.current)) {
        if (!handler) continue;
        if (id === 'escape') {
          if (event.key !== 'Escape' || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey)
            continue;
          if (insidePopup(event)) return;
        } else if (!matchesShortcut(event, id as ShortcutId)) continue;
        event.preventDefault();
        handler();
        return;
      }
    };
    // On window: it hears a key after every handler on the document (a reply's Escape, a
    // dialog's), so what they handled is not handled twice, whichever mounted first.
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
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
        if (insidePopup(event)) return;
        event.preventDefault();
        onStop();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
