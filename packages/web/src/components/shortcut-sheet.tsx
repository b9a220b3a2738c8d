import { useSyncExternalStore } from 'react';
import { isApple, SHORTCUTS, type Shortcut, shortcutKeys } from '../lib/chat-shortcuts';
import { Dialog } from './dialog';

const listeners = new Set<() => void>();
let open = false;

function setOpen(next: boolean) {
  open = next;
  for (const listener of listeners) listener();
}

/** Opens the keyboard-shortcut sheet (from a menu item, a button or Ctrl/Cmd+/). */
export function openShortcutSheet() {
  setOpen(true);
}

export function closeShortcutSheet() {
  setOpen(false);
}

export function toggleShortcutSheet() {
  setOpen(!open);
}

function subscribe(onChange: () => void) {
  listeners.add(onChange);
  return () => listeners.delete(onChange);
}

const GROUPS: Shortcut['group'][] = ['General', 'Chat', 'Message box'];

/** Key caps for one shortcut: "Ctrl" "Shift" "O", or "⌘" "⇧" "O" on a Mac. */
export function KeyCaps({ keys }: { keys: string[] }) {
  return (
    <span className="flex shrink-0 items-center gap-1">
      {keys.map((key) => (
        <kbd
          key={key}
          className="inline-flex h-6 min-w-6 items-center justify-center rounded-md border border-line-strong bg-surface px-1.5 font-sans text-xs font-medium text-ink-muted shadow-[0_1px_0_var(--color-line-strong)]"
        >
          {key}
        </kbd>
      ))}
    </span>
  );
}

/**
 * Every keyboard shortcut of the app, grouped, read from the same list the key handlers use
 * (SHORTCUTS). Mounted once by the app frame; `openShortcutSheet` shows it.
 */
export function ShortcutSheet() {
  const shown = useSyncExternalStore(
    subscribe,
    () => open,
    () => false,
  );
  const apple = isApple();
  return (
    <Dialog open={shown} onOpenChange={setOpen} title="Keyboard shortcuts" size="md">
      <div className="flex flex-col gap-5">
        {GROUPS.map((group) => (
          <section key={group} aria-labelledby={`shortcut-group-${group}`}>
            <h3 id={`shortcut-group-${group}`} className="pb-1.5 text-xs font-medium text-ink-subtle">
              {group}
            </h3>
            <dl className="divide-y divide-line rounded-xl border border-line">
              {SHORTCUTS.filter((s) => s.group === group).map((s) => (
                <div key={s.id} className="flex items-center justify-between gap-4 px-3 py-2.5">
                  <dt className="min-w-0 text-sm text-ink">
                    {s.label}
                    {s.when ? <span className="block text-xs text-ink-muted">{s.when}</span> : null}
                  </dt>
                  <dd>
                    <KeyCaps keys={shortcutKeys(s.id, apple)} />
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </Dialog>
  );
}
