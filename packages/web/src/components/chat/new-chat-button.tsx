import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import clsx from 'clsx';
import { ChevronDown, SquarePen } from 'lucide-react';
import { useNavigate } from 'react-router';
import type { Avatar } from '../../lib/avatars';
import { newChatPath } from '../../lib/conversations';
import { AvatarPicture } from '../avatars/avatar-picture';
import { menuContentClass, menuItemClass } from '../avatars/menu';

/**
 * "New chat" with the active avatar, and a menu to start one with any other avatar. Opens the
 * new-conversation page: nothing is stored until the first message is sent.
 * `onStarted` runs after navigating (closes the phone drawer).
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
  const start = (avatarId: string) => {
    navigate(newChatPath(avatarId));
    onStarted?.();
  };

  return (
    <div className={clsx('flex', className)}>
      <button
        type="button"
        className="btn-primary flex-1 rounded-r-none"
        disabled={!active}
        onClick={() => active && start(active.id)}
        title={active ? `Start a conversation with ${active.name}` : undefined}
      >
        <SquarePen className="size-4" aria-hidden="true" />
        New chat
      </button>
      <DropdownMenu.Root>
        <DropdownMenu.Trigger
          className="btn-primary rounded-l-none border-l border-accent-ink/25 px-2"
          disabled={avatars.length === 0}
          aria-label="New chat with another avatar"
        >
          <ChevronDown className="size-4" aria-hidden="true" />
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content
            align="end"
            sideOffset={4}
            collisionPadding={8}
            className={clsx(menuContentClass, 'max-h-80 overflow-y-auto')}
          >
            <DropdownMenu.Label className="px-2.5 pt-1.5 pb-1 text-xs font-medium text-ink-muted">
              Start a chat with
            </DropdownMenu.Label>
            {avatars.map((avatar) => (
              <DropdownMenu.Item key={avatar.id} className={menuItemClass} onSelect={() => start(avatar.id)}>
                <AvatarPicture src={avatar.imageUrl} className="size-6 rounded-full!" />
                <span className="truncate">{avatar.name}</span>
                {avatar.id === active?.id ? (
                  <span className="ml-auto text-xs text-ink-muted">active</span>
                ) : null}
              </DropdownMenu.Item>
            ))}
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
    </div>
  );
}
