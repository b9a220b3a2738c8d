import { useSyncExternalStore } from 'react';

export type ThemeChoice = 'light' | 'dark' | 'system';
export type ResolvedTheme = 'light' | 'dark';

/** Shared with the inline script in index.html that applies the theme before first paint. */
export const THEME_STORAGE_KEY = 'lumina.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

export interface ThemeSnapshot {
  choice: ThemeChoice;
  resolved: ResolvedTheme;
}

export interface ThemeEnvironment {
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  matchMedia: (query: string) => MediaQueryList;
  root: HTMLElement;
}

export interface ThemeStore {
  getSnapshot(): ThemeSnapshot;
  setChoice(choice: ThemeChoice): void;
  subscribe(listener: () => void): () => void;
}

function isThemeChoice(value: unknown): value is ThemeChoice {
  return value === 'light' || value === 'dark' || value === 'system';
}

function readChoice(storage: ThemeEnvironment['storage']): ThemeChoice {
  try {
    const saved = storage.getItem(THEME_STORAGE_KEY);
    return isThemeChoice(saved) ? saved : 'system';
  } catch {
    // Storage can be unavailable (private mode, blocked cookies): fall back to the OS.
    return 'system';
  }
}

/**
 * Keeps the light/dark/system choice in localStorage, applies it to <html> and, while the
 * choice is "system", follows the OS setting as it changes.
 * @example
 * const store = createThemeStore();
 * store.setChoice('dark');
 */
export function createThemeStore(env: ThemeEnvironment = browserEnvironment()): ThemeStore {
  const media = env.matchMedia(DARK_QUERY);
  const listeners = new Set<() => void>();
  let snapshot = compute(readChoice(env.storage));

  function compute(choice: ThemeChoice): ThemeSnapshot {
    const resolved: ResolvedTheme = choice === 'system' ? (media.matches ? 'dark' : 'light') : choice;
    return { choice, resolved };
  }

  function apply() {
    env.root.classList.toggle('dark', snapshot.resolved === 'dark');
    env.root.style.colorScheme = snapshot.resolved;
    env.root.dataset.themeChoice = snapshot.choice;
  }

  function update(next: ThemeSnapshot) {
    if (next.choice === snapshot.choice && next.resolved === snapshot.resolved) return;
    snapshot = next;
    apply();
    for (const listener of listeners) listener();
  }

  media.addEventListener('change', () => update(compute(snapshot.choice)));
  apply();

  return {
    getSnapshot: () => snapshot,
    setChoice(choice) {
      try {
        env.storage.setItem(THEME_STORAGE_KEY, choice);
      } catch {
        // Not persisted, but still applied for this visit.
      }
      update(compute(choice));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function browserEnvironment(): ThemeEnvironment {
  return {
    storage: window.localStorage,
    matchMedia: (query) => window.matchMedia(query),
    root: document.documentElement,
  };
}

let defaultStore: ThemeStore | undefined;

/** The app-wide store, created on first use (so importing this module has no side effects). */
export function getThemeStore(): ThemeStore {
  defaultStore ??= createThemeStore();
  return defaultStore;
}

/** The current theme and a setter; re-renders when the choice or the OS setting changes. */
export function useTheme(store: ThemeStore = getThemeStore()) {
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  return { ...snapshot, setChoice: store.setChoice };
}
