import * as RadixDialog from '@radix-ui/react-dialog';
import clsx from 'clsx';
import { ChevronDown, Search, SquarePen, UserRoundSearch } from 'lucide-react';
import { useId, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import type { Avatar } from '../../lib/avatars';
import { ariaKeyShortcuts, shortcutLabel } from '../../lib/chat-shortcuts';
import { newChatPath } from '../../lib/conversations';
import { AvatarPicture } from '../avatars/avatar-picture';
import { menuContentClass } from '../avatars/menu';

/**
 * The avatars whose name, nickname or a tag contains every word of `query` (any case, accents
 * ignored); names that start with the query come first. An empty query keeps them all.
 * @example filterAvatars(avatars, 'sera') // Seraphina, then "Dark Seraph"
 */
export function filterAvatars(avatars: readonly Avatar[], query: string): Avatar[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...avatars];
  const first = words[0] ?? '';
  return avatars
    .filter((avatar) => {
      const haystack = fold([avatar.name, avatar.nickname ?? '', ...avatar.tags].join(' '));
      return words.every((word) => haystack.includes(word));
    })
    .sort((a, b) => Number(fold(b.name).startsWith(first)) - Number(fold(a.name).startsWith(first)));
}

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

/**
 * "New chat" with the active avatar, and a searchable list to start one with any other avatar
 * (type to filter, ↑/↓ to choose, Enter to start). Opens the new-conversation page: nothing is
 * stored until the first message is sent. `onStarted` runs after navigating (closes the phone
 * drawer).
 */
export function NewChatButton({
  avatars,
  active,
  onStarted,
  className,
}: {
  avatars: readonly Avatar[];
  active: Avatar | null;
  onStarted?: () => void;
  className?: string;
}) {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const start = (avatarId: string) => {
    setOpen(false);
    navigate(newChatPath(avatarId));
    onStarted?.();
  };

  return (
    <RadixDialog.Root open={open} onOpenChange={setOpen} modal={false}>
      <div className={clsx('relative flex', className)}>
        <button
          type="button"
          className="btn-primary min-w-0 flex-1 rounded-r-none"
          disabled={!active}
          onClick={() => active && start(active.id)}
          title={
            active ? `Start a conversation with ${active.name} (${shortcutLabel('new-chat')})` : undefined
          }
          aria-keyshortcuts={ariaKeyShortcuts('new-chat')}
        >
          <SquarePen className="size-4 shrink-0" aria-hidden="true" />
          <span className="truncate">New chat</span>
        </button>
        <RadixDialog.Trigger
          className="btn-primary rounded-l-none border-l border-accent-ink/25 px-2"
          disabled={avatars.length === 0}
          aria-label="New chat with another avatar"
          title="New chat with another avatar"
          aria-haspopup="dialog"
        >
          <ChevronDown className="size-4" aria-hidden="true" />
        </RadixDialog.Trigger>
        <RadixDialog.Content
          aria-describedby={undefined}
          className={clsx(
            menuContentClass,
            'absolute top-full left-0 mt-1 flex w-full min-w-64 flex-col p-0',
          )}
        >
          <RadixDialog.Title className="sr-only">Start a chat with</RadixDialog.Title>
          <AvatarSearch avatars={avatars} active={active} onPick={start} />
        </RadixDialog.Content>
      </div>
    </RadixDialog.Root>
  );
}

/** A combobox: the field keeps focus, ↑/↓ move the highlighted avatar, Enter starts with it. */
function AvatarSearch({
  avatars,
  active,
  onPick,
}: {
  avatars: readonly Avatar[];
  active: Avatar | null;
  onPick: (avatarId: string) => void;
}) {
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const id = useId();
  const list = useRef<HTMLDivElement>(null);
  const matches = useMemo(() => filterAvatars(avatars, query), [avatars, query]);
  const current = Math.min(index, Math.max(0, matches.length - 1));
  const highlighted = matches[current];

  function move(to: number) {
    const next = (to + matches.length) % matches.length;
    setIndex(next);
    list.current?.children[next]?.scrollIntoView({ block: 'nearest' });
  }

  return (
    <>
      <div className="relative border-b border-line p-1.5">
        <label htmlFor={`${id}-field`} className="sr-only">
          Search avatars
        </label>
        <Search
          className="pointer-events-none absolute top-1/2 left-4 size-4 -translate-y-1/2 text-ink-subtle"
          aria-hidden="true"
        />
        <input
          id={`${id}-field`}
          type="text"
          role="combobox"
          aria-expanded={matches.length > 0}
          aria-controls={matches.length > 0 ? `${id}-list` : undefined}
          aria-autocomplete="list"
          aria-activedescendant={highlighted ? `${id}-${highlighted.id}` : undefined}
          autoComplete="off"
          spellCheck={false}
          placeholder="Search avatars"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setIndex(0);
          }}
          onKeyDown={(event) => {
            if (event.nativeEvent.isComposing) return;
            if (event.key === 'ArrowDown' && matches.length) {
              event.preventDefault();
              move(current + 1);
            } else if (event.key === 'ArrowUp' && matches.length) {
              event.preventDefault();
              move(current - 1);
            } else if (event.key === 'Home' && matches.length && event.ctrlKey) {
              event.preventDefault();
              move(0);
            } else if (event.key === 'End' && matches.length && event.ctrlKey) {
              event.preventDefault();
              move(matches.length - 1);
            } else if (event.key === 'Enter') {
              event.preventDefault();
              if (highlighted) onPick(highlighted.id);
            }
          }}
          className="h-9 w-full rounded-lg bg-transparent pr-2 pl-8 text-sm text-ink outline-none placeholder:text-ink-subtle"
        />
      </div>
      <p className="px-3 pt-2 pb-1 text-xs font-medium text-ink-muted" aria-hidden="true">
        Start a chat with
      </p>
      {matches.length > 0 ? (
        <div
          ref={list}
          id={`${id}-list`}
          role="listbox"
          aria-label="Avatars"
          className="max-h-72 overflow-y-auto px-1 pb-1"
        >
          {matches.map((avatar, i) => (
            // The field keeps focus and handles the keys (aria-activedescendant); the pointer picks here.
            // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox field handles the keys
            <div
              key={avatar.id}
              id={`${id}-${avatar.id}`}
              role="option"
              aria-selected={i === current}
              tabIndex={-1}
              onMouseDown={(event) => event.preventDefault()}
              className={clsx(
                'flex cursor-default items-center gap-2.5 rounded-lg px-2.5 py-2 text-sm text-ink select-none',
                i === current && 'bg-surface-sunken',
              )}
              onPointerMove={() => i !== current && setIndex(i)}
              onClick={() => onPick(avatar.id)}
            >
              <AvatarPicture src={avatar.imageUrl} className="size-6 rounded-full!" />
              <span className="min-w-0 flex-1">
                <span className="block truncate" title={avatar.name}>
                  {avatar.name}
                </span>
                {avatar.nickname ? (
                  <span className="block truncate text-xs text-ink-muted">“{avatar.nickname}”</span>
                ) : null}
              </span>
              {avatar.id === active?.id ? (
                <span className="shrink-0 text-xs text-ink-muted">active</span>
              ) : null}
            </div>
          ))}
        </div>
      ) : (
        <UserRoundSearch className="mx-auto mt-3 size-5 text-ink-subtle" aria-hidden="true" />
      )}
      {/* One live region, present from the start, so a screen reader hears each change. */}
      <p
        role="status"
        className={matches.length ? 'sr-only' : 'px-4 pt-1.5 pb-5 text-center text-sm text-ink-muted'}
      >
        {matches.length === 0
          ? `No avatar matches “${query.trim()}”.`
          : query.trim()
            ? `${matches.length} avatar${matches.length === 1 ? '' : 's'} found`
            : ''}
      </p>
    </>
  );
}
