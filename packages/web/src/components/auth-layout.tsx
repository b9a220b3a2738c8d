import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Logo } from './logo';
import { ThemeSwitcher } from './theme-switcher';

/** The frame of the sign-in and sign-up pages: the logo, a centred card, no navigation. */
export function AuthLayout({
  title,
  description,
  children,
  footer,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <div className="relative flex min-h-dvh flex-col overflow-hidden">
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-x-0 -top-40 h-96 bg-gradient-to-b from-violet-500/12 via-pink-500/5 to-transparent blur-2xl dark:from-violet-500/15"
      />
      <header className="relative flex h-16 shrink-0 items-center justify-between px-4 sm:px-6">
        <Link to="/" className="rounded-lg" aria-label="Lumina home">
          <Logo />
        </Link>
        <ThemeSwitcher />
      </header>
      <main
        id="main"
        tabIndex={-1}
        className="relative flex flex-1 flex-col items-center px-4 pt-4 pb-12 outline-none sm:pt-12"
      >
        <div className="w-full max-w-[420px]">
          <div className="card px-5 py-7 sm:px-8 sm:py-8">
            <h1 className="text-xl font-semibold tracking-tight text-ink sm:text-2xl">{title}</h1>
            {description ? <p className="mt-1.5 text-sm text-ink-muted">{description}</p> : null}
            <div className="mt-6">{children}</div>
          </div>
          {footer ? <div className="mt-6 text-center text-sm text-ink-muted">{footer}</div> : null}
        </div>
      </main>
    </div>
  );
}

/** A centred spinner while the app finds out who is signed in. */
export function FullPageLoading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="flex min-h-[50dvh] items-center justify-center" aria-busy="true">
      <span role="status" className="flex items-center gap-2 text-sm text-ink-muted">
        <span
          className="size-4 animate-spin rounded-full border-2 border-line-strong border-t-accent"
          aria-hidden="true"
        />
        {label}
      </span>
    </div>
  );
}
