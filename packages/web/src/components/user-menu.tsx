import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import clsx from 'clsx';
import {
  Boxes,
  ChevronsUpDown,
  KeyRound,
  LogOut,
  MonitorSmartphone,
  ShieldCheck,
  UserRound,
} from 'lucide-react';
import { Link } from 'react-router';
import { initials, type User, useSignOut } from '../lib/session';

/** A round badge with the person's initials. */
export function UserAvatar({ name, className }: { name: string; className?: string }) {
  return (
    // The initials are drawn by CSS, not DOM text: they are decoration, and as text they would
    // make a button's visible label differ from its accessible name (axe label-content-name-mismatch).
    <span
      aria-hidden="true"
      data-initials={initials(name)}
      className={clsx(
        'flex shrink-0 items-center justify-center rounded-full bg-gradient-to-br from-violet-500 to-pink-500 font-semibold text-white before:content-[attr(data-initials)]',
        className ?? 'size-8 text-xs',
      )}
    />
  );
}

const itemClass =
  'flex cursor-default items-center gap-2.5 rounded-lg px-2.5 py-2 text-ink outline-none select-none data-[highlighted]:bg-surface-sunken';

/**
 * The signed-in person's menu: who they are, their settings, administration (admins) and
 * "Sign out". `compact` shows only the initials (the phone top bar).
 */
export function UserMenu({ user, compact = false }: { user: User; compact?: boolean }) {
  const signOut = useSignOut();

  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger
        // The full trigger is named by its visible text (axe: label-content-name-mismatch).
        aria-label={compact ? `Account menu for ${user.name}` : undefined}
        className={clsx(
          'flex items-center gap-2.5 rounded-lg text-left transition-colors hover:bg-surface-sunken data-[state=open]:bg-surface-sunken',
          compact ? 'p-1' : 'w-full px-2 py-2',
        )}
      >
        <UserAvatar name={user.name} />
        {compact ? null : (
          <>
            <span className="min-w-0 flex-1">
              <span className="sr-only">Account menu for </span>
              <span className="block truncate text-sm font-medium text-ink">{user.name}</span>
              <span className="block truncate text-xs text-ink-muted">{user.email}</span>
            </span>
            <ChevronsUpDown className="size-4 shrink-0 text-ink-subtle" aria-hidden="true" />
          </>
        )}
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align={compact ? 'end' : 'start'}
          side={compact ? 'bottom' : 'top'}
          sideOffset={6}
          collisionPadding={8}
          className="z-50 w-[min(16rem,calc(100vw-1rem))] animate-fade-in rounded-xl border border-line bg-surface-raised p-1 text-sm shadow-pop dark:border-line-strong"
        >
          <DropdownMenu.Label className="flex items-center gap-2.5 px-2.5 pt-2 pb-2.5">
            <UserAvatar name={user.name} className="size-9 text-sm" />
            <span className="min-w-0">
              <span className="block truncate font-medium text-ink">{user.name}</span>
              <span className="block truncate text-xs text-ink-muted">{user.email}</span>
            </span>
          </DropdownMenu.Label>
          <DropdownMenu.Separator className="my-1 h-px bg-line" />
          <DropdownMenu.Item asChild className={itemClass}>
            <Link to="/settings/profile">
              <UserRound className="size-4 text-ink-muted" aria-hidden="true" />
              Profile
            </Link>
          </DropdownMenu.Item>
          <DropdownMenu.Item asChild className={itemClass}>
            <Link to="/settings/models">
              <Boxes className="size-4 text-ink-muted" aria-hidden="true" />
              Models
            </Link>
          </DropdownMenu.Item>
          <DropdownMenu.Item asChild className={itemClass}>
            <Link to="/settings/sessions">
              <MonitorSmartphone className="size-4 text-ink-muted" aria-hidden="true" />
              Sessions
            </Link>
          </DropdownMenu.Item>
          <DropdownMenu.Item asChild className={itemClass}>
            <Link to="/settings/tokens">
              <KeyRound className="size-4 text-ink-muted" aria-hidden="true" />
              API tokens
            </Link>
          </DropdownMenu.Item>
          {user.role === 'admin' ? (
            <DropdownMenu.Item asChild className={itemClass}>
              <Link to="/admin/users">
                <ShieldCheck className="size-4 text-ink-muted" aria-hidden="true" />
                Admin: users
              </Link>
            </DropdownMenu.Item>
          ) : null}
          <DropdownMenu.Separator className="my-1 h-px bg-line" />
          <DropdownMenu.Item
            className={itemClass}
            disabled={signOut.isPending}
            onSelect={() => signOut.mutate()}
          >
            <LogOut className="size-4 text-ink-muted" aria-hidden="true" />
            Sign out
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
