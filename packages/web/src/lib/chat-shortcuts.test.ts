import { describe, expect, it } from 'vitest';
import {
  ariaKeyShortcuts,
  chatShortcut,
  composerKeyAction,
  matchesShortcut,
  SHORTCUTS,
  type ShortcutId,
  shortcutKeys,
  shortcutLabel,
  swipeDirection,
} from './chat-shortcuts';

const key = (key: string, extra: Partial<KeyboardEvent> = {}) => ({
  key,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  isComposing: false,
  ...extra,
});

describe('composerKeyAction', () => {
  it('sends on Enter and makes a new line on Shift+Enter', () => {
    expect(composerKeyAction(key('Enter'), false)).toBe('send');
    expect(composerKeyAction(key('Enter', { shiftKey: true }), false)).toBeNull();
    expect(composerKeyAction(key('Enter', { altKey: true }), false)).toBeNull();
  });

  it('never sends while an input method is composing a character', () => {
    expect(composerKeyAction(key('Enter', { isComposing: true }), false)).toBeNull();
  });

  it('stops a reply on Escape only while one is being written', () => {
    expect(composerKeyAction(key('Escape'), true)).toBe('stop');
    expect(composerKeyAction(key('Escape'), false)).toBeNull();
  });
});

describe('chatShortcut', () => {
  it('goes to search on Ctrl+K and Cmd+K (either case), not on K alone or with Shift', () => {
    expect(chatShortcut(key('k', { ctrlKey: true }), false)).toBe('search');
    expect(chatShortcut(key('K', { metaKey: true }), false)).toBe('search');
    expect(chatShortcut(key('k'), false)).toBeNull();
    expect(chatShortcut(key('k', { ctrlKey: true, shiftKey: true }), false)).toBeNull();
  });

  it('stops on Escape while streaming', () => {
    expect(chatShortcut(key('Escape'), true)).toBe('stop');
    expect(chatShortcut(key('Escape'), false)).toBeNull();
  });
});

describe('composerKeyAction: ↑', () => {
  it('edits the last message only in an empty box, with no modifier, while nothing is written', () => {
    expect(composerKeyAction(key('ArrowUp'), false, true)).toBe('edit-last');
    expect(composerKeyAction(key('ArrowUp'), false, false)).toBeNull();
    expect(composerKeyAction(key('ArrowUp'), true, true)).toBeNull();
    expect(composerKeyAction(key('ArrowUp', { shiftKey: true }), false, true)).toBeNull();
    expect(composerKeyAction(key('ArrowUp', { ctrlKey: true }), false, true)).toBeNull();
  });

  it('still sends on Ctrl/Cmd+Enter', () => {
    expect(composerKeyAction(key('Enter', { ctrlKey: true }), false)).toBe('send');
    expect(composerKeyAction(key('Enter', { metaKey: true }), false)).toBe('send');
  });
});

describe('the shortcut list', () => {
  it('has one entry per shortcut, with distinct keys', () => {
    const ids = SHORTCUTS.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const combos = SHORTCUTS.map((s) => JSON.stringify(s.combo));
    expect(new Set(combos).size).toBe(combos.length);
  });

  it('matches each page-wide shortcut with Ctrl or Cmd, and nothing else with the same key', () => {
    const global: [ShortcutId, string, Partial<KeyboardEvent>][] = [
      ['shortcuts', '/', {}],
      ['search', 'k', {}],
      ['new-chat', 'O', { shiftKey: true }],
      ['toggle-chats', 'S', { shiftKey: true }],
      ['focus-mode', 'F', { shiftKey: true }],
    ];
    for (const [id, letter, extra] of global) {
      expect(matchesShortcut(key(letter, { ctrlKey: true, ...extra }), id), id).toBe(true);
      expect(matchesShortcut(key(letter, { metaKey: true, ...extra }), id), id).toBe(true);
      expect(matchesShortcut(key(letter, extra), id), `${id} without Ctrl`).toBe(false);
      expect(matchesShortcut(key(letter, { ctrlKey: true, altKey: true, ...extra }), id)).toBe(false);
      const others = SHORTCUTS.filter(
        (s) => s.id !== id && matchesShortcut(key(letter, { ctrlKey: true, ...extra }), s.id),
      );
      expect(others.map((s) => s.id)).toEqual([]);
    }
    // Shift+O with Ctrl is New chat; Ctrl+O alone is the browser's.
    expect(matchesShortcut(key('o', { ctrlKey: true }), 'new-chat')).toBe(false);
    // Keyboards where "/" needs Shift give "?".
    expect(matchesShortcut(key('?', { ctrlKey: true, shiftKey: true }), 'shortcuts')).toBe(true);
  });

  it('shows keys the way this computer names them', () => {
    expect(shortcutKeys('new-chat', false)).toEqual(['Ctrl', 'Shift', 'O']);
    expect(shortcutKeys('new-chat', true)).toEqual(['⌘', '⇧', 'O']);
    expect(shortcutKeys('edit-last', false)).toEqual(['↑']);
    expect(shortcutKeys('previous-alternative', false)).toEqual(['←']);
    expect(shortcutKeys('next-alternative', true)).toEqual(['→']);
    expect(shortcutLabel('search', false)).toBe('Ctrl+K');
    expect(shortcutLabel('search', true)).toBe('⌘K');
    expect(ariaKeyShortcuts('new-chat')).toBe('Control+Shift+O Meta+Shift+O');
    expect(ariaKeyShortcuts('stop')).toBe('Escape');
  });
});

describe('swipeDirection (← / → on the conversation)', () => {
  const page = document.createElement('div');
  page.innerHTML =
    '<button>Copy</button><textarea aria-label="Message"></textarea><input type="text" /><div role="slider" tabindex="0"></div>';
  document.body.append(page);
  const [button, messageBox, input, slider] = Array.from(page.children) as [
    HTMLElement,
    HTMLTextAreaElement,
    HTMLInputElement,
    HTMLElement,
  ];
  const press = (target: EventTarget, name: string, extra: Partial<KeyboardEvent> = {}) =>
    swipeDirection({ ...key(name, extra), target }, page, messageBox);

  it('goes back on ← and on on → from a message’s button, the page or the empty message box', () => {
    expect(press(button, 'ArrowLeft')).toBe(-1);
    expect(press(button, 'ArrowRight')).toBe(1);
    expect(press(document.body, 'ArrowLeft')).toBe(-1);
    expect(press(messageBox, 'ArrowRight')).toBe(1);
  });

  it('leaves the arrows to text fields, widgets, the rest of the app and modified keys', () => {
    messageBox.value = 'Hello';
    expect(press(messageBox, 'ArrowLeft')).toBeNull();
    messageBox.value = '';
    expect(press(input, 'ArrowLeft')).toBeNull();
    expect(press(slider, 'ArrowRight')).toBeNull();
    const outside = document.createElement('button');
    document.body.append(outside);
    expect(press(outside, 'ArrowLeft')).toBeNull();
    expect(press(button, 'ArrowLeft', { shiftKey: true })).toBeNull();
    expect(press(button, 'ArrowLeft', { ctrlKey: true })).toBeNull();
    expect(press(button, 'ArrowUp')).toBeNull();
  });
});
