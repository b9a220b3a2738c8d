import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import clsx from 'clsx';
import { CircleCheck, Ellipsis, Pencil, Star, Trash2, Users } from 'lucide-react';
import { Link } from 'react-router';
import { type Avatar, type AvatarUsage, describeUsage } from '../../lib/avatars';
import { AvatarPicture } from './avatar-picture';
import { ExportMenuItems } from './export-menu';
import { menuContentClass, menuItemClass } from './menu';

/** A small rounded label on a card ("Active", "Shared"). */
export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'neutral' | 'accent';
  children: React.ReactNode;
}) {
  return (
    <span
      className={clsx(
        'inline-flex h-5 shrink-0 items-center gap-1 rounded-full px-2 text-xs font-medium',
        tone === 'accent' ? 'bg-accent-soft text-accent-soft-ink' : 'bg-surface-sunken text-ink-muted',
      )}
    >
      {children}
    </span>
  );
}

/**
 * One avatar in the gallery: the whole card opens the editor; the tags filter the gallery;
 * the footer sets it active; the ⋯ menu exports or deletes it.
 */
export function AvatarCard({
  avatar,
  active,
  onSetActive,
  onDelete,
  onTag,
  usage,
}: {
  avatar: Avatar;
  /** Conversations, messages and last use (undefined while loading or for shared avatars). */
  usage?: AvatarUsage | undefined;
  active: boolean;
  onSetActive: () => void;
  onDelete: () => void;
  onTag: (tag: string) => void;
}) {
  return (
    <li
      className={clsx(
        'card group relative flex min-w-0 flex-col gap-3 p-4 transition-[border-color,box-shadow] has-[a:hover]:border-line-strong',
        active && 'border-accent/60 ring-1 ring-accent/60 has-[a:hover]:border-accent/80',
      )}
    >
      <div className="flex items-start gap-3">
        <AvatarPicture src={avatar.imageUrl} className="size-14" />
        <div className="min-w-0 flex-1">
          <h3 className="truncate font-semibold text-ink">
            <Link
              to={`/avatars/${avatar.id}`}
              title={avatar.name}
              className="rounded outline-none after:absolute after:inset-0 after:rounded-xl focus-visible:after:outline-2 focus-visible:after:outline-ring"
            >
              {avatar.name}
            </Link>
          </h3>
          {avatar.nickname ? <p className="truncate text-sm text-ink-muted">“{avatar.nickname}”</p> : null}
          <div className="mt-1 flex flex-wrap gap-1.5">
            {active ? (
              <Badge tone="accent">
                <CircleCheck className="size-3" aria-hidden="true" />
                Active
              </Badge>
            ) : null}
            {avatar.owned ? (
              avatar.visibility === 'instance' ? (
                <Badge>
                  <Users className="size-3" aria-hidden="true" />
                  Shared by you
                </Badge>
              ) : null
            ) : (
              <Badge>
                <Users className="size-3" aria-hidden="true" />
                Shared
              </Badge>
            )}
          </div>
        </div>
        <DropdownMenu.Root>
          <DropdownMenu.Trigger
            className="icon-btn relative z-10 -mt-1 -mr-1 size-8 data-[state=open]:bg-surface-sunken"
            aria-label={`More for ${avatar.name}`}
          >
            <Ellipsis className="size-4" aria-hidden="true" />
          </DropdownMenu.Trigger>
          <DropdownMenu.Portal>
            <DropdownMenu.Content
              align="end"
              sideOffset={4}
              collisionPadding={8}
              className={menuContentClass}
            >
              <DropdownMenu.Item asChild className={menuItemClass}>
                <Link to={`/avatars/${avatar.id}`}>
                  <Pencil className="size-4 text-ink-muted" aria-hidden="true" />
                  {avatar.owned ? 'Edit' : 'View'}
                </Link>
              </DropdownMenu.Item>
              <DropdownMenu.Item className={menuItemClass} disabled={active} onSelect={onSetActive}>
                <Star className="size-4 text-ink-muted" aria-hidden="true" />
                {active ? 'Already active' : 'Set active'}
              </DropdownMenu.Item>
              <DropdownMenu.Separator className="my-1 h-px bg-line" />
              <DropdownMenu.Label className="px-2.5 pt-1.5 pb-1 text-xs font-medium text-ink-muted">
                Export
              </DropdownMenu.Label>
              <ExportMenuItems avatarId={avatar.id} />
              {avatar.owned ? (
                <>
                  <DropdownMenu.Separator className="my-1 h-px bg-line" />
                  <DropdownMenu.Item className={clsx(menuItemClass, 'text-bad')} onSelect={onDelete}>
                    <Trash2 className="size-4" aria-hidden="true" />
                    Delete…
                  </DropdownMenu.Item>
                </>
              ) : null}
            </DropdownMenu.Content>
          </DropdownMenu.Portal>
        </DropdownMenu.Root>
      </div>

      <p
        className={clsx(
          'line-clamp-2 text-sm',
          avatar.description ? 'text-ink-muted' : 'text-ink-subtle italic',
        )}
      >
        {avatar.description || 'No description yet.'}
      </p>
      {avatar.owned ? <p className="text-xs text-ink-subtle">{describeUsage(usage)}</p> : null}

      <div className="mt-auto flex items-end justify-between gap-3">
        {avatar.tags.length > 0 ? (
          <ul className="relative z-10 flex min-w-0 flex-wrap gap-1.5" aria-label="Tags">
            {avatar.tags.slice(0, 4).map((tag) => (
              <li key={tag}>
                <button
                  type="button"
                  onClick={() => onTag(tag)}
                  className="inline-flex h-6 max-w-[10rem] items-center rounded-md border border-line px-2 text-xs text-ink-muted transition-colors hover:border-line-strong hover:text-ink"
                  title={`Show avatars tagged ${tag}`}
                >
                  <span className="sr-only">Filter by tag </span>
                  <span className="truncate">#{tag}</span>
                </button>
              </li>
            ))}
            {avatar.tags.length > 4 ? (
              <li className="inline-flex h-6 items-center px-1 text-xs text-ink-subtle">
                +{avatar.tags.length - 4}
              </li>
            ) : null}
          </ul>
        ) : (
          <span />
        )}
        {active ? null : (
          <button
            type="button"
            onClick={onSetActive}
            className="btn-ghost relative z-10 h-8 shrink-0 px-2.5 text-accent-soft-ink"
          >
            <Star className="size-4" aria-hidden="true" />
            Set active<span className="sr-only">: {avatar.name}</span>
          </button>
        )}
      </div>
    </li>
  );
}
