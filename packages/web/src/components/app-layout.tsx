import { QueryErrorResetBoundary } from '@tanstack/react-query';
import clsx from 'clsx';
import {
  Activity,
  AudioLines,
  BookOpen,
  Boxes,
  Brain,
  Drama,
  ExternalLink,
  Home,
  Keyboard,
  KeyRound,
  ListChecks,
  LogIn,
  type LucideIcon,
  Menu,
  MessageSquare,
  MonitorSmartphone,
  PanelLeftClose,
  PanelLeftOpen,
  SlidersHorizontal,
  UserRound,
  Users,
  X,
} from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { ariaKeyShortcuts, shortcutLabel, useShortcuts } from '../lib/chat-shortcuts';
import { setFocusMode, useCollapsed, useFocusMode } from '../lib/layout-prefs';
import { loginPathFor } from '../lib/safe-next';
import { useSession } from '../lib/session';
import { ErrorBoundary } from './error-boundary';
import { Logo } from './logo';
import { ServerPill } from './server-pill';
import { openShortcutSheet, ShortcutSheet, toggleShortcutSheet } from './shortcut-sheet';
import { ThemeSwitcher } from './theme-switcher';
import { UserMenu } from './user-menu';

interface NavItem {
  to: string;
  label: string;
  Icon: LucideIcon;
  end?: boolean;
  /** Only shown to signed-in people. */
  signedIn?: boolean;
}

/** Only pages that exist; a feature gets its entry when it ships. */
const NAV_ITEMS: NavItem[] = [
  { to: '/', label: 'Home', Icon: Home, end: true },
  { to: '/chat', label: 'Chat', Icon: MessageSquare, signedIn: true },
  { to: '/avatars', label: 'Avatars', Icon: Drama, signedIn: true },
  { to: '/status', label: 'System status', Icon: Activity },
];

/** Shown when signed in. */
const ACCOUNT_ITEMS: NavItem[] = [
  { to: '/settings/profile', label: 'Profile', Icon: UserRound },
  { to: '/settings/models', label: 'Models', Icon: Boxes },
  { to: '/settings/memory', label: 'Memory', Icon: Brain },
  { to: '/settings/voice', label: 'Voice', Icon: AudioLines },
  { to: '/settings/sessions', label: 'Sessions', Icon: MonitorSmartphone },
  { to: '/settings/tokens', label: 'API tokens', Icon: KeyRound },
];

/** Shown to administrators. */
const ADMIN_ITEMS: NavItem[] = [
  { to: '/admin/users', label: 'Users', Icon: Users },
  { to: '/admin/models', label: 'Models & pricing', Icon: SlidersHorizontal },
  { to: '/admin/jobs', label: 'Background jobs', Icon: ListChecks },
];

const navItemClass =
  'flex min-w-0 items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium transition-colors text-ink-muted hover:bg-surface-sunken hover:text-ink';

/** A navigation entry in the collapsed sidebar (wide screens): an icon, its name in a tooltip. */
const railItemClass = 'md:size-9 md:justify-center md:gap-0 md:px-0';

/**
 * The app frame: a sidebar on wide screens (collapsible to a rail of icons, remembered per
 * browser), a top bar with a menu on phones, and the page in <main>. Chat's focus mode hides the
 * frame. Each page renders inside an error boundary, so one broken page keeps the navigation.
 */
export function AppLayout() {
  const location = useLocation();
  const user = useSession().data;
  const loginHref = loginPathFor(location);
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef(location.pathname);
  // Chat fills the screen and scrolls its own message list.
  const fullHeight = location.pathname === '/chat' || location.pathname.startsWith('/chat/');
  // Collapsing is for wide screens (its classes are all md:); the phone's top bar stays as it is.
  const [collapsed, setCollapsed] = useCollapsed('nav');
  const [focusMode] = useFocusMode();
  const hidden = focusMode && fullHeight;

  useShortcuts({ shortcuts: toggleShortcutSheet });

  // Focus mode belongs to the chat: leaving it shows the frame again.
  useEffect(() => {
    if (!fullHeight) setFocusMode(false);
  }, [fullHeight]);

  // After a client-side navigation, move focus to the new page (as a full load would) and
  // close the phone menu. Not on first load, so Tab still starts at the skip link.
  useEffect(() => {
    setMenuOpen(false);
    if (shownPath.current === location.pathname) return;
    shownPath.current = location.pathname;
    main.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [location.pathname]);

  useEffect(() => {
    if (!menuOpen) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [menuOpen]);

  return (
    <div className="min-h-dvh md:flex">
      <a
        href="#main"
        className="fixed -top-24 left-3 z-50 rounded-lg bg-accent px-4 py-2 text-sm font-medium text-accent-ink shadow-pop focus:top-3"
      >
        Skip to content
      </a>

      <header
        className={clsx(
          'sticky top-0 z-40 flex flex-col border-line bg-surface/90 backdrop-blur max-md:border-b md:h-dvh md:shrink-0 md:border-r md:bg-surface',
          collapsed ? 'md:w-16' : 'md:w-64',
        )}
        hidden={hidden}
      >
        <div
          className={clsx(
            'flex h-14 shrink-0 items-center gap-1 px-4 md:h-16 md:px-5',
            collapsed && 'md:h-auto md:flex-col md:gap-2 md:px-0 md:pt-4 md:pb-1',
          )}
        >
          <NavLink
            to="/"
            className={clsx(
              'mr-auto rounded-lg',
              // Only the mark: the wordmark is clipped away (nothing shrinks to make room).
              collapsed && 'md:mr-0 md:w-8 md:overflow-hidden md:[&_span]:shrink-0',
            )}
            aria-label="Lumina home"
            title={collapsed ? 'Lumina home' : undefined}
          >
            <Logo />
          </NavLink>
          <div className={clsx(collapsed && 'md:hidden')}>
            <ThemeSwitcher />
          </div>
          <button
            type="button"
            className="icon-btn max-md:hidden"
            aria-expanded={!collapsed}
            aria-controls="primary-navigation"
            aria-label={collapsed ? 'Expand sidebar' : 'Collapse sidebar'}
            title={collapsed ? 'Expand sidebar' : 'Collapse sidebar'}
            onClick={() => setCollapsed(!collapsed)}
          >
            {collapsed ? (
              <PanelLeftOpen className="size-[18px]" aria-hidden="true" />
            ) : (
              <PanelLeftClose className="size-[18px]" aria-hidden="true" />
            )}
          </button>
          <div className="flex items-center md:hidden">
            {user ? (
              <UserMenu user={user} compact />
            ) : user === null ? (
              <Link to={loginHref} className="btn-ghost h-9 px-2.5 text-accent-soft-ink">
                Sign in
              </Link>
            ) : null}
          </div>
          <button
            ref={menuButton}
            type="button"
            className="icon-btn md:hidden"
            aria-expanded={menuOpen}
            aria-controls="primary-navigation"
            aria-label={menuOpen ? 'Close menu' : 'Open menu'}
            onClick={() => setMenuOpen((open) => !open)}
          >
            {menuOpen ? (
              <X className="size-5" aria-hidden="true" />
            ) : (
              <Menu className="size-5" aria-hidden="true" />
            )}
          </button>
        </div>

        <nav
          id="primary-navigation"
          aria-label="Main"
          className={clsx(
            'flex-1 flex-col gap-6 overflow-y-auto px-3 pt-2 pb-4 md:flex',
            collapsed && 'md:items-center md:gap-2 md:px-2 md:pt-1',
            'max-md:absolute max-md:inset-x-0 max-md:top-full max-md:animate-fade-in max-md:border-b max-md:border-line max-md:bg-surface max-md:shadow-pop',
            menuOpen ? 'flex' : 'hidden',
          )}
        >
          <NavList items={NAV_ITEMS.filter((item) => !item.signedIn || user)} collapsed={collapsed} />
          {user ? <NavSection title="Account" items={ACCOUNT_ITEMS} collapsed={collapsed} /> : null}
          {user?.role === 'admin' ? (
            <NavSection title="Administration" items={ADMIN_ITEMS} collapsed={collapsed} />
          ) : null}

          <div className={clsx(collapsed && 'md:border-t md:border-line md:pt-2')}>
            <p className={clsx('px-3 pb-1.5 text-xs font-medium text-ink-subtle', collapsed && 'md:sr-only')}>
              Developers
            </p>
            <ul className="flex flex-col gap-0.5">
              <li>
                {/* Swagger UI is served by the server, outside the app: a full page load. */}
                <a
                  href="/api/docs"
                  className={clsx(navItemClass, collapsed && railItemClass)}
                  title={collapsed ? 'API reference' : undefined}
                >
                  <BookOpen className="size-[18px] shrink-0" aria-hidden="true" />
                  <span className={clsx('flex-1', collapsed && 'md:sr-only')}>API reference</span>
                  <ExternalLink
                    className={clsx('size-3.5 text-ink-subtle', collapsed && 'md:hidden')}
                    aria-hidden="true"
                  />
                </a>
              </li>
            </ul>
          </div>

          <div
            className={clsx(
              'mt-auto flex flex-col gap-1 border-t border-line pt-3',
              collapsed && 'md:items-center',
            )}
          >
            <button
              type="button"
              className={clsx(navItemClass, 'w-full text-left', collapsed && railItemClass)}
              aria-keyshortcuts={ariaKeyShortcuts('shortcuts')}
              title={collapsed ? `Keyboard shortcuts (${shortcutLabel('shortcuts')})` : undefined}
              onClick={() => {
                setMenuOpen(false);
                openShortcutSheet();
              }}
            >
              <Keyboard className="size-[18px] shrink-0" aria-hidden="true" />
              <span className={clsx('min-w-0 flex-1 truncate', collapsed && 'md:sr-only')}>Shortcuts</span>
              <span
                className={clsx(
                  'shrink-0 rounded border border-line px-1 font-sans text-[11px] font-normal text-ink-subtle max-md:hidden',
                  collapsed && 'md:hidden',
                )}
                aria-hidden="true"
              >
                {shortcutLabel('shortcuts')}
              </span>
            </button>
            <div className={clsx(collapsed && 'md:hidden')}>
              <ServerPill />
            </div>
            {collapsed ? (
              <div className="max-md:hidden">
                <ThemeSwitcher />
              </div>
            ) : null}
            <div className="max-md:hidden">
              {user ? (
                <UserMenu user={user} compact={collapsed} />
              ) : user === null ? (
                <Link
                  to={loginHref}
                  className={clsx(navItemClass, collapsed && railItemClass)}
                  title={collapsed ? 'Sign in' : undefined}
                >
                  <LogIn className="size-[18px] shrink-0" aria-hidden="true" />
                  <span className={clsx(collapsed && 'md:sr-only')}>Sign in</span>
                </Link>
              ) : null}
            </div>
          </div>
        </nav>
      </header>

      <main
        id="main"
        ref={main}
        tabIndex={-1}
        className={clsx(
          'min-w-0 flex-1 outline-none',
          fullHeight && 'flex flex-col',
          fullHeight && (hidden ? 'h-dvh' : 'h-[calc(100dvh-3.5rem-1px)] md:h-dvh'),
        )}
      >
        <div
          className={
            fullHeight
              ? 'flex min-h-0 flex-1 flex-col'
              : 'mx-auto w-full max-w-5xl px-4 py-8 sm:px-6 md:px-10 md:py-12'
          }
        >
          <QueryErrorResetBoundary>
            {({ reset }) => (
              <ErrorBoundary resetKey={location.pathname} onReset={reset}>
                <Outlet />
              </ErrorBoundary>
            )}
          </QueryErrorResetBoundary>
        </div>
      </main>
      <ShortcutSheet />
    </div>
  );
}

function NavList({ items, collapsed }: { items: NavItem[]; collapsed: boolean }) {
  return (
    <ul className="flex flex-col gap-0.5">
      {items.map(({ to, label, Icon, end }) => (
        <li key={to}>
          <NavLink
            to={to}
            end={end ?? false}
            title={collapsed ? label : undefined}
            className={({ isActive }) =>
              clsx(
                navItemClass,
                collapsed && railItemClass,
                isActive &&
                  'bg-accent-soft text-accent-soft-ink hover:bg-accent-soft hover:text-accent-soft-ink',
              )
            }
          >
            <Icon className="size-[18px] shrink-0" aria-hidden="true" />
            <span className={clsx('truncate', collapsed && 'md:sr-only')}>{label}</span>
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

function NavSection({ title, items, collapsed }: { title: string; items: NavItem[]; collapsed: boolean }) {
  return (
    <div className={clsx(collapsed && 'md:border-t md:border-line md:pt-2')}>
      <p className={clsx('px-3 pb-1.5 text-xs font-medium text-ink-subtle', collapsed && 'md:sr-only')}>
        {title}
      </p>
      <NavList items={items} collapsed={collapsed} />
    </div>
  );
}
