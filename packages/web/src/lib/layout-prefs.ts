import { useCallback, useSyncExternalStore } from 'react';

/** The parts of the frame a person can hide; each choice is kept per browser. */
export type LayoutPanel = 'nav' | 'chats';

export const layoutKey = (panel: LayoutPanel) => `lumina.layout.${panel}Collapsed`;

const listeners = new Set<() => void>();
/** Focus mode hides both sidebars until left; it is not kept across reloads. */
let focusMode = false;

function notify() {
  for (const listener of listeners) listener();
}

function subscribe(onChange: () => void) {
  listeners.add(onChange);
  const onStorage = (event: StorageEvent) => {
    if (event.key?.startsWith('lumina.layout.')) onChange();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(onChange);
    window.removeEventListener('storage', onStorage);
  };
}

function readCollapsed(panel: LayoutPanel): boolean {
  try {
    return window.localStorage.getItem(layoutKey(panel)) === '1';
  } catch {
    return false;
  }
}

/**
 * Whether a sidebar is collapsed, remembered in localStorage (other tabs follow).
 * @example const [collapsed, setCollapsed] = useCollapsed('nav');
 */
export function useCollapsed(panel: LayoutPanel): [boolean, (collapsed: boolean) => void] {
  const collapsed = useSyncExternalStore(
    subscribe,
    () => readCollapsed(panel),
    () => false,
  );
  const set = useCallback(
    (next: boolean) => {
      try {
        if (next) window.localStorage.setItem(layoutKey(panel), '1');
        else window.localStorage.removeItem(layoutKey(panel));
      } catch {
        // Storage refused (private mode): the sidebar simply stays as it is.
      }
      notify();
    },
    [panel],
  );
  return [collapsed, set];
}

/** Focus mode: only the conversation shows; both sidebars are hidden until it is left. */
export function useFocusMode(): [boolean, (on: boolean) => void] {
  const on = useSyncExternalStore(
    subscribe,
    () => focusMode,
    () => false,
  );
  return [on, setFocusMode];
}

export function setFocusMode(on: boolean) {
  if (focusMode === on) return;
  focusMode = on;
  notify();
}
