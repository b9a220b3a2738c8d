import { useCallback, useSyncExternalStore } from 'react';
import type { Avatar } from './avatars';

/** The localStorage key of one person's active avatar: each account on a browser has its own. */
export const activeAvatarKey = (userId: string) => `lumina.activeAvatar.${userId}`;

const listeners = new Set<() => void>();

function read(userId: string): string | null {
  try {
    return window.localStorage.getItem(activeAvatarKey(userId));
  } catch {
    return null; // Storage blocked (private mode, policy): nothing remembered.
  }
}

/** Remembers `avatarId` as the active avatar of `userId` (null forgets it). */
export function setActiveAvatarId(userId: string, avatarId: string | null) {
  try {
    if (avatarId) window.localStorage.setItem(activeAvatarKey(userId), avatarId);
    else window.localStorage.removeItem(activeAvatarKey(userId));
  } catch {
    // As above: the choice lasts until the page closes.
  }
  for (const listener of listeners) listener();
}

export function getActiveAvatarId(userId: string): string | null {
  return read(userId);
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  // Another tab changing the choice.
  const onStorage = (event: StorageEvent) => {
    if (event.key === null || event.key.startsWith('lumina.activeAvatar.')) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/**
 * Which avatar is active: the one remembered for this person if it still exists, else their
 * Lumina (every account starts with it), else their first own avatar.
 */
export function resolveActiveAvatar(avatars: readonly Avatar[], storedId: string | null): Avatar | null {
  return (
    avatars.find((a) => a.id === storedId) ??
    avatars.find((a) => a.owned && a.source === 'template:lumina') ??
    avatars.find((a) => a.owned) ??
    avatars[0] ??
    null
  );
}

/** The remembered active avatar id of `userId` and a setter; follows other tabs. */
export function useActiveAvatarId(userId: string | undefined): [string | null, (id: string | null) => void] {
  const storedId = useSyncExternalStore(
    subscribe,
    () => (userId ? read(userId) : null),
    () => null,
  );
  const set = useCallback(
    (id: string | null) => (userId ? setActiveAvatarId(userId, id) : undefined),
    [userId],
  );
  return [storedId, set];
}
