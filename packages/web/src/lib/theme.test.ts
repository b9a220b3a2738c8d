import { describe, expect, it } from 'vitest';
import { createThemeStore, THEME_STORAGE_KEY, type ThemeEnvironment } from './theme';

/** A stand-in for the OS dark-mode setting that can be flipped like the real one. */
function fakeColorScheme(initiallyDark: boolean) {
  const listeners = new Set<(event: MediaQueryListEvent) => void>();
  const media = {
    matches: initiallyDark,
    media: '(prefers-color-scheme: dark)',
    addEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) =>
      listeners.add(listener),
    removeEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) =>
      listeners.delete(listener),
  } as unknown as MediaQueryList;
  return {
    matchMedia: () => media,
    setDark(dark: boolean) {
      (media as { matches: boolean }).matches = dark;
      for (const listener of listeners) listener({ matches: dark } as MediaQueryListEvent);
    },
  };
}

function environment(osDark: boolean, saved?: string) {
  const storage = new Map<string, string>(saved ? [[THEME_STORAGE_KEY, saved]] : []);
  const scheme = fakeColorScheme(osDark);
  const env: ThemeEnvironment = {
    storage: { getItem: (key) => storage.get(key) ?? null, setItem: (key, value) => storage.set(key, value) },
    matchMedia: scheme.matchMedia,
    root: document.createElement('html'),
  };
  return { env, storage, scheme };
}

describe('theme store', () => {
  it('defaults to "system" and follows the OS as it changes', () => {
    const { env, scheme } = environment(false);
    const store = createThemeStore(env);
    let notified = 0;
    store.subscribe(() => notified++);

    expect(store.getSnapshot()).toEqual({ choice: 'system', resolved: 'light' });
    expect(env.root.classList.contains('dark')).toBe(false);

    scheme.setDark(true);

    expect(store.getSnapshot()).toEqual({ choice: 'system', resolved: 'dark' });
    expect(env.root.classList.contains('dark')).toBe(true);
    expect(env.root.style.colorScheme).toBe('dark');
    expect(notified).toBe(1);
  });

  it('persists an explicit choice, which then ignores the OS setting', () => {
    const { env, storage, scheme } = environment(true);
    const store = createThemeStore(env);

    store.setChoice('light');

    expect(storage.get(THEME_STORAGE_KEY)).toBe('light');
    expect(store.getSnapshot()).toEqual({ choice: 'light', resolved: 'light' });
    expect(env.root.classList.contains('dark')).toBe(false);
    expect(env.root.dataset.themeChoice).toBe('light');

    scheme.setDark(false);
    scheme.setDark(true);
    expect(store.getSnapshot().resolved).toBe('light');
  });

  it('restores the saved choice and ignores a corrupt one', () => {
    expect(createThemeStore(environment(false, 'dark').env).getSnapshot()).toEqual({
      choice: 'dark',
      resolved: 'dark',
    });
    expect(createThemeStore(environment(true, 'purple').env).getSnapshot()).toEqual({
      choice: 'system',
      resolved: 'dark',
    });
  });

  it('still applies a choice when storage throws', () => {
    const { env } = environment(false);
    env.storage = {
      getItem: () => {
        throw new Error('blocked');
      },
      setItem: () => {
        throw new Error('blocked');
      },
    };
    const store = createThemeStore(env);
    store.setChoice('dark');
    expect(env.root.classList.contains('dark')).toBe(true);
  });
});
