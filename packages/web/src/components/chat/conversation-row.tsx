import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import clsx from 'clsx';
import { Archive, ArchiveRestore, Download, Ellipsis, Pencil, Pin, PinOff, Tag, Trash2 } from 'lucide-react';
import { NavLink } from 'react-router';
import { lastActivity } from '../../lib/conversation-groups';
import {
  type Conversation,
  conversationExportUrl,
  displayTitle,
  EXPORT_FORMATS,
} from '../../lib/conversations';
import { formatRelativeTime } from '../../lib/format';
import { AvatarPicture } from '../avatars/avatar-picture';
import { menuContentClass, menuItemClass } from '../avatars/menu';

export interface ConversationRowActions {
  onRename: (conversation: Conversation) => void;
  onTags: (conversation: Conversation) => void;
  onPin: (conversation: Conversation) => void;
  onArchive: (conversation: Conversation) => void;
  onDelete: (conversation: Conversation) => void;
}

/** One conversation in the list: a link to it, and its menu. */
export function ConversationRow({
  conversation,
  avatar,
  actions,
  onOpen,
}: {
  conversation: Conversation;
  avatar: { name: string; imageUrl: string } | undefined;
  actions: ConversationRowActions;
  onOpen?: (() => void) | undefined;
}) {
  const title = displayTitle(conversation);
  return (
    <li className="group/row relative">
      <NavLink
        to={`/chat/${conversation.id}`}
        onClick={onOpen}
        className={({ isActive }) =>
          clsx(
            'flex items-center gap-2.5 rounded-lg py-2 pr-9 pl-2 text-sm transition-colors',
            isActive ? 'bg-accent-soft text-accent-soft-ink' : 'text-ink hover:bg-surface-sunken',
          )
        }
      >
        {avatar ? (
          <AvatarPicture src={avatar.imageUrl} className="size-7 rounded-full!" />
        ) : (
          <span className="size-7 shrink-0 rounded-full bg-surface-sunken" aria-hidden="true" />
        )}
        <span className="min-w-0 flex-1">
          <span className="flex items-center gap-1">
            <span className="truncate font-medium">{title}</span>
            {conversation.pinned ? (
              <>
                <Pin className="size-3 shrink-0 text-ink-subtle" aria-hidden="true" />
                <span className="sr-only">(pinned)</span>
              </>
            ) : null}
          </span>
          <span className="flex gap-1.5 truncate text-xs text-ink-muted">
            <span className="truncate">{avatar?.name ?? 'Avatar'}</span>
            <span aria-hidden="true">·</span>
            <time dateTime={lastActivity(conversation)} className="shrink-0">
              {formatRelativeTime(lastActivity(conversation))}
            </time>
            {conversation.tags.length ? (
              <>
                <span aria-hidden="true">·</span>
                <span className="truncate">{conversation.tags.map((t) => `#${t}`).join(' ')}</span>
              </>
            ) : null}
          </span>
        </span>
      </NavLink>
      <DropdownMenu.Root>
        <DropdownMenu.Trigger
          className="icon-btn absolute top-1/2 right-1 size-7 -translate-y-1/2 data-[state=open]:bg-surface-sunken [@media(hover:hover)]:opacity-0 [@media(hover:hover)]:group-hover/row:opacity-100 [@media(hover:hover)]:group-focus-within/row:opacity-100 [@media(hover:hover)]:data-[state=open]:opacity-100"
          aria-label={`More for ${title}`}
        >
          <Ellipsis className="size-4" aria-hidden="true" />
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content align="end" sideOffset={4} collisionPadding={8} className={menuContentClass}>
            <DropdownMenu.Item className={menuItemClass} onSelect={() => actions.onRename(conversation)}>
              <Pencil className="size-4 text-ink-muted" aria-hidden="true" />
              Rename…
            </DropdownMenu.Item>
            <DropdownMenu.Item className={menuItemClass} onSelect={() => actions.onTags(conversation)}>
              <Tag className="size-4 text-ink-muted" aria-hidden="true" />
              Tags…
            </DropdownMenu.Item>
            <DropdownMenu.Item className={menuItemClass} onSelect={() => actions.onPin(conversation)}>
              {conversation.pinned ? (
                <PinOff className="size-4 text-ink-muted" aria-hidden="true" />
              ) : (
                <Pin className="size-4 text-ink-muted" aria-hidden="true" />
              )}
              {conversation.pinned ? 'Unpin' : 'Pin'}
            </DropdownMenu.Item>
            <DropdownMenu.Item className={menuItemClass} onSelect={() => actions.onArchive(conversation)}>
              {conversation.archived ? (
                <ArchiveRestore className="size-4 text-ink-muted" aria-hidden="true" />
              ) : (
                <Archive className="size-4 text-ink-muted" aria-hidden="true" />
              )}
              {conversation.archived ? 'Unarchive' : 'Archive'}
            </DropdownMenu.Item>
            <DropdownMenu.Separator className="my-1 h-px bg-line" />
            <DropdownMenu.Label className="px-2.5 pt-1.5 pb-1 text-xs font-medium text-ink-muted">
              Export
            </DropdownMenu.Label>
            {EXPORT_FORMATS.map(({ format, label, hint }) => (
              <DropdownMenu.Item key={format} asChild className={menuItemClass}>
                <a href={conversationExportUrl(conversation.id, format)} download>
                  <Download className="size-4 text-ink-muted" aria-hidden="true" />
                  <span className="flex min-w-0 flex-col">
                    <span>{label}</span>
                    <span className="text-xs text-ink-muted">{hint}</span>
                  </span>
                </a>
              </DropdownMenu.Item>
            ))}
            <DropdownMenu.Separator className="my-1 h-px bg-line" />
            <DropdownMenu.Item
              className={clsx(menuItemClass, 'text-bad')}
              onSelect={() => actions.onDelete(conversation)}
            >
              <Trash2 className="size-4" aria-hidden="true" />
              Delete
            </DropdownMenu.Item>
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
    </li>
  );
}
