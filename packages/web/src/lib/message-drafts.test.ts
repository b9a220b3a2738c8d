import { beforeEach, describe, expect, it } from 'vitest';
import {
  DRAFT_MAX_AGE_MS,
  draftKey,
  forgetDrafts,
  readDraft,
  saveDraft,
  textAfterAccepted,
} from './message-drafts';
import { messageLength } from './message-limit';

describe('message drafts', () => {
  beforeEach(() => window.localStorage.clear());

  it('are kept per person and conversation, and an empty box removes them', () => {
    saveDraft('ada', 'c1', 'Hello');
    saveDraft('bob', 'c1', 'Hi');
    expect(readDraft('ada', 'c1')).toBe('Hello');
    expect(readDraft('bob', 'c1')).toBe('Hi');
    expect(readDraft('ada', 'c2')).toBe('');
    saveDraft('ada', 'c1', '');
    expect(window.localStorage.getItem(draftKey('ada', 'c1'))).toBeNull();
  });

  it('are not given back after DRAFT_MAX_AGE_MS without a change', () => {
    saveDraft('ada', 'c1', 'Old', 1000);
    expect(readDraft('ada', 'c1', 1000 + DRAFT_MAX_AGE_MS)).toBe('Old');
    expect(readDraft('ada', 'c1', 1001 + DRAFT_MAX_AGE_MS)).toBe('');
  });

  it('ignore what is not a draft of ours under the key', () => {
    window.localStorage.setItem(draftKey('ada', 'c1'), 'not json');
    expect(readDraft('ada', 'c1')).toBe('');
  });

  it('of one person are all forgotten at sign-out, and nobody else’s', () => {
    saveDraft('ada', 'c1', 'one');
    saveDraft('ada', 'c2', 'two');
    saveDraft('bob', 'c3', 'three');
    forgetDrafts('ada');
    expect(readDraft('ada', 'c1')).toBe('');
    expect(readDraft('ada', 'c2')).toBe('');
    expect(readDraft('bob', 'c3')).toBe('three');
  });
});

describe('textAfterAccepted', () => {
  it('empties an unchanged box, keeps what was typed after, and never clears edited text', () => {
    expect(textAfterAccepted('Hello', 'Hello')).toBe('');
    expect(textAfterAccepted('Hello\n\nNext one', 'Hello')).toBe('Next one');
    expect(textAfterAccepted('Hallo', 'Hello')).toBe('Hallo');
    expect(textAfterAccepted('', 'Hello')).toBe('');
  });
});

describe('messageLength', () => {
  it('counts UTF-16 code units of the trimmed text, as the server does', () => {
    expect(messageLength('  hi 😀 \n')).toBe(5);
    expect(messageLength('é')).toBe(1);
    expect(messageLength('e\u0301')).toBe(2);
  });
});
