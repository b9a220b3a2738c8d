import { useCallback, useRef, useState } from 'react';

/**
 * Unsent text of the message box, one draft per person and conversation, kept in localStorage
 * so a reload, a crash or a sign-in after the session ended gives it back. A draft is removed
 * when the box is emptied (the server accepted the message, or the person deleted the text),
 * after DRAFT_MAX_AGE_MS without a change, and when the person signs out.
 */
const PREFIX = 'lumina.draft.';
export const DRAFT_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

export const draftKey = (userId: string, conversationId: string) => `${PREFIX}${userId}.${conversationId}`;

interface StoredDraft {
  text: string;
  savedAt: number;
}

function parse(raw: string | null): StoredDraft | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<StoredDraft>;
    return typeof value.text === 'string' && typeof value.savedAt === 'number'
      ? { text: value.text, savedAt: value.savedAt }
      : null;
  } catch {
    return null;
  }
}

/** Every key of ours in localStorage (collected first: removing while iterating shifts indexes). */
function draftKeys(storage: Storage, prefix: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(prefix)) keys.push(key);
  }
  return keys;
}

let pruned = false;

/** Drops drafts nobody touched for DRAFT_MAX_AGE_MS; once per page load is enough. */
function pruneOldDrafts(storage: Storage, now: number) {
  if (pruned) return;
  pruned = true;
  for (const key of draftKeys(storage, PREFIX)) {
    const draft = parse(storage.getItem(key));
    if (!draft || now - draft.savedAt > DRAFT_MAX_AGE_MS) storage.removeItem(key);
  }
}

/** The saved draft of a conversation, or '' (also when storage is blocked or the draft is too old). */
export function readDraft(userId: string, conversationId: string, now = Date.now()): string {
  try {
    const draft = parse(window.localStorage.getItem(draftKey(userId, conversationId)));
    return draft && now - draft.savedAt <= DRAFT_MAX_AGE_MS ? draft.text : '';
  } catch {
    return '';
  }
}

/** Saves the box's text; '' removes the draft. */
export function saveDraft(userId: string, conversationId: string, text: string, now = Date.now()) {
  try {
    const storage = window.localStorage;
    pruneOldDrafts(storage, now);
    const key = draftKey(userId, conversationId);
    if (text === '') storage.removeItem(key);
    else storage.setItem(key, JSON.stringify({ text, savedAt: now } satisfies StoredDraft));
  } catch {
    // Storage blocked or full: the text still lives in the box until the page closes.
  }
}

/** Forgets every draft of `userId` (signing out on a shared computer leaves nothing behind). */
export function forgetDrafts(userId: string) {
  try {
    const storage = window.localStorage;
    for (const key of draftKeys(storage, `${PREFIX}${userId}.`)) storage.removeItem(key);
  } catch {
    // Nothing was stored.
  }
}

/**
 * The message box's text for one conversation, saved on every change. Without a user id (not
 * known yet) it is kept in memory only.
 * @example const [draft, setDraft] = useDraft(user?.id, conversationId);
 */
export function useDraft(userId: string | undefined, conversationId: string) {
  const [text, setText] = useState(() => (userId ? readDraft(userId, conversationId) : ''));
  // The latest text, so functional updates compose without saving from inside a state updater.
  const latest = useRef(text);
  const update = useCallback(
    (next: string | ((current: string) => string)) => {
      const value = typeof next === 'function' ? next(latest.current) : next;
      if (value === latest.current) return;
      latest.current = value;
      setText(value);
      if (userId) saveDraft(userId, conversationId, value);
    },
    [userId, conversationId],
  );
  return [text, update] as const;
}

/**
 * What the box holds once the server accepted `sent` (the text that was in the box when Send
 * was pressed): empty if it is unchanged; what was typed after it, if the person kept typing at
 * the end; otherwise their edited text as it is, since clearing it would lose their changes.
 * @example textAfterAccepted('Hello', 'Hello') // ''
 * @example textAfterAccepted('HelloAnd then', 'Hello') // 'And then'
 */
export function textAfterAccepted(current: string, sent: string): string {
  if (current === sent) return '';
  if (current.startsWith(sent)) return current.slice(sent.length).replace(/^\s+/, '');
  return current;
}
