import { QueryErrorResetBoundary } from '@tanstack/react-query';
import clsx from 'clsx';
import {
  Activity,
  BookOpen,
  Boxes,
  Drama,
  ExternalLink,
  Home,
  KeyRound,
  ListChecks,
  LogIn,
  type LucideIcon,
  Menu,
  MessageSquare,
  MonitorSmartphone,
  SlidersHorizontal,
  UserRound,
  Users,
  X,
} from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { loginPathFor } from '../lib/safe-next';
import { useSession } from '../lib/session';
import { ErrorBoundary } from './error-boundary';
import { Logo } from './logo';
import { ServerPill } from './server-pill';
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
  'flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium transition-colors text-ink-muted hover:bg-surface-sunken hover:text-ink';

/**
 * The app frame: a sidebar on wide screens, a top bar with a menu on phones, and the page in
 * <main>. Each page renders inside an error boundary, so one broken page keeps the navigation.
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

      <header className="sticky top-0 z-40 flex flex-col border-line bg-surface/90 backdrop-blur max-md:border-b md:h-dvh md:w-64 md:shrink-0 md:border-r md:bg-surface">
        <div className="flex h-14 shrink-0 items-center gap-1 px-4 md:h-16 md:px-5">
          <NavLink to="/" className="mr-auto rounded-lg" aria-label="Lumina home">
            <Logo />
          </NavLink>
          <ThemeSwitcher />
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
            'max-md:absolute max-md:inset-x-0 max-md:top-full max-md:animate-fade-in max-md:border-b max-md:border-line max-md:bg-surface max-md:shadow-pop',
            menuOpen ? 'flex' : 'hidden',
          )}
        >
          <NavList items={NAV_ITEMS.filter((item) => !item.signedIn || user)} />
          {user ? <NavSection title="Account" items={ACCOUNT_ITEMS} /> : null}
          {user?.role === 'admin' ? <NavSection title="Administration" items={ADMIN_ITEMS} /> : null}

          <div>
            <p className="px-3 pb-1.5 text-xs font-medium text-ink-subtle">Developers</p>
            <ul className="flex flex-col gap-0.5">
              <li>
                {/* Swagger UI is served by the server, outside the app: a full page load. */}
                <a href="/api/docs" className={navItemClass}>
                  <BookOpen className="size-[18px] shrink-0" aria-hidden="true" />
                  <span className="flex-1">API reference</span>
                  <ExternalLink className="size-3.5 text-ink-subtle" aria-hidden="true" />
                </a>
              </li>
            </ul>
          </div>

          <div className="mt-auto flex flex-col gap-1 border-t border-line pt-3">
            <ServerPill />
            <div className="max-md:hidden">
              {user ? (
                <UserMenu user={user} />
              ) : user === null ? (
                <Link to={loginHref} className={navItemClass}>
                  <LogIn className="size-[18px] shrink-0" aria-hidden="true" />
                  Sign in
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
          fullHeight && 'flex h-[calc(100dvh-3.5rem-1px)] flex-col md:h-dvh',
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
    </div>
  );
}

function NavList({ items }: { items: NavItem[] }) {
  return (
    <ul className="flex flex-col gap-0.5">
      {items.map(({ to, label, Icon, end }) => (
        <li key={to}>
          <NavLink
            to={to}
            end={end ?? false}
            className={({ isActive }) =>
              clsx(
                navItemClass,
                isActive &&
                  'bg-accent-soft text-accent-soft-ink hover:bg-accent-soft hover:text-accent-soft-ink',
              )
            }
          >
            <Icon className="size-[18px] shrink-0" aria-hidden="true" />
            {label}
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

function NavSection({ title, items }: { title: string; items: NavItem[] }) {
  return (
    <div>
      <p className="px-3 pb-1.5 text-xs font-medium text-ink-subtle">{title}</p>
      <NavList items={items} />
    </div>
  );
}
