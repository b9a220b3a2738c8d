import { Activity, Home } from 'lucide-react';
import { Link, useLocation } from 'react-router';
import { useDocumentTitle } from '../lib/document-title';

/** Shown for any address the app does not know. */
export function NotFoundPage() {
  useDocumentTitle('Page not found');
  const { pathname } = useLocation();

  return (
    <div className="flex flex-col items-center py-12 text-center sm:py-20">
      <p className="bg-gradient-to-br from-violet-500 to-pink-500 bg-clip-text text-6xl font-bold tracking-tight text-transparent sm:text-7xl">
        404
      </p>
      <h1 className="mt-4 text-2xl font-semibold tracking-tight text-ink">Page not found</h1>
      <p className="mt-2 max-w-md text-ink-muted">
        Nothing lives at{' '}
        <code className="rounded bg-surface-sunken px-1.5 py-0.5 font-mono text-sm break-all text-ink">
          {pathname}
        </code>{' '}
        — the link may be mistyped, or the page may have moved.
      </p>
      <div className="mt-8 flex flex-wrap justify-center gap-2">
        <Link to="/" className="btn-primary">
          <Home className="size-4" aria-hidden="true" />
          Back to home
        </Link>
        <Link to="/status" className="btn-secondary">
          <Activity className="size-4" aria-hidden="true" />
          System status
        </Link>
      </div>
    </div>
  );
}
