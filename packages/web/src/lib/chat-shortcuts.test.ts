import { describe, expect, it } from 'vitest';
import { chatShortcut, composerKeyAction } from './chat-shortcuts';

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
